from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "ithaca.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from ithaca.audit import signals  # noqa: F401 - connects the login receivers
