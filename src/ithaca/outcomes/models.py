"""Outcome records: licensed instruments registered by a site, their scores, and admissions.

An instrument definition holds an identifier, its licence and its scoring rule as a small
structured spec: never an item's wording, which ithaca does not ship for a licensed
instrument. A score holds the answers as numbers only and the scores the core computed
from the spec; it is written once. Every write goes through ithaca.outcomes.services,
which checks the role and writes the audit event in the same transaction.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from ithaca.pathway.models import WrittenOnce
from ithaca.patients.models import Patient


class InstrumentDefinition(WrittenOnce):
    identifier = models.CharField(max_length=40)  # e.g. "BPI-SF"
    name = models.CharField(max_length=120)
    version = models.CharField(max_length=40)
    licence_holder = models.CharField(max_length=120)
    licence_note = models.CharField(max_length=300)  # the site's licence or registration
    scoring = models.JSONField()  # the spec read by ithaca.clinical.instruments.read_spec
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ("identifier", "version")
        constraints = [
            models.UniqueConstraint(
                fields=["identifier", "version"], name="one_definition_per_instrument_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.identifier} {self.version}"


class InstrumentScore(WrittenOnce):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="instrument_scores")
    instrument = models.ForeignKey(
        InstrumentDefinition, on_delete=models.PROTECT, related_name="scores"
    )
    taken_at = models.DateTimeField()
    responses = models.JSONField()  # [int | None, ...], one per item, in order
    scores = models.JSONField()  # {scale id: "decimal as text"}, computed by the core
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ("-taken_at", "-pk")
        indexes = [models.Index(fields=["patient", "taken_at"])]


class AdmissionReason(models.TextChoices):
    PAIN = "pain", "Pain or its treatment"
    DEVICE = "device", "The pump, catheter or a refill"
    INFECTION = "infection", "Infection"
    CANCER = "cancer", "The cancer or its treatment"
    END_OF_LIFE = "end_of_life", "End-of-life care"
    OTHER = "other", "Other"


class Admission(models.Model):
    """A hospital stay. Written once, except the discharge day, set once when it is known."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="admissions")
    admitted_on = models.DateField()
    discharged_on = models.DateField(null=True, blank=True)
    reason = models.CharField(max_length=16, choices=AdmissionReason.choices)
    pain_related = models.BooleanField()
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ("-admitted_on", "-pk")
        indexes = [models.Index(fields=["patient", "admitted_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(discharged_on__isnull=True)
                | models.Q(discharged_on__gte=models.F("admitted_on")),
                name="admission_discharged_after_admitted",
            )
        ]
