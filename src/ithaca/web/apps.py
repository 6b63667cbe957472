from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "ithaca.web"
    label = "web"
    verbose_name = "ithaca web"
