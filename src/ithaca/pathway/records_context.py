"""The patient's pathway records, ready for a page: the latest assessment, the decisions, the
trials with what their judgement suggests, the implant with its checklist, the follow-ups
and the complications. The pathway page includes "pathway/_records.html" with this context.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.urls import reverse
from django.utils import timezone

from ithaca.accounts.permissions import Action, may
from ithaca.clinical.eligibility import SuggestedSystem
from ithaca.clinical.pathway import Stage
from ithaca.clinical.quantities import DoseRate, Mass, Quantity, Unit
from ithaca.clinical.trial import TrialKind
from ithaca.decisionaid.context import pathway_summary
from ithaca.pathway.models import (
    PROCEEDING,
    DecisionOutcome,
    DecisionRecord,
    EligibilityAssessment,
    FollowUp,
    ImplantRecord,
    TrialRecord,
)
from ithaca.patients.models import Patient

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


def shown_dose(trial: TrialRecord) -> str:
    """The stored canonical dose, shown in the unit the clinician typed."""
    unit = next((u for u in Unit if u.symbol == trial.entered_unit), None)
    quantity: Quantity
    if trial.dose_mcg is not None:
        quantity = Mass(Decimal(trial.dose_mcg), Unit.MCG)
    elif trial.dose_mcg_per_day is not None:
        quantity = DoseRate(Decimal(trial.dose_mcg_per_day), Unit.MCG_PER_DAY)
    else:
        return ""
    if unit is not None and unit.dimension is quantity.DIMENSION:
        quantity = quantity.to(unit)
    return str(quantity.rounded(6))


def trial_suggestion(trial: TrialRecord) -> str:
    """What the stored judgement suggests; the team decides the next move."""
    if trial.waived:
        return (
            "The trial was waived: the next step is planning the implant, or leaving the "
            "pathway, as a move with a reason."
        )
    judgement = trial.judgement
    fell = f"The pain fell by {judgement.get('reduction_percent')}%"
    criterion = f"the clinic's criterion of {judgement.get('criterion_percent')}%"
    if trial.success:
        return (
            f"{fell}, meeting {criterion}: the judgement suggests the trial succeeded, and the "
            "team may plan the implant."
        )
    return (
        f"{fell}, below {criterion}: the judgement suggests the trial did not succeed. The team "
        "decides: another trial, or not eligible."
    )


@dataclass(frozen=True)
class TrialRow:
    record: TrialRecord
    kind: str
    dose: str
    suggestion: str
    observation: dict[str, Any]


def trial_row(trial: TrialRecord) -> TrialRow:
    kind = TrialKind(trial.kind).label if trial.kind else ""
    observation = trial.judgement.get("observation", {}) if not trial.waived else {}
    return TrialRow(trial, kind, shown_dose(trial), trial_suggestion(trial), observation)


def decision_row(decision: DecisionRecord) -> dict[str, Any]:
    return {
        "record": decision,
        "options": [DecisionOutcome(o).label for o in decision.options_discussed],
        "proceeding": decision.decision in PROCEEDING,
    }


def checklist_rows(implant: ImplantRecord) -> list[dict[str, Any]]:
    items = [{"id": key, **value} for key, value in implant.checklist.items()]
    return sorted(items, key=lambda item: item.get("position", 0))


def follow_up_rows(follow_ups: list[FollowUp], today: date) -> dict[str, list[FollowUp]]:
    due = [f for f in follow_ups if f.done_on is None]
    return {
        "overdue": [f for f in due if f.due_on < today],
        "due": [f for f in due if f.due_on >= today],
        "done": [f for f in follow_ups if f.done_on is not None],
    }


def system_words(assessment: EligibilityAssessment | None) -> str:
    if assessment is None or not assessment.suggested_system:
        return ""
    return SuggestedSystem(assessment.suggested_system).words


# The records each stage invites, with the action that may make them.
_ACTIONS: tuple[tuple[set[Stage], Action, str, str], ...] = (
    (
        {
            Stage.REFERRED,
            Stage.ASSESSED,
            Stage.DECISION,
            Stage.TRIAL,
            Stage.TRIAL_WAIVED,
            Stage.IMPLANT_PLANNED,
        },
        Action.ASSESS_ELIGIBILITY,
        "pathway-assess",
        "Assess eligibility",
    ),
    (
        {Stage.ASSESSED, Stage.DECISION},
        Action.RECORD_DECISION,
        "pathway-decision",
        "Record the decision",
    ),
    ({Stage.DECISION, Stage.TRIAL}, Action.RECORD_TRIAL, "pathway-trial", "Record a trial"),
    ({Stage.DECISION}, Action.RECORD_TRIAL, "pathway-waive-trial", "Waive the trial"),
    ({Stage.IMPLANT_PLANNED}, Action.RECORD_IMPLANT, "pathway-implant", "Record the implant"),
    (set(Stage), Action.RECORD_COMPLICATION, "pathway-complication", "Record a complication"),
)


def record_links(patient: Patient, user: User | AnonymousUser | None) -> list[tuple[str, str]]:
    if user is None:
        return []
    return [
        (label, reverse(name, kwargs={"patient_id": patient.pk}))
        for stages, action, name, label in _ACTIONS
        if patient.stage in stages and may(user, action, patient)
    ]


def records_context(
    patient: Patient,
    *,
    user: User | AnonymousUser | None = None,
    today: date | None = None,
) -> dict[str, Any]:
    """Everything "pathway/_records.html" shows. `user` adds the links they may use;
    `today` (read by the calling view) sorts the follow-ups into overdue and due."""
    today = today or timezone.localdate()
    implant = patient.implants.select_related("device", "by__profile").first()
    follow_ups = list(
        patient.follow_ups.select_related("done_by__profile").order_by("due_on", "pk")
    )
    assessment: EligibilityAssessment | None = patient.assessments.select_related(
        "by__profile"
    ).first()
    return {
        "records_patient": patient,
        "latest_assessment": assessment,
        "assessment_system_words": system_words(assessment),
        # Once the implant is recorded, the assessment's stop dates are history, not orders:
        # a nurse must not read "Warfarin: last dose by ..." as still to be done.
        "assessment_before_implant": assessment.result.get("before_implant", [])
        if assessment is not None and implant is None
        else [],
        "decisions": [decision_row(d) for d in patient.decisions.select_related("by__profile")],
        "trials": [trial_row(t) for t in patient.trials.select_related("by__profile")],
        "implant": implant,
        "implant_checklist": checklist_rows(implant) if implant is not None else [],
        "follow_ups": follow_up_rows(follow_ups, today),
        "complications": list(patient.complications.select_related("device", "by__profile")),
        "record_links": record_links(patient, user),
        "may_complete_follow_ups": user is not None and may(user, Action.RECORD_FOLLOW_UP, patient),
        "records_today": today,
        # the shared decision aid and caregiver check-ins (ithaca.decisionaid)
        "decision_aid": pathway_summary(patient, user),
    }
