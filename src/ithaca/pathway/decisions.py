"""Recording the multidisciplinary decision: who took part, what was discussed, what was decided.

The first decision moves the patient from Assessed to Decision. A decision recorded while the
patient is already at Decision is a revised decision: stored beside the first (records are
never changed), with no move. Each check is its own small function so a later part of the
record (the patient's decision-aid answers) adds one check and one column, nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from ithaca.accounts.permissions import Action, may, require
from ithaca.audit.chain import record
from ithaca.audit.models import AuditAction
from ithaca.clinical.pathway import Stage
from ithaca.devices.errors import ServiceRefusal
from ithaca.pathway.models import DecisionOutcome, DecisionRecord
from ithaca.pathway.moves import move_patient
from ithaca.pathway.recording import clean_text, locked, require_stage
from ithaca.patients.models import Patient

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# A multidisciplinary decision is not one person's: at least this many named people.
MIN_PARTICIPANTS = 2


@dataclass(frozen=True, slots=True)
class Participant:
    name: str
    role: str  # e.g. pain physician, oncologist, palliative care nurse

    def cleaned(self) -> Participant:
        return Participant(" ".join(self.name.split()), " ".join(self.role.split()))

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "role": self.role}


def check_participants(participants: Iterable[Participant]) -> list[Participant]:
    named = [p.cleaned() for p in participants if p.cleaned().name or p.cleaned().role]
    for person in named:
        if not person.name:
            raise ServiceRefusal(
                f"Write the name of the {person.role} who took part.", field="participants"
            )
        if not person.role:
            raise ServiceRefusal(
                f"Write {person.name}'s role (e.g. pain physician, oncologist, palliative care nurse).",
                field="participants",
            )
    if len({p.name.lower() for p in named}) < MIN_PARTICIPANTS:
        raise ServiceRefusal(
            "A multidisciplinary decision needs at least two named people who took part, "
            "each with their role.",
            field="participants",
        )
    return named


def check_options(options: Sequence[str], decision: str) -> list[DecisionOutcome]:
    try:
        discussed = [DecisionOutcome(option) for option in dict.fromkeys(options)]
        decided = DecisionOutcome(decision)
    except ValueError:
        raise ServiceRefusal("Choose the options and the decision from the list.") from None
    if not discussed:
        raise ServiceRefusal(
            "Tick the options that were discussed with the team.", field="options_discussed"
        )
    if decided not in discussed:
        raise ServiceRefusal(
            f"The decision '{decided.label}' must be one of the options discussed: "
            "tick it among the options, or choose a discussed one.",
            field="decision",
        )
    return discussed


def check_reasons(reasons: str) -> str:
    cleaned = clean_text(reasons)
    if not cleaned:
        raise ServiceRefusal(
            "Write the reasons for the decision, as the team gave them.", field="reasons"
        )
    return cleaned


def record_decision(
    user: User,
    patient: Patient,
    participants: Iterable[Participant],
    patient_took_part: bool,
    caregiver_took_part: bool,
    options_discussed: Sequence[str],
    decision: str,
    reasons: str,
) -> DecisionRecord:
    """Store the decision; the first one moves Assessed to Decision, a later one revises it."""
    require(user, Action.RECORD_DECISION, patient)
    people = check_participants(participants)
    discussed = check_options(options_discussed, decision)
    why = check_reasons(reasons)
    with transaction.atomic():
        fresh = locked(patient)
        stage = require_stage(
            fresh,
            {Stage.ASSESSED, Stage.DECISION},
            "the multidisciplinary decision",
            "after the eligibility assessment, before the trial",
        )
        revised = stage is Stage.DECISION
        saved: DecisionRecord = DecisionRecord.objects.create(
            patient=fresh,
            participants=[p.to_dict() for p in people],
            patient_took_part=patient_took_part,
            caregiver_took_part=caregiver_took_part,
            options_discussed=[o.value for o in discussed],
            decision=decision,
            reasons=why,
            at=timezone.now(),
            by=user,
        )
        _audit(user, saved, revised)
        if not revised:
            move_patient(
                user,
                fresh,
                Stage.DECISION,
                f"Multidisciplinary decision: {saved.get_decision_display()}.",
                expected_from=Stage.ASSESSED,
                record_kind="decision",
                record_id=saved.pk,
                at=saved.at,
            )
        _link_the_aid(user, saved)
    patient.pathway_stage = fresh.pathway_stage
    return saved


def _link_the_aid(user: User, saved: DecisionRecord) -> None:
    """The decision aid the family went through before this decision is stored with it: the
    patient's latest session not yet linked to a decision (none, if the aid was not used)."""
    # Imported here: the decision aid's models refer to this app's DecisionRecord.
    from ithaca.decisionaid.models import DecisionAidSession
    from ithaca.decisionaid.services import link_decision

    session = (
        DecisionAidSession.objects.filter(patient_id=saved.patient_id, decision__isnull=True)
        .order_by("-at", "-pk")
        .first()
    )
    if session is not None and may(user, Action.RECORD_DECISION_AID, saved.patient):
        link_decision(user, session, saved)


def _audit(user: User, saved: DecisionRecord, revised: bool) -> None:
    record(
        user,
        AuditAction.CREATE,
        "decision_record",
        saved.pk,
        patient_id=saved.patient_id,
        reason=saved.reasons,
        detail={
            "decision": saved.decision,
            "options_discussed": saved.options_discussed,
            "participants": saved.participants,
            "patient_took_part": saved.patient_took_part,
            "caregiver_took_part": saved.caregiver_took_part,
            "revised": revised,
        },
    )
