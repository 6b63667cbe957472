"""Recording the intrathecal trial, or the reason it was waived.

The judgement (did the pain fall by the clinic's criterion?) is the core's, stored with its
formula and source so the page can show how it was reached; it is shown, never enforced.
An observation shorter than the sources ask for is recorded as the clinician wrote it and
flagged on the page with the guidance: the team's judgement, never a silent default.
The dose is stored in its canonical unit (mcg for a single shot, mcg/day for a catheter).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from ithaca.accounts.permissions import Action, require
from ithaca.audit.chain import record
from ithaca.audit.models import AuditAction
from ithaca.clinical.checks import unit_findings
from ithaca.clinical.drugs import Drug
from ithaca.clinical.errors import TrialNotJudgeable, UnknownDrug
from ithaca.clinical.findings import Severity
from ithaca.clinical.pathway import Stage
from ithaca.clinical.pathway_rules import TrialRules
from ithaca.clinical.quantities import DoseRate, Mass, Quantity
from ithaca.clinical.sources import Provenance
from ithaca.clinical.trial import (
    TrialJudgement,
    TrialKind,
    judge_trial,
    observation_guidance,
    required_observation_hours,
    trial_dose_findings,
)
from ithaca.devices.errors import ServiceRefusal
from ithaca.devices.library import catalogue_in_force
from ithaca.pathway.models import PROCEEDING, DecisionRecord, TrialRecord
from ithaca.pathway.moves import dated_move, move_patient
from ithaca.pathway.recording import clean_text, locked, refusal, require_stage
from ithaca.patients.models import Patient

if TYPE_CHECKING:
    from django.contrib.auth.models import User

DOSE_PLACES = Decimal("0.000001")  # the dose columns keep six decimal places
LARGEST_DOSE = Decimal("9999999999")  # what a 16-digit column with 6 places can hold
OBSERVATION_COLUMN_MAX = 32767  # PositiveSmallIntegerField

# A trial follows the decision; a repeated trial (another drug or dose after a first one)
# is stored beside the first without a move.
TRIAL_STAGES = {Stage.DECISION, Stage.TRIAL}


@dataclass(frozen=True, slots=True)
class TrialInput:
    kind: TrialKind
    drug: str
    dose: Mass | DoseRate
    performed_at: datetime
    observation_hours: int
    pain_before: int
    pain_after: int
    note: str = ""
    dose_override_reason: str = ""


def provenance_dict(provenance: Provenance) -> dict[str, str]:
    """A rule's provenance as stored beside a record: what the page shows, frozen at the time."""
    return {
        "source": provenance.describe(),
        "citation": provenance.source.citation,
        "mark": provenance.confidence.value,
        "mark_label": provenance.confidence.label,
        "note": provenance.note,
    }


def library_drug(drug_id: str) -> Drug:
    try:
        return catalogue_in_force().drug(drug_id)
    except UnknownDrug as exc:
        raise refusal(exc, "drug") from None


def check_dose(kind: TrialKind, drug: Drug, dose: Quantity) -> Decimal:
    """The dose in its canonical unit, if it is of the trial's kind and typed in the drug's unit."""
    expected = Mass if kind is TrialKind.SINGLE_SHOT else DoseRate
    if not isinstance(dose, expected):
        example = "0.1 mg" if expected is Mass else "0.5 mg/day"
        raise ServiceRefusal(
            f"A {kind.label.lower()} trial is given as "
            f"{'an amount' if expected is Mass else 'a daily dose'} (e.g. {example}); "
            f"{dose} is not one.",
            field="dose",
        )
    if not dose.is_positive():
        raise ServiceRefusal(
            f"A dose of {dose} is not possible: it must be above zero.", field="dose"
        )
    if unit_findings(drug, dose):
        # The mg/mcg trap: refused, so a thousandfold slip cannot be stored quietly.
        usual = drug.dose_unit.symbol if expected is Mass else drug.dose_rate_unit.symbol
        raise ServiceRefusal(
            f"{drug.name} is given in {drug.dose_unit.symbol}; you typed {dose}. "
            f"Enter it in {usual} to rule out a mg/mcg mix-up.",
            field="dose",
        )
    canonical = dose.canonical
    if canonical != canonical.quantize(DOSE_PLACES) or canonical > LARGEST_DOSE:
        raise ServiceRefusal(
            f"{dose} cannot be stored exactly: check the number and the unit.", field="dose"
        )
    return canonical


