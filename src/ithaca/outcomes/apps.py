from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "ithaca.outcomes"
    label = "outcomes"
    verbose_name = "Outcomes, instruments, cohort reports and registry exports"
