"""Recording a decision-aid session, and linking it to the decision it informed.

One transaction each, with the audit event inside it. When a session shows decisional
conflict, a low readiness or a named concern, and the patient is waiting for a pathway step
before therapy starts, the delay reasons it suggests are recorded through the pathway's own
`record_delay` in the same transaction, so the delays view counts them with the rest; the
session keeps the ids of the notes it wrote, or says why it wrote none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from ithaca.accounts.permissions import Action, may, require
from ithaca.audit.chain import record
from ithaca.audit.models import AuditAction
from ithaca.clinical.decision import (
    DelaySignal,
    Presence,
    SessionAnswers,
    SessionInvalid,
    SessionResult,
    assess_session,
    delay_notes,
)
from ithaca.clinical.decision_options import OptionTable, option_table, snapshot
from ithaca.clinical.decision_rules import DecisionAidRules
from ithaca.clinical.delays import WAITING_STAGES
from ithaca.clinical.eligibility import SuggestedSystem
from ithaca.clinical.pathway import Stage
from ithaca.decisionaid.models import DecisionAidSession
from ithaca.devices.errors import ServiceRefusal
from ithaca.devices.library import catalogue_in_force
from ithaca.pathway.delays import record_delay
from ithaca.pathway.models import DecisionRecord
from ithaca.pathway.recording import locked, sentence
from ithaca.patients.models import Patient

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# A decision aid's delay reasons (undecided, caregiver concerns) explain a wait for the
# decision and the steps up to the implant; during titration they would be counted as a
# titration delay, which they are not.
DELAY_STAGES = frozenset(stage for stage in WAITING_STAGES if stage.before_implant)

# The form field beside which each section's refusal is shown.
SECTION_FIELDS = {
    "present": "patient_present",
    "values": "values",
    "sure": "sure",
    "readiness": "readiness",
}


@dataclass(frozen=True)
class SessionRequest:
    patient_present: bool
    caregivers: Sequence[str]  # "Name (relationship)", as the form joins them
    answers: SessionAnswers
    others_present: str = ""
    decision: DecisionRecord | None = None
    expected_stage: Stage | None = None


@dataclass
class _Delays:
    written: list[dict[str, object]] = field(default_factory=list)
    why_none: str = ""


def suggested_system(patient: Patient) -> SuggestedSystem | None:
    latest = patient.assessments.order_by("-at", "-pk").first()
    if latest is None or not latest.suggested_system:
        return None
    return SuggestedSystem(latest.suggested_system)


def options_for(patient: Patient) -> OptionTable:
    return option_table(catalogue_in_force().decision_aid, suggested_system(patient))


def record_session(user: User, patient: Patient, request: SessionRequest) -> DecisionAidSession:
    require(user, Action.RECORD_DECISION_AID, patient)
    catalogue = catalogue_in_force()
    rules = catalogue.decision_aid
    presence = Presence(request.patient_present, tuple(request.caregivers))
    try:
        result = assess_session(rules, presence, request.answers)
    except SessionInvalid as exc:
        raise ServiceRefusal(sentence(exc), field=SECTION_FIELDS[exc.section]) from None
    _own_decision(patient, request.decision)
    with transaction.atomic():
        fresh = locked(patient)
        if request.expected_stage is not None and fresh.stage is not request.expected_stage:
            raise ServiceRefusal(
                f"The patient was moved to {fresh.stage.label} while you were working: "
                "reload the page and check before recording the session."
            )
        table = option_table(rules, suggested_system(fresh))
        delays = _record_delays(user, fresh, result.signals)
        session = _create(user, fresh, request, result, delays, rules)
        session.options_shown = snapshot(table, rules.label, catalogue.identity.content_hash)
        session.rules_version = rules.label
        session.library_hash = catalogue.identity.content_hash
        session.save()
        _audit_session(user, session)
    return session


def _own_decision(patient: Patient, decision: DecisionRecord | None) -> None:
    if decision is not None and decision.patient_id != patient.pk:
        raise ServiceRefusal(
            "That decision belongs to another patient: choose one of this patient's decisions.",
            field="decision",
        )


def _record_delays(user: User, patient: Patient, signals: Sequence[DelaySignal]) -> _Delays:
    if not signals:
        return _Delays()
    stage = patient.stage
    if stage not in DELAY_STAGES:
        return _Delays(
            why_none=f"No delay recorded: the patient is at {stage.label}, not waiting for a "
            "step before therapy starts."
        )
    if not may(user, Action.RECORD_DELAY, patient):
        return _Delays(why_none="No delay recorded: you may not record why a patient is waiting.")
    delays = _Delays()
    for reason, note in delay_notes(signals).items():
        saved = record_delay(user, patient, reason, note, expected_stage=stage)
        delays.written.append(
            {"id": saved.pk, "reason": reason.value, "label": reason.label, "stage": stage.value}
        )
    return delays


def _rows(
    items: dict[str, int], texts: dict[str, str], label: list[str]
) -> list[dict[str, object]]:
    return [
        {"id": key, "text": texts[key], "score": score, "label": label[score]}
        for key, score in items.items()
    ]


def _create(
    user: User,
    patient: Patient,
    request: SessionRequest,
    result: SessionResult,
    delays: _Delays,
    rules: DecisionAidRules,
) -> DecisionAidSession:
    """The session's row, unsaved: the caller adds the option snapshot and saves it once."""
    values, sure, readiness = result.values, result.sure, result.readiness
    concerns = {c.raised_by.value: c.text for c in result.concerns}
    return DecisionAidSession(
        patient=patient,
        decision=request.decision,
        patient_present=request.patient_present,
        caregivers_present=[" ".join(c.split()) for c in request.caregivers if c.strip()],
        others_present=" ".join(request.others_present.split())[:300],
        values=_rows(
            values.ratings,
            {i.id: i.text for i in rules.values.items},
            list(rules.values.scale.labels),
        )
        if values
        else [],
        sure=[
            {"id": i.id, "name": i.name, "text": i.text, "yes": sure.answers[i.id]}
            for i in rules.sure.items
        ]
        if sure
        else [],
        sure_score=sure.score if sure else None,
        sure_conflict=sure.conflict if sure else None,
        readiness=_rows(
            readiness.answers,
            {i.id: i.text for i in rules.readiness.items},
            list(rules.readiness.scale.labels),
        )
        if readiness
        else [],
        readiness_total=readiness.total if readiness else None,
        readiness_out_of=readiness.out_of if readiness else None,
        readiness_low=readiness.low if readiness else None,
        readiness_reasons=list(readiness.reasons) if readiness else [],
        patient_concern=concerns.get("patient", ""),
        caregiver_concern=concerns.get("caregiver", ""),
        delays=delays.written,
        delays_note=delays.why_none,
        at=timezone.now(),
        by=user,
    )