def check_when(performed_at: datetime, hours: int) -> None:
    if timezone.is_naive(performed_at):
        raise ValueError("the time of a trial must carry its time zone")
    if performed_at > timezone.now():
        raise ServiceRefusal(
            "The trial has already been done, so its time cannot be in the future.",
            field="performed_at",
        )
    if isinstance(hours, bool) or not 0 <= hours <= OBSERVATION_COLUMN_MAX:
        raise ServiceRefusal(
            "Write the hours the patient was observed after the trial, as a whole number.",
            field="observation_hours",
        )
    if performed_at + timedelta(hours=hours) > timezone.now():
        raise ServiceRefusal(
            f"{hours} hours after the trial have not passed yet: record the trial when the "
            "observation has ended, with the hours actually observed.",
            field="observation_hours",
        )


def judged(pain_before: int, pain_after: int, rules: TrialRules) -> TrialJudgement:
    try:
        return judge_trial(pain_before, pain_after, rules)
    except TrialNotJudgeable as exc:
        field = "pain_after" if "after" in exc.reason else "pain_before"
        raise refusal(exc, field) from None


def judgement_record(
    judgement: TrialJudgement, trial: TrialInput, rules: TrialRules
) -> dict[str, object]:
    """The judgement and the observation guidance, as shown and as they were at the time."""
    required = required_observation_hours(trial.kind, trial.drug, rules)
    return {
        "formula": judgement.formula,
        "reduction_percent": str(judgement.reduction_percent),
        "criterion_percent": str(judgement.criterion_percent),
        "success": judgement.success,
        **provenance_dict(judgement.provenance),
        "observation": {
            "recorded_hours": trial.observation_hours,
            "required_hours": required,
            "short": required is not None and trial.observation_hours < required,
            "guidance": [
                {"text": g.text, **provenance_dict(g.provenance)}
                for g in observation_guidance(trial.kind, trial.drug, rules)
            ],
        },
    }


def require_proceeding_decision(patient: Patient) -> DecisionRecord:
    """The latest decision must be to proceed with intrathecal therapy."""
    latest = patient.decisions.order_by("-at", "-pk").first()
    if latest is None or latest.decision not in PROCEEDING:
        decided = latest.get_decision_display() if latest else "none recorded"
        raise ServiceRefusal(
            f"The latest multidisciplinary decision is '{decided}': a trial follows a decision "
            "to proceed. Record a revised decision first."
        )
    return latest


def record_trial(
    user: User,
    patient: Patient,
    kind: TrialKind,
    drug: str,
    dose: Mass | DoseRate,
    performed_at: datetime,
    observation_hours: int,
    pain_before: int,
    pain_after: int,
    note: str = "",
    dose_override_reason: str = "",
) -> TrialRecord:
    """Store a trial with the core's judgement; the first moves Decision to Trial."""
    require(user, Action.RECORD_TRIAL, patient)
    in_library = library_drug(drug)
    trial = TrialInput(
        kind,
        in_library.id,
        dose,
        performed_at,
        observation_hours,
        pain_before,
        pain_after,
        clean_text(note),
        clean_text(dose_override_reason),
    )
    return _record_trial(user, patient, trial, in_library)


def checked_dose_limits(drug: Drug, trial: TrialInput) -> list[dict[str, str]]:
    """The dose against the drug's daily limits: a hard limit refuses, a soft one needs the
    prescriber's written reason; what was found is returned to be stored with the trial."""
    findings = trial_dose_findings(drug, trial.dose)
    hard = [f.message for f in findings if f.severity is Severity.HARD]
    if hard:
        raise ServiceRefusal(
            " ".join(hard) + " Check the number and the unit: the trial cannot be recorded.",
            field="dose",
        )
    soft = [f.message for f in findings if f.severity is Severity.SOFT]
    if soft and not trial.dose_override_reason:
        raise ServiceRefusal(
            " ".join(soft) + " Check the number and the unit; if the dose is right, write "
            "why in 'Reason for a dose above a limit'.",
            field="dose",
        )
    return [
        {
            "severity": f.severity.value,
            "message": f.message,
            "source": f.provenance.describe() if f.provenance else "",
        }
        for f in findings
    ]


