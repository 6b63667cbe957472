from django.apps import AppConfig


class EconomicsConfig(AppConfig):
    name = "ithaca.economics"
    label = "economics"
    verbose_name = "Cost model and break-even"
