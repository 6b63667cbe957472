"""Recording the implant with its checklist, the follow-ups it sets off, and complications.

The implant is recorded as done only when every checklist item is ticked or left open with
a clinician's written reason (the core decides). The checklist is stored as it was shown,
each item with its source and mark, so a later change of the clinic's rules does not rewrite
what the team checked. The follow-up dates are the core's, from the implant date and the
rules in force; each follow-up is done once.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from ithaca.accounts.permissions import Action, require
from ithaca.audit.chain import record
from ithaca.audit.models import AuditAction
from ithaca.clinical.errors import ComplicationInvalid, ImplantChecklistOpen
from ithaca.clinical.implant import (
    ChecklistAnswer,
    ChecklistState,
    ComplicationKind,
    InfectionDepth,
    PlannedFollowUp,
    checklist_state,
    follow_up_schedule,
    require_depth,
)
from ithaca.clinical.pathway import Stage
from ithaca.clinical.pathway_rules import ChecklistItem, PathwayRules
from ithaca.devices.errors import ServiceRefusal
from ithaca.devices.library import catalogue_in_force
from ithaca.devices.models import Device
from ithaca.pathway.models import Complication, FollowUp, ImplantRecord, SystemType
from ithaca.pathway.moves import dated_move, move_patient
from ithaca.pathway.recording import (
    clean_text,
    locked,
    not_in_future,
    own_device,
    refusal,
    require_stage,
)
from ithaca.pathway.trials import provenance_dict
from ithaca.patients.models import Patient

if TYPE_CHECKING:
    from django.contrib.auth.models import User

BASIS_LENGTH = 300  # FollowUp.basis


def checked(rules: PathwayRules, answers: Mapping[str, ChecklistAnswer]) -> ChecklistState:
    """The checklist's state; a refusal naming each item open without a reason."""
    unknown = set(answers) - {item.id for item in rules.checklist}
    if unknown:
        # The clinic's rules changed while the form was open: never store answers to
        # questions the rules in force do not ask.
        raise ServiceRefusal(
            "The implant checklist in force has changed since the page was opened: reload "
            "the page and answer it again."
        )
    state = checklist_state(rules.checklist, answers)
    if state.open_unexplained:
        raise refusal(ImplantChecklistOpen(i.text for i in state.open_unexplained), "checklist")
    return state


def checklist_record(state: ChecklistState, items: tuple[ChecklistItem, ...]) -> dict[str, object]:
    """{item id: what was shown and answered}; `position` keeps the order (PostgreSQL's jsonb
    does not keep key order)."""
    reasons = {item.id: reason for item, reason in state.open_with_reason}
    done = {item.id for item in state.done}
    return {
        item.id: {
            "position": position,
            "text": item.text,
            "done": item.id in done,
            "reason_open": reasons.get(item.id, ""),
            **provenance_dict(item.provenance),
        }
        for position, item in enumerate(items)
    }


def check_system(system: str) -> SystemType:
    try:
        return SystemType(system)
    except ValueError:
        raise ServiceRefusal("Choose the system implanted from the list.", field="system") from None


def record_implant(
    user: User,
    patient: Patient,
    system: str,
    implanted_on: date,
    device: Device | None,
    answers: Mapping[str, ChecklistAnswer],
    note: str = "",
) -> ImplantRecord:
    """Store the implant and its follow-ups; move Implant planned to Implanted."""
    require(user, Action.RECORD_IMPLANT, patient)
    chosen = check_system(system)
    not_in_future(implanted_on, "The implant", "implanted_on")
    own_device(patient, device)
    catalogue = catalogue_in_force()
    rules = catalogue.pathway
    state = checked(rules, answers)
    with transaction.atomic():
        fresh = locked(patient)
        require_stage(fresh, {Stage.IMPLANT_PLANNED}, "the implant", "once the implant is planned")
        saved: ImplantRecord = ImplantRecord.objects.create(
            patient=fresh,
            device=device,
            system=chosen.value,
            implanted_on=implanted_on,
            checklist=checklist_record(state, rules.checklist),
            rules_version=f"{rules.label}; library sha256 {catalogue.identity.short_hash}"[:120],
            note=clean_text(note),
            at=timezone.now(),
            by=user,
        )
        planned = follow_up_schedule(implanted_on, rules.follow_ups)
        _store_follow_ups(fresh, saved, planned)
        _audit_implant(user, saved, state, planned)
        move_patient(
            user,
            fresh,
            Stage.IMPLANTED,
            _move_reason(saved, state),
            expected_from=Stage.IMPLANT_PLANNED,
            record_kind="implant",
            record_id=saved.pk,
            at=dated_move(fresh, _start_of(implanted_on)),
        )
    patient.pathway_stage = fresh.pathway_stage
    return saved


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _move_reason(saved: ImplantRecord, state: ChecklistState) -> str:
    reason = f"{saved.get_system_display()} implanted on {saved.implanted_on:%d %b %Y}."
    if state.open_with_reason:
        reason += f" {len(state.open_with_reason)} checklist item(s) left open with a reason."
    return reason


