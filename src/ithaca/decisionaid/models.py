"""The decision aid's records: a session gone through with the patient and family, and a
caregiver's check-in. Both are written once and never changed; the one exception is the
session's link to the multidisciplinary decision, which may be set once, later, when the
decision it informed is recorded: services.link_decision fills the empty column with one
conditional UPDATE (only where it is still null), audited; it never rewrites the session.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from ithaca.pathway.models import DecisionRecord, WrittenOnce
from ithaca.patients.models import Patient


class DecisionAidSession(WrittenOnce):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="aid_sessions")
    decision = models.ForeignKey(
        DecisionRecord,
        on_delete=models.PROTECT,
        related_name="aid_sessions",
        null=True,
        blank=True,
    )
    patient_present = models.BooleanField()
    caregivers_present = models.JSONField()  # ["Li Wong (daughter)", ...]
    others_present = models.CharField(max_length=300, blank=True)  # the team, an interpreter
    values = models.JSONField(default=list)  # [{"id", "text", "score", "label"}]; [] not asked
    sure = models.JSONField(default=list)  # [{"id", "name", "text", "yes"}]; [] not asked
    sure_score = models.PositiveSmallIntegerField(null=True, blank=True)
    sure_conflict = models.BooleanField(null=True)
    readiness = models.JSONField(default=list)  # [{"id", "text", "score", "label"}]
    readiness_total = models.PositiveSmallIntegerField(null=True, blank=True)
    readiness_out_of = models.PositiveSmallIntegerField(null=True, blank=True)
    readiness_low = models.BooleanField(null=True)
    readiness_reasons = models.JSONField(default=list)
    patient_concern = models.TextField(blank=True)
    caregiver_concern = models.TextField(blank=True)
    # The delay notes this session wrote ({"id", "reason", "stage", "note"}), or why none was.
    delays = models.JSONField(default=list)
    delays_note = models.CharField(max_length=300, blank=True)
    options_shown = models.JSONField()  # the option table as shown, with sources and hash
    rules_version = models.CharField(max_length=120)
    library_hash = models.CharField(max_length=64)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ("-at", "-pk")
        verbose_name = "decision aid session"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(sure_score__isnull=True, sure_conflict__isnull=True)
                | models.Q(sure_score__isnull=False, sure_conflict__isnull=False),
                name="aid_sure_scored_whole",
            ),
        ]

    @property
    def flagged(self) -> bool:
        return bool(
            self.sure_conflict
            or self.readiness_low
            or self.patient_concern
            or self.caregiver_concern
        )


class CaregiverCheckIn(WrittenOnce):
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="caregiver_checkins"
    )
    caregiver_name = models.CharField(max_length=120)
    # Compared case- and space-insensitively, so "Li  Wong" and "li wong" are one series.
    caregiver_key = models.CharField(max_length=120, editable=False)
    relationship = models.CharField(max_length=60)
    schedule_point = models.CharField(max_length=32)
    answers = models.JSONField()  # [{"id", "text", "score", "label"}]
    total = models.PositiveSmallIntegerField()
    out_of = models.PositiveSmallIntegerField()
    previous_total = models.PositiveSmallIntegerField(null=True, blank=True)
    flagged = models.BooleanField()
    flag_reasons = models.JSONField(default=list)
    note = models.TextField(blank=True)
    rules_version = models.CharField(max_length=120)
    library_hash = models.CharField(max_length=64)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ("-at", "-pk")
        verbose_name = "caregiver check-in"
        indexes = [models.Index(fields=["patient", "caregiver_key", "at"])]
