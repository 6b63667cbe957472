"""Invitations to the family pages, and the team's telephone numbers shown on them.

An invitation stores only a hash of its token: the link is shown once, to the team member
who gives it to the family by hand, text or e-mail. Whoever holds the link can open an
account for that one patient, so it expires, works once, and can be revoked.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ithaca.accounts.models import Role
from ithaca.patients.models import Patient


class InviteeRole(models.TextChoices):
    # The two roles the family pages serve; both read one patient and never write.
    CAREGIVER = Role.CAREGIVER.value, _("A caregiver or family member")
    PATIENT = Role.PATIENT.value, _("The patient themselves")


class Invitation(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="invitations")
    name = models.CharField(_("name of the person invited"), max_length=120)
    relationship = models.CharField(
        _("relationship to the patient"), max_length=60, help_text=_("e.g. daughter, husband")
    )
    role = models.CharField(max_length=20, choices=InviteeRole.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="invitation_expires_after_creation",
            ),
            # Used or revoked, never both: the first state change wins.
            models.CheckConstraint(
                condition=models.Q(accepted_at__isnull=True) | models.Q(revoked_at__isnull=True),
                name="invitation_not_both_used_and_revoked",
            ),
        ]

    def __str__(self) -> str:
        return f"invitation for {self.name} ({self.relationship}) to {self.patient}"


class CallWhen(models.TextChoices):
    WEEKDAYS = "weekdays", _("Weekdays, in office hours")
    OUT_OF_HOURS = "out_of_hours", _("Evenings, nights, weekends and holidays")
    ANY_TIME = "any_time", _("Any time, day or night")
    EMERGENCY = "emergency", _("In an emergency")


class TeamContact(models.Model):
    """A number the family may call, as the clinic's administrator enters it."""

    name = models.CharField(max_length=120, help_text="e.g. Pain team nurses")
    name_zh_hans = models.CharField(
        "name in Simplified Chinese",
        max_length=120,
        blank=True,
        help_text="shown on the Chinese pages; the English name is shown if this is empty",
    )
    phone = models.CharField(max_length=40)
    when = models.CharField("when to call", max_length=20, choices=CallWhen.choices)
    order = models.PositiveSmallIntegerField(default=0, help_text="lower numbers are shown first")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ("order", "id")

    def __str__(self) -> str:
        return f"{self.name}: {self.phone}"

    def name_in(self, language: str) -> str:
        if language.lower().startswith("zh") and self.name_zh_hans:
            return self.name_zh_hans
        return self.name