def _record_trial(user: User, patient: Patient, trial: TrialInput, drug: Drug) -> TrialRecord:
    rules = catalogue_in_force().pathway.trial
    canonical = check_dose(trial.kind, drug, trial.dose)
    dose_findings = checked_dose_limits(drug, trial)
    check_when(trial.performed_at, trial.observation_hours)
    judgement = judged(trial.pain_before, trial.pain_after, rules)
    with transaction.atomic():
        fresh = locked(patient)
        stage = require_stage(
            fresh, TRIAL_STAGES, "a trial", "after a multidisciplinary decision to proceed"
        )
        require_proceeding_decision(fresh)
        single = trial.kind is TrialKind.SINGLE_SHOT
        saved: TrialRecord = TrialRecord.objects.create(
            patient=fresh,
            kind=trial.kind.value,
            drug=drug.id,
            dose_mcg=canonical if single else None,
            dose_mcg_per_day=None if single else canonical,
            entered_unit=trial.dose.unit.symbol,
            performed_at=trial.performed_at,
            observation_hours=trial.observation_hours,
            pain_before=trial.pain_before,
            pain_after=trial.pain_after,
            success=judgement.success,
            judgement=judgement_record(judgement, trial, rules),
            dose_findings=dose_findings,
            dose_override_reason=trial.dose_override_reason,
            note=trial.note,
            at=timezone.now(),
            by=user,
        )
        _audit_trial(user, saved, trial)
        if stage is Stage.DECISION:
            move_patient(
                user,
                fresh,
                Stage.TRIAL,
                f"Trial recorded: {drug.name} {trial.dose}; {judgement.formula}.",
                expected_from=Stage.DECISION,
                record_kind="trial",
                record_id=saved.pk,
                at=dated_move(fresh, trial.performed_at),
            )
    patient.pathway_stage = fresh.pathway_stage
    return saved


def _audit_trial(user: User, saved: TrialRecord, trial: TrialInput) -> None:
    record(
        user,
        AuditAction.CREATE,
        "trial_record",
        saved.pk,
        patient_id=saved.patient_id,
        detail={
            "kind": saved.kind,
            "drug": saved.drug,
            "dose": str(trial.dose),
            "dose_canonical": str(saved.dose_mcg or saved.dose_mcg_per_day),
            "performed_at": trial.performed_at.isoformat(),
            "observation_hours": trial.observation_hours,
            "pain_before": trial.pain_before,
            "pain_after": trial.pain_after,
            "success": saved.success,
            "observation_short": saved.judgement["observation"]["short"],
            "dose_findings": saved.dose_findings,
            "dose_override_reason": saved.dose_override_reason,
        },
    )


def waive_trial(user: User, patient: Patient, reason: str) -> TrialRecord:
    """Record why the trial is skipped (PACC 2017: in selected populations) and move to
    Trial waived. The reason is the clinician's; the provenance is stored beside it."""
    require(user, Action.RECORD_TRIAL, patient)
    why = clean_text(reason)
    if not why:
        raise ServiceRefusal(
            "Write why the trial is waived (e.g. short life expectancy: the patient cannot wait).",
            field="reason",
        )
    basis = catalogue_in_force().pathway.trial.may_be_waived
    with transaction.atomic():
        fresh = locked(patient)
        require_stage(
            fresh,
            {Stage.DECISION},
            "waiving the trial",
            "after a decision to proceed, instead of a trial",
        )
        require_proceeding_decision(fresh)
        saved: TrialRecord = TrialRecord.objects.create(
            patient=fresh,
            waived=True,
            waived_reason=why,
            judgement={"waiver_basis": provenance_dict(basis)},
            at=timezone.now(),
            by=user,
        )
        record(
            user,
            AuditAction.CREATE,
            "trial_record",
            saved.pk,
            patient_id=fresh.pk,
            reason=why,
            detail={"waived": True, "basis": basis.describe()},
        )
        move_patient(
            user,
            fresh,
            Stage.TRIAL_WAIVED,
            f"Trial waived: {why}",
            expected_from=Stage.DECISION,
            record_kind="trial",
            record_id=saved.pk,
            at=saved.at,
        )
    patient.pathway_stage = fresh.pathway_stage
    return saved
