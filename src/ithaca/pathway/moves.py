"""Moving a patient along the care pathway: the one function every pathway record uses.

The core's transition table decides whether a move is allowed; this service locks the
patient's row (so two people moving the same patient cannot both succeed from the same
stage), writes the append-only move, updates the patient's current stage and writes the
audit event, all in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from ithaca.accounts.permissions import Action, require
from ithaca.audit.chain import record
from ithaca.audit.models import AuditAction
from ithaca.clinical.errors import ClinicalError, TransitionNeedsReason
from ithaca.clinical.pathway import Stage, check_transition
from ithaca.devices.errors import ServiceRefusal
from ithaca.pathway.models import StageMove
from ithaca.patients.models import Patient

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def move_patient(
    user: User,
    patient: Patient,
    target: Stage,
    reason: str,
    *,
    expected_from: Stage | None = None,
    record_kind: str = "",
    record_id: int | None = None,
    at: datetime | None = None,
) -> StageMove:
    """Move the patient to `target`; ServiceRefusal in words if the move is not allowed.

    `expected_from` is the stage the user saw on their page: if someone else moved the
    patient since, the move is refused rather than applied to a stage they did not see.
    A move made by a record (`record_kind` set) needs no separate permission: the record's
    own service checked it; a plain move needs MOVE_PATHWAY.
    """
    if not record_kind:
        require(user, Action.MOVE_PATHWAY, patient)
    when = at or timezone.now()
    if timezone.is_naive(when):
        raise ValueError("the time of a pathway move must carry its time zone")
    with transaction.atomic():
        fresh: Patient = Patient.objects.select_for_update().get(pk=patient.pk)
        current = fresh.stage
        if expected_from is not None and current is not expected_from:
            raise ServiceRefusal(
                f"{fresh.given_name} {fresh.family_name} was moved to {current.label} by "
                "someone else while you were working: reload the page and check before moving.",
                field="target",
            )
        try:
            cleaned = check_transition(current, target, reason, by_record=bool(record_kind))
        except ClinicalError as exc:
            field = "reason" if isinstance(exc, TransitionNeedsReason) else "target"
            raise ServiceRefusal(_sentence(exc), field=field) from exc
        last = fresh.stage_moves.order_by("-at", "-pk").first()
        if last is not None and when < last.at:
            raise ServiceRefusal(
                "A move cannot be dated before the patient's last move "
                f"({timezone.localtime(last.at):%d %b %Y %H:%M}).",
                field="at",
            )
        move: StageMove = StageMove.objects.create(
            patient=fresh,
            from_stage=current.value,
            to_stage=target.value,
            at=when,
            by=user,
            reason=cleaned,
            record_kind=record_kind,
            record_id=record_id,
        )
        fresh.pathway_stage = target.value
        fresh.save(update_fields=["pathway_stage", "updated_at"])
        record(
            user,
            AuditAction.CHANGE,
            "pathway_stage",
            move.pk,
            patient_id=fresh.pk,
            reason=cleaned,
            detail={
                "from": current.value,
                "to": target.value,
                "at": when.isoformat(),
                "record": record_kind,
                "record_id": record_id,
            },
        )
    patient.pathway_stage = target.value
    return move


def dated_move(patient: Patient, happened: datetime) -> datetime:
    """When a record's move is dated: when the thing happened (an implant, a trial), so the
    delays view measures the care and not the typing; but never before the patient's last
    move, because the history is a sequence (a late-entered plan is then a zero-length stay)."""
    last = patient.stage_moves.order_by("-at", "-pk").first()
    return max(happened, last.at) if last is not None else happened


def first_move(
    user: User, patient: Patient, stage: Stage, reason: str, since: datetime | None = None
) -> StageMove:
    """The row that opens a patient's pathway history, at registration (no 'from' stage)."""
    return StageMove.objects.create(
        patient=patient,
        from_stage="",
        to_stage=stage.value,
        at=since or patient.created_at or timezone.now(),
        by=user,
        reason=reason,
    )


def import_history(
    user: User, patient: Patient, moves: Sequence[tuple[Stage, datetime]], reason: str
) -> list[StageMove]:
    """Append moves that happened before ithaca held them (another system's record, the
    demo's synthetic journeys): each checked against the transition table and in time
    order, stored with `reason`, and one audit event for the lot."""
    require(user, Action.MOVE_PATHWAY, patient)
    with transaction.atomic():
        fresh: Patient = Patient.objects.select_for_update().get(pk=patient.pk)
        last = fresh.stage_moves.order_by("-at", "-pk").first()
        current, since = fresh.stage, last.at if last is not None else None
        rows = []
        for target, when in moves:
            if timezone.is_naive(when):
                raise ValueError("the time of a pathway move must carry its time zone")
            try:
                check_transition(current, target, reason, by_record=True)
            except ClinicalError as exc:
                raise ServiceRefusal(_sentence(exc), field="history") from exc
            if since is not None and when < since:
                raise ServiceRefusal("The history's moves must be in time order.", field="history")
            rows.append(
                StageMove(
                    patient=fresh,
                    from_stage=current.value,
                    to_stage=target.value,
                    at=when,
                    by=user,
                    reason=reason,
                    record_kind="imported",
                )
            )
            current, since = target, when
        StageMove.objects.bulk_create(rows)
        fresh.pathway_stage = current.value
        fresh.save(update_fields=["pathway_stage", "updated_at"])
        record(
            user,
            AuditAction.CREATE,
            "pathway_history",
            fresh.pk,
            patient_id=fresh.pk,
            reason=reason,
            detail={"moves": [[s.value, w.isoformat()] for s, w in moves]},
        )
    patient.pathway_stage = current.value
    return rows


def _sentence(error: ClinicalError) -> str:
    text = str(error)
    return text[:1].upper() + text[1:] + "."
