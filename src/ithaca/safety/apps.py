from django.apps import AppConfig


class SafetyConfig(AppConfig):
    name = "ithaca.safety"
    label = "safety"
    verbose_name = "Safety surveillance and device incident summaries"
