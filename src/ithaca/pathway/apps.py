from django.apps import AppConfig


class PathwayConfig(AppConfig):
    name = "ithaca.pathway"
    label = "pathway"
    verbose_name = "Care pathway"
