"""The care pathway's records: every move between stages, and the records that make them.

A move is an append-only row (who, when, why); the patient's `pathway_stage` is the last
move's stage, kept beside it so lists need no join. The clinical records (referral,
assessment, decision, trial, implant, complication) are written once and never changed;
a follow-up is the one row that changes, once, when it is done.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from ithaca.clinical.implant import ComplicationKind, FollowUpKind, InfectionDepth
from ithaca.clinical.pathway import DelayReason, Stage
from ithaca.clinical.trial import TrialKind
from ithaca.devices.models import Device
from ithaca.patients.models import Patient

STAGE_CHOICES = [(s.value, s.label) for s in Stage]


class WrittenOnce(models.Model):
    """A record that is never changed or deleted once saved."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and type(self)._default_manager.filter(pk=self.pk).exists():
            raise ValueError(f"a {self._meta.verbose_name} is written once and never changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError(f"a {self._meta.verbose_name} is never deleted")


class StageMove(WrittenOnce):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="stage_moves")
    from_stage = models.CharField(max_length=24, choices=STAGE_CHOICES, blank=True)
    to_stage = models.CharField(max_length=24, choices=STAGE_CHOICES)
    at = models.DateTimeField()
    # Null only for the first row of a patient registered before the pathway kept history.
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    reason = models.TextField()
    record_kind = models.CharField(max_length=24, blank=True)  # "referral", "trial"... or ""
    record_id = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ("patient", "at", "pk")
        indexes = [
            models.Index(fields=["patient", "at"]),
            models.Index(fields=["to_stage", "at"]),
        ]

    @property
    def stage(self) -> Stage:
        return Stage(self.to_stage)


class DelayNote(WrittenOnce):
    """A recorded reason why a patient is waiting at a stage."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="delay_notes")
    stage = models.CharField(max_length=24, choices=STAGE_CHOICES)
    reason = models.CharField(max_length=32, choices=[(r.value, r.label) for r in DelayReason])
    note = models.TextField(blank=True)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ("-at", "-pk")
        indexes = [models.Index(fields=["stage", "reason"])]


class SideEffectAssessment(WrittenOnce):
    """Whether side effects stop the systemic opioid dose being raised (the referral screen)."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="side_effects")
    dose_limiting = models.BooleanField()
    note = models.TextField(blank=True)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ("-at", "-pk")


class Urgency(models.TextChoices):
    ROUTINE = "routine", "Routine"
    URGENT = "urgent", "Urgent (short prognosis or pain crisis)"


class Referral(WrittenOnce):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="referrals")
    referrer_name = models.CharField(max_length=120)
    referrer_team = models.CharField(max_length=120)
    referrer_contact = models.CharField(max_length=120)
    urgency = models.CharField(max_length=10, choices=Urgency.choices)
    pain_description = models.TextField()
    treatments_tried = models.TextField()
    questions = models.TextField(blank=True)
    patient_aware = models.BooleanField("the patient knows about and agrees to the referral")
    screening = models.JSONField()  # the referral screen's result at the time, with its inputs
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ("-at", "-pk")


class EligibilityAssessment(WrittenOnce):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="assessments")
    inputs = models.JSONField()
    result = models.JSONField()  # every finding, the suggested system, what must happen first
    outcome = models.CharField(max_length=16)
    suggested_system = models.CharField(max_length=32, blank=True)
    rules_version = models.CharField(max_length=120)
    library_hash = models.CharField(max_length=64)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ("-at", "-pk")


class DecisionOutcome(models.TextChoices):
    IMPLANTED_PUMP = "implanted_pump", "Proceed: implanted pump"
    EXTERNAL_PUMP = "external_pump", "Proceed: external pump with tunnelled catheter"
    TEMPORARY_CATHETER = "temporary_catheter", "Proceed: temporary percutaneous catheter"
    MEDICAL_MANAGEMENT = "medical_management", "Continue and optimise medical management"
    OTHER_INTERVENTION = "other_intervention", "Another intervention"
    DEFERRED = "deferred", "Decision deferred"


PROCEEDING = frozenset(
    {
        DecisionOutcome.IMPLANTED_PUMP,
        DecisionOutcome.EXTERNAL_PUMP,
        DecisionOutcome.TEMPORARY_CATHETER,
    }
)


