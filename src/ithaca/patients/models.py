"""Patients, their contacts, their systemic opioids and their pain scores.

Doses are stored in one canonical unit named in the column (dose_mcg_per_day), as exact
decimals; the unit the clinician typed is kept beside it for display.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from ithaca.clinical.factors import Route
from ithaca.clinical.pathway import Stage
from ithaca.clinical.quantities import DoseRate, Unit

STAGE_CHOICES = [(s.value, s.label) for s in Stage]
DOSE_RATE_UNITS = [(u.symbol, u.symbol) for u in Unit if u.dimension.value == "daily dose"]


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Other"
    UNKNOWN = "unknown", "Not recorded"


class Prognosis(models.TextChoices):
    UNDER_1_MONTH = "lt1m", "Less than 1 month"
    ONE_TO_3_MONTHS = "1-3m", "1 to 3 months"
    THREE_TO_6_MONTHS = "3-6m", "3 to 6 months"
    SIX_TO_12_MONTHS = "6-12m", "6 to 12 months"
    OVER_12_MONTHS = "gt12m", "More than 12 months"
    UNKNOWN = "unknown", "Not estimated"


class Patient(models.Model):
    hospital_number = models.CharField(max_length=32, unique=True)
    given_name = models.CharField(max_length=80)
    family_name = models.CharField(max_length=80)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    diagnosis = models.CharField("cancer diagnosis", max_length=200)
    cancer_stage = models.CharField(max_length=40, blank=True)
    ecog = models.PositiveSmallIntegerField(
        "ECOG performance status", null=True, blank=True, validators=[MaxValueValidator(4)]
    )
    prognosis = models.CharField(
        "estimated prognosis", max_length=10, choices=Prognosis.choices, default=Prognosis.UNKNOWN
    )
    phone = models.CharField(max_length=40, blank=True)
    address = models.TextField(blank=True)
    pathway_stage = models.CharField(
        max_length=24, choices=STAGE_CHOICES, default=Stage.IDENTIFIED.value
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("family_name", "given_name")
        indexes = [models.Index(fields=["family_name", "given_name"])]

    def __str__(self) -> str:
        return f"{self.family_name.upper()}, {self.given_name} ({self.hospital_number})"

    @property
    def stage(self) -> Stage:
        return Stage(self.pathway_stage)


class Contact(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=120)
    relationship = models.CharField(max_length=60)
    phone = models.CharField(max_length=40)
    is_caregiver = models.BooleanField("primary caregiver", default=False)

    def __str__(self) -> str:
        return f"{self.name} ({self.relationship})"


class OpioidRegimenItem(models.Model):
    """One systemic opioid the patient takes (or took), for the oral morphine equivalent."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="regimen")
    opioid = models.CharField(max_length=40)
    route = models.CharField(max_length=20, choices=[(r.value, r.value) for r in Route])
    dose_mcg_per_day = models.DecimalField(max_digits=16, decimal_places=6)
    entered_unit = models.CharField(max_length=10, choices=DOSE_RATE_UNITS)
    started_on = models.DateField()
    stopped_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ("-started_on",)
        constraints = [
            models.CheckConstraint(
                condition=models.Q(dose_mcg_per_day__gt=0), name="regimen_dose_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(stopped_on__isnull=True)
                | models.Q(stopped_on__gte=models.F("started_on")),
                name="regimen_stops_after_it_starts",
            ),
        ]

    @property
    def dose(self) -> DoseRate:
        canonical = DoseRate(Decimal(self.dose_mcg_per_day), Unit.MCG_PER_DAY)
        return canonical.to(next(u for u in Unit if u.symbol == self.entered_unit))


class PainScore(models.Model):
    """0-10 numeric rating scale."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="pain_scores")
    recorded_at = models.DateTimeField()
    score = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    note = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ("-recorded_at",)
        constraints = [
            models.CheckConstraint(condition=models.Q(score__lte=10), name="pain_score_0_to_10"),
        ]
