"""Who a user is to the clinic: one role each, and for a caregiver, whose caregiver."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Role(models.TextChoices):
    PHYSICIAN = "physician", "Pain physician"
    NURSE = "nurse", "Pump nurse"
    PHARMACIST = "pharmacist", "Pharmacist"
    COORDINATOR = "coordinator", "Coordinator"
    ADMINISTRATOR = "administrator", "Administrator"
    CAREGIVER = "caregiver", "Caregiver"
    PATIENT = "patient", "Patient"


class Profile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    display_name = models.CharField(max_length=120)

    def __str__(self) -> str:
        return f"{self.display_name} ({self.get_role_display()})"


class CaregiverLink(models.Model):
    """A caregiver's (or a patient's own) account may read one patient: the one it is
    linked to. The link is made by the team, through an invitation (ithaca.family)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="caregiver_links"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="caregiver_links"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "patient"], name="one_link_per_caregiver_patient"
            )
        ]
