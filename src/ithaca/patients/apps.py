from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "ithaca.patients"
    label = "patients"
    verbose_name = "Patients"