def _audit_session(user: User, session: DecisionAidSession) -> None:
    record(
        user,
        AuditAction.CREATE,
        "decision_aid_session",
        session.pk,
        patient_id=session.patient_id,
        detail={
            "patient_present": session.patient_present,
            "caregivers_present": session.caregivers_present,
            "sure_score": session.sure_score,
            "sure_conflict": session.sure_conflict,
            "readiness_total": session.readiness_total,
            "readiness_low": session.readiness_low,
            "concerns": {
                "patient": session.patient_concern,
                "caregiver": session.caregiver_concern,
            },
            "values": {row["id"]: row["score"] for row in session.values},
            "delay_notes": [d["id"] for d in session.delays],
            "decision": session.decision_id,
            "library_hash": session.library_hash,
        },
    )


def link_decision(
    user: User, session: DecisionAidSession, decision: DecisionRecord
) -> DecisionAidSession:
    """Link a session to the decision it informed: once, and only to the same patient's."""
    require(user, Action.RECORD_DECISION_AID, session.patient)
    if decision.patient_id != session.patient_id:
        raise ServiceRefusal(
            "That decision belongs to another patient: choose one of this patient's decisions.",
            field="decision",
        )
    with transaction.atomic():
        # Conditional on the link still being empty, so two people linking at once cannot
        # overwrite each other: the second finds nothing to update and is told so.
        updated = DecisionAidSession.objects.filter(pk=session.pk, decision__isnull=True).update(
            decision=decision
        )
        if not updated:
            raise ServiceRefusal(
                "This session is already linked to a decision; a link is set once.",
                field="decision",
            )
        record(
            user,
            AuditAction.CHANGE,
            "decision_aid_session",
            session.pk,
            patient_id=session.patient_id,
            reason="linked to the multidisciplinary decision it informed",
            detail={"decision": decision.pk},
        )
    session.refresh_from_db()
    return session