def _store_follow_ups(
    patient: Patient, implant: ImplantRecord, planned: list[PlannedFollowUp]
) -> None:
    FollowUp.objects.bulk_create(
        FollowUp(
            patient=patient,
            implant=implant,
            kind=item.kind.value,
            day=item.day,
            due_on=item.due_on,
            basis=item.provenance.describe()[:BASIS_LENGTH],
        )
        for item in planned
    )


def _audit_implant(
    user: User, saved: ImplantRecord, state: ChecklistState, planned: list[PlannedFollowUp]
) -> None:
    record(
        user,
        AuditAction.CREATE,
        "implant_record",
        saved.pk,
        patient_id=saved.patient_id,
        detail={
            "system": saved.system,
            "implanted_on": saved.implanted_on.isoformat(),
            "device_id": saved.device_id,
            "open_with_reason": {item.id: reason for item, reason in state.open_with_reason},
            "follow_ups": [f"{p.kind.value} {p.due_on.isoformat()}" for p in planned],
            "rules_version": saved.rules_version,
        },
    )


def complete_follow_up(user: User, follow_up: FollowUp, done_on: date, note: str = "") -> FollowUp:
    """Mark a follow-up done, once: a second attempt is refused and changes nothing."""
    require(user, Action.RECORD_FOLLOW_UP, follow_up.patient)
    not_in_future(done_on, "The follow-up", "done_on")
    with transaction.atomic():
        fresh: FollowUp = (
            FollowUp.objects.select_for_update().select_related("implant").get(pk=follow_up.pk)
        )
        if fresh.done_on is not None:
            raise ServiceRefusal(
                f"This {fresh.get_kind_display().lower()} was already recorded as done on "
                f"{fresh.done_on:%d %b %Y}; nothing was changed."
            )
        if done_on < fresh.implant.implanted_on:
            raise ServiceRefusal(
                f"The implant was on {fresh.implant.implanted_on:%d %b %Y}: a follow-up cannot "
                "be done before it.",
                field="done_on",
            )
        fresh.done_on, fresh.done_by, fresh.note = done_on, user, clean_text(note)
        fresh.save(update_fields=["done_on", "done_by", "note"])
        record(
            user,
            AuditAction.CHANGE,
            "follow_up",
            fresh.pk,
            patient_id=fresh.patient_id,
            reason=fresh.note,
            detail={
                "kind": fresh.kind,
                "due_on": fresh.due_on.isoformat(),
                "done_on": done_on.isoformat(),
            },
        )
    follow_up.done_on, follow_up.done_by, follow_up.note = fresh.done_on, user, fresh.note
    return fresh


def check_complication(kind: str, depth: str) -> tuple[ComplicationKind, InfectionDepth | None]:
    try:
        chosen = ComplicationKind(kind)
    except ValueError:
        raise ServiceRefusal("Choose what happened from the list.", field="kind") from None
    try:
        level = InfectionDepth(depth) if depth else None
    except ValueError:
        raise ServiceRefusal(
            "Choose the depth of the infection from the list.", field="infection_depth"
        ) from None
    try:
        require_depth(chosen, level)
    except ComplicationInvalid as exc:
        raise refusal(exc, "infection_depth") from None
    return chosen, level


def record_complication(
    user: User,
    patient: Patient,
    kind: str,
    infection_depth: str,
    onset_on: date,
    description: str,
    action_taken: str = "",
    outcome: str = "",
    device: Device | None = None,
) -> Complication:
    require(user, Action.RECORD_COMPLICATION, patient)
    chosen, depth = check_complication(kind, infection_depth)
    not_in_future(onset_on, "The complication", "onset_on")
    own_device(patient, device)
    what = clean_text(description)
    if not what:
        raise ServiceRefusal("Describe what happened.", field="description")
    with transaction.atomic():
        saved: Complication = Complication.objects.create(
            patient=patient,
            device=device,
            kind=chosen.value,
            infection_depth=depth.value if depth else "",
            onset_on=onset_on,
            description=what,
            action_taken=clean_text(action_taken),
            outcome=clean_text(outcome),
            at=timezone.now(),
            by=user,
        )
        record(
            user,
            AuditAction.CREATE,
            "complication",
            saved.pk,
            patient_id=patient.pk,
            detail={
                "kind": saved.kind,
                "infection_depth": saved.infection_depth,
                "onset_on": onset_on.isoformat(),
                "device_id": saved.device_id,
            },
        )
    return saved
