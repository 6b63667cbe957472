"""Implanted and external systems, their program versions, and refills.

Columns hold one canonical unit each, named in the column: mcg/day, mcg/mL, mL, mL/day.
A program version is immutable once written: only its check status moves, and only
forward (awaiting check -> active -> superseded, or awaiting check -> rejected).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models

from ithaca.clinical.pumps import ProgramMode
from ithaca.patients.models import Patient

# Column precision: volumes to 0.0001 mL, doses and strengths to 0.000001 mcg.
VOLUME_DIGITS, VOLUME_PLACES = 10, 4
DOSE_DIGITS, DOSE_PLACES = 16, 6


class DeviceStatus(models.TextChoices):
    ACTIVE = "active", "In use"
    EXPLANTED = "explanted", "Explanted"


class Device(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="devices")
    pump_model = models.CharField(max_length=40)
    serial_number = models.CharField(max_length=40)
    implanted_on = models.DateField()
    catheter_tip_level = models.CharField(
        max_length=8, blank=True, help_text="vertebral level, e.g. T10"
    )
    reservoir_ml = models.DecimalField(
        null=True,
        blank=True,
        help_text="only where the catalogue does not size the device",
        max_digits=VOLUME_DIGITS,
        decimal_places=VOLUME_PLACES,
    )
    low_alarm_ml = models.DecimalField(
        "low-reservoir alarm volume",
        null=True,
        blank=True,
        max_digits=VOLUME_DIGITS,
        decimal_places=VOLUME_PLACES,
    )
    fixed_rate_ml_per_day = models.DecimalField(
        null=True,
        blank=True,
        help_text="constant-flow pumps: the labelled rate",
        max_digits=VOLUME_DIGITS,
        decimal_places=VOLUME_PLACES,
    )
    eri_reported_on = models.DateField(
        "replacement indicator (ERI) reported on", null=True, blank=True
    )
    status = models.CharField(
        max_length=12, choices=DeviceStatus.choices, default=DeviceStatus.ACTIVE
    )
    explanted_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The current forecast (ithaca.devices.forecast): refreshed on every refill and on every
    # program approval, so a dose change moves the date the dashboard shows.
    next_due_on = models.DateField(null=True, blank=True, db_index=True)
    next_due_factor = models.CharField(max_length=24, blank=True)
    next_due_basis = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["pump_model", "serial_number"], name="one_device_per_serial"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pump_model} {self.serial_number}"


class DeviceEventKind(models.TextChoices):
    CATHETER_OCCLUSION = "catheter_occlusion", "Catheter occlusion"
    CATHETER_DISLODGEMENT = "catheter_dislodgement", "Catheter dislodgement or migration"
    CATHETER_LEAK = "catheter_leak", "Catheter leak or CSF leak"
    CATHETER_REVISION = "catheter_revision", "Catheter revision"
    PUMP_MALFUNCTION = "pump_malfunction", "Pump malfunction"
    MOTOR_STALL = "motor_stall", "Motor stall"
    ALARM = "alarm", "Pump alarm"
    ERI = "eri", "Elective replacement indicator"
    REPLACEMENT = "replacement", "Pump replacement"
    EXPLANT = "explant", "Explant"
    OTHER = "other", "Other"


class DeviceEvent(models.Model):
    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="events")
    occurred_on = models.DateField()
    kind = models.CharField(max_length=24, choices=DeviceEventKind.choices)
    description = models.TextField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-occurred_on", "-id")


class ProgramStatus(models.TextChoices):
    AWAITING_CHECK = "awaiting_check", "Awaiting double check"
    ACTIVE = "active", "Active"
    SUPERSEDED = "superseded", "Superseded"
    REJECTED = "rejected", "Rejected at check"


MODE_CHOICES = [(m.value, m.value.replace("_", " ")) for m in ProgramMode]
# The fields a version is defined by: once written they never change.
IMMUTABLE_PROGRAM_FIELDS = (
    "device_id",
    "number",
    "mode",
    "daily_dose_mcg_per_day",
    "entered_dose_unit",
    "fixed_rate_ml_per_day",
    "bolus_dose_mcg",
    "bolus_lockout_minutes",
    "bolus_max_per_day",
    "verdict",
    "findings",
    "library_version",
    "library_hash",
    "ithaca_version",
    "override_reason",
    "prescribed_by_id",
    "prescribed_at",
    "previous_id",
)


class ProgramVersion(models.Model):
    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="programs")
    number = models.PositiveIntegerField()
    mode = models.CharField(max_length=20, choices=MODE_CHOICES)
    daily_dose_mcg_per_day = models.DecimalField(
        null=True,
        blank=True,
        help_text="continuous: the first drug's daily dose",
        max_digits=DOSE_DIGITS,
        decimal_places=DOSE_PLACES,
    )
    entered_dose_unit = models.CharField(max_length=10, blank=True)
    fixed_rate_ml_per_day = models.DecimalField(
        null=True, blank=True, max_digits=VOLUME_DIGITS, decimal_places=VOLUME_PLACES
    )
    bolus_dose_mcg = models.DecimalField(
        null=True, blank=True, max_digits=DOSE_DIGITS, decimal_places=DOSE_PLACES
    )
    bolus_lockout_minutes = models.PositiveIntegerField(null=True, blank=True)
    bolus_max_per_day = models.PositiveIntegerField(null=True, blank=True)
    verdict = models.CharField(max_length=16)
    findings = models.JSONField(default=list)
    library_version = models.CharField(max_length=120)
    library_hash = models.CharField(max_length=64)
    ithaca_version = models.CharField(max_length=40)
    override_reason = models.TextField(blank=True)
    prescribed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    prescribed_at = models.DateTimeField()
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=16, choices=ProgramStatus.choices, default=ProgramStatus.AWAITING_CHECK
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    check_note = models.TextField(blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("device", "-number")
        constraints = [
            models.UniqueConstraint(
                fields=["device", "number"], name="one_program_version_number_per_device"
            ),
            models.UniqueConstraint(
                fields=["device"],
                condition=models.Q(status="active"),
                name="one_active_program_per_device",
            ),
            models.CheckConstraint(
                condition=~models.Q(checked_by=models.F("prescribed_by")),
                name="checker_is_not_prescriber",
            ),
        ]
        indexes = [models.Index(fields=["status"])]  # the dashboard's programs awaiting check

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            stored = type(self).objects.filter(pk=self.pk).values(*IMMUTABLE_PROGRAM_FIELDS).first()
            if stored is not None:
                changed = [f for f in IMMUTABLE_PROGRAM_FIELDS if stored[f] != getattr(self, f)]
                if changed:
                    raise ValueError(
                        f"a program version is immutable; refused change to {', '.join(changed)}"
                    )
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return f"program v{self.number} for {self.device}"


class ProgramDrug(models.Model):
    program = models.ForeignKey(ProgramVersion, on_delete=models.PROTECT, related_name="drugs")
    position = models.PositiveSmallIntegerField(
        help_text="0 is the drug the program is prescribed by"
    )
    drug_id = models.CharField(max_length=40)
    concentration_mcg_per_ml = models.DecimalField(
        max_digits=DOSE_DIGITS, decimal_places=DOSE_PLACES
    )
    entered_unit = models.CharField(max_length=10)

    class Meta:
        ordering = ("position",)
        constraints = [
            models.UniqueConstraint(fields=["program", "position"], name="one_drug_per_position"),
            models.UniqueConstraint(fields=["program", "drug_id"], name="one_entry_per_drug"),
            models.CheckConstraint(
                condition=models.Q(concentration_mcg_per_ml__gt=0), name="concentration_positive"
            ),
        ]


class ProgramStep(models.Model):
    """A flexible-schedule step: from start_minute until the next step, at a daily-dose rate."""

    program = models.ForeignKey(ProgramVersion, on_delete=models.PROTECT, related_name="steps")
    start_minute = models.PositiveSmallIntegerField()
    dose_mcg_per_day = models.DecimalField(max_digits=DOSE_DIGITS, decimal_places=DOSE_PLACES)

    class Meta:
        ordering = ("start_minute",)
        constraints = [
            models.UniqueConstraint(fields=["program", "start_minute"], name="one_step_per_start")
        ]


class RefillStatus(models.TextChoices):
    AWAITING_VERIFICATION = "awaiting_verification", "Awaiting double check"
    VERIFIED = "verified", "Verified"


class Refill(models.Model):
    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="refills")
    sequence = models.PositiveIntegerField(
        help_text="1 for the first fill; two saves of one number cannot both succeed"
    )
    program = models.ForeignKey(ProgramVersion, on_delete=models.PROTECT, related_name="refills")
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    performed_on = models.DateField()
    recorded_at = models.DateTimeField()
    first_fill = models.BooleanField(default=False)
    expected_residual_ml = models.DecimalField(
        null=True, blank=True, max_digits=VOLUME_DIGITS, decimal_places=VOLUME_PLACES
    )
    measured_residual_ml = models.DecimalField(
        null=True, blank=True, max_digits=VOLUME_DIGITS, decimal_places=VOLUME_PLACES
    )
    discrepancy_ml = models.DecimalField(
        null=True, blank=True, max_digits=VOLUME_DIGITS, decimal_places=VOLUME_PLACES
    )
    discrepancy_percent = models.DecimalField(null=True, blank=True, max_digits=7, decimal_places=1)
    flagged = models.BooleanField(default=False)
    flag_reasons = models.JSONField(default=list, blank=True)
    discrepancy_action = models.TextField(
        blank=True, help_text="what was done about a flagged discrepancy"
    )
    fill_volume_ml = models.DecimalField(max_digits=VOLUME_DIGITS, decimal_places=VOLUME_PLACES)
    lot_number = models.CharField(max_length=60)
    needle_in_reservoir_confirmed = models.BooleanField(default=False)
    next_due_on = models.DateField()
    limiting_factor = models.CharField(max_length=24)
    empty_on = models.DateField()
    low_alarm_on = models.DateField(null=True, blank=True)
    stability_on = models.DateField(null=True, blank=True)
    clinic_interval_on = models.DateField(null=True, blank=True)
    daily_volume_ml = models.DecimalField(max_digits=VOLUME_DIGITS, decimal_places=VOLUME_PLACES)
    calculation = models.JSONField(
        default=dict, help_text="the core's steps and findings, as shown at the time"
    )
    library_version = models.CharField(max_length=120)
    library_hash = models.CharField(max_length=64)
    status = models.CharField(
        max_length=24, choices=RefillStatus.choices, default=RefillStatus.AWAITING_VERIFICATION
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ("device", "-sequence")
        constraints = [
            models.UniqueConstraint(fields=["device", "sequence"], name="one_refill_per_sequence"),
            models.CheckConstraint(
                condition=models.Q(needle_in_reservoir_confirmed=True),
                name="needle_placement_confirmed",
            ),
            models.CheckConstraint(
                condition=models.Q(fill_volume_ml__gt=0), name="fill_volume_positive"
            ),
            models.CheckConstraint(
                condition=~models.Q(verified_by=models.F("performed_by")),
                name="verifier_is_not_performer",
            ),
        ]
        # The dashboard counts refills awaiting verification and recent flags on every load.
        indexes = [
            models.Index(fields=["next_due_on"]),
            models.Index(fields=["status"]),
            models.Index(fields=["flagged", "performed_on"]),
        ]

    def __str__(self) -> str:
        return f"refill {self.sequence} of {self.device} on {self.performed_on}"


class ClinicLibrary(models.Model):
    """A clinic's own library file laid over the base library; the newest active one is in force."""

    content = models.TextField()
    version_label = models.CharField(max_length=120)
    content_hash = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField()
    reason = models.TextField()
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ("-uploaded_at", "-id")


def decimal_or_none(value: Decimal | None) -> Decimal | None:
    return Decimal(value) if value is not None else None
