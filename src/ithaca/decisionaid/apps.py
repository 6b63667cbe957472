from django.apps import AppConfig


class DecisionAidConfig(AppConfig):
    name = "ithaca.decisionaid"
    label = "decisionaid"
    verbose_name = "Shared decision aid and caregiver check-ins"
