from django.apps import AppConfig


class FamilyConfig(AppConfig):
    name = "ithaca.family"
    label = "family"
    verbose_name = "Patients and families: portal, invitations, education"
