from django.apps import AppConfig


class DevicesConfig(AppConfig):
    name = "ithaca.devices"
    label = "devices"
    verbose_name = "Pumps, programs and refills"