class DecisionRecord(WrittenOnce):
    """The multidisciplinary decision: who took part, what was discussed, what was decided."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="decisions")
    participants = models.JSONField()  # [{"name": ..., "role": ...}]
    patient_took_part = models.BooleanField()
    caregiver_took_part = models.BooleanField()
    options_discussed = models.JSONField()  # [DecisionOutcome value, ...]
    decision = models.CharField(max_length=24, choices=DecisionOutcome.choices)
    reasons = models.TextField()
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ("-at", "-pk")


class TrialRecord(WrittenOnce):
    """An intrathecal trial, or the reason it was waived."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="trials")
    waived = models.BooleanField(default=False)
    waived_reason = models.TextField(blank=True)
    kind = models.CharField(
        max_length=16, choices=[(k.value, k.label) for k in TrialKind], blank=True
    )
    drug = models.CharField(max_length=40, blank=True)
    # One dose column per kind, in its canonical unit: a single shot is a mass, a catheter
    # trial a daily dose. The unit the clinician typed is kept for display.
    dose_mcg = models.DecimalField(max_digits=16, decimal_places=6, null=True, blank=True)
    dose_mcg_per_day = models.DecimalField(max_digits=16, decimal_places=6, null=True, blank=True)
    entered_unit = models.CharField(max_length=10, blank=True)
    performed_at = models.DateTimeField(null=True, blank=True)
    observation_hours = models.PositiveSmallIntegerField(null=True, blank=True)
    pain_before = models.PositiveSmallIntegerField(null=True, blank=True)
    pain_after = models.PositiveSmallIntegerField(null=True, blank=True)
    success = models.BooleanField(null=True)
    judgement = models.JSONField(default=dict)  # formula, criterion and its source
    # The dose against the drug's daily limits: each finding as shown, and the prescriber's
    # reason when a soft limit was crossed (a hard limit is refused, never stored).
    dose_findings = models.JSONField(default=list)
    dose_override_reason = models.TextField(blank=True)
    note = models.TextField(blank=True)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ("-at", "-pk")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(waived=True, dose_mcg__isnull=True, dose_mcg_per_day__isnull=True)
                    | models.Q(
                        waived=False,
                        kind="single_shot",
                        dose_mcg__gt=0,
                        dose_mcg_per_day__isnull=True,
                    )
                    | models.Q(
                        waived=False, kind="catheter", dose_mcg_per_day__gt=0, dose_mcg__isnull=True
                    )
                ),
                name="trial_dose_matches_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(waived=False) | ~models.Q(waived_reason=""),
                name="trial_waiver_has_reason",
            ),
        ]


class SystemType(models.TextChoices):
    IMPLANTED_PUMP = "implanted_pump", "Implanted pump"
    EXTERNAL_PUMP = "external_pump", "External pump with tunnelled catheter"
    TEMPORARY_CATHETER = "temporary_catheter", "Temporary percutaneous catheter"


class ImplantRecord(WrittenOnce):
    """The implant, recorded as done with its checklist; items left open carry a reason."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="implants")
    device = models.ForeignKey(
        Device, on_delete=models.PROTECT, related_name="implants", null=True, blank=True
    )
    system = models.CharField(max_length=24, choices=SystemType.choices)
    implanted_on = models.DateField()
    checklist = models.JSONField()  # {item id: {"text", "done", "reason_open", "source"}}
    rules_version = models.CharField(max_length=120)
    note = models.TextField(blank=True)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ("-implanted_on", "-pk")


class FollowUp(models.Model):
    """A visit set off by the implant; done once, by someone, with a note."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="follow_ups")
    implant = models.ForeignKey(ImplantRecord, on_delete=models.PROTECT, related_name="follow_ups")
    kind = models.CharField(max_length=24, choices=[(k.value, k.label) for k in FollowUpKind])
    day = models.PositiveSmallIntegerField()  # days after the implant
    due_on = models.DateField()
    basis = models.CharField(max_length=300)  # the rule's source and mark, as shown
    done_on = models.DateField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ("due_on", "pk")
        indexes = [models.Index(fields=["done_on", "due_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(done_on__isnull=True, done_by__isnull=True)
                | models.Q(done_on__isnull=False, done_by__isnull=False),
                name="follow_up_done_by_someone",
            ),
        ]


class Complication(WrittenOnce):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="complications")
    device = models.ForeignKey(
        Device, on_delete=models.PROTECT, related_name="complications", null=True, blank=True
    )
    kind = models.CharField(max_length=24, choices=[(k.value, k.label) for k in ComplicationKind])
    infection_depth = models.CharField(
        max_length=16, choices=[(d.value, d.label) for d in InfectionDepth], blank=True
    )
    onset_on = models.DateField()
    description = models.TextField()
    action_taken = models.TextField(blank=True)
    outcome = models.TextField(blank=True)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ("-onset_on", "-pk")
        indexes = [models.Index(fields=["kind", "onset_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="infection", infection_depth__gt="")
                | (~models.Q(kind="infection") & models.Q(infection_depth="")),
                name="complication_depth_only_for_infection",
            ),
        ]
