"""Appending to and verifying the hash chain."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.utils import timezone

from ithaca.audit.models import AuditEvent, AuditHead

GENESIS = "0" * 64


def event_hash(
    previous_hash: str,
    occurred_at: datetime,
    actor_id: int | None,
    actor_username: str,
    action: str,
    object_type: str,
    object_id: str,
    patient_id: int | None,
    reason: str,
    detail: dict[str, Any],
) -> str:
    body = json.dumps(
        {
            "previous_hash": previous_hash,
            "occurred_at": occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor_id": actor_id,
            "actor_username": actor_username,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "patient_id": patient_id,
            "reason": reason,
            "detail": detail,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def record(
    actor: User | AnonymousUser | None,
    action: str,
    object_type: str,
    object_id: object = "",
    *,
    patient_id: int | None = None,
    reason: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. Runs inside the caller's transaction, so a change and its audit
    event are stored together or not at all."""
    detail = json.loads(json.dumps(detail or {}, default=str))  # what is hashed is what is stored
    user = actor if actor is not None and actor.is_authenticated else None
    username = user.get_username() if user is not None else "anonymous"
    with transaction.atomic():
        head = AuditHead.objects.select_for_update().get(pk=1)
        occurred_at = timezone.now()
        digest = event_hash(
            head.last_hash,
            occurred_at,
            user.pk if user else None,
            username,
            action,
            object_type,
            str(object_id),
            patient_id,
            reason,
            detail,
        )
        event = AuditEvent.objects.create(
            occurred_at=occurred_at,
            actor=user,
            actor_username=username,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            patient_id=patient_id,
            reason=reason,
            detail=detail,
            previous_hash=head.last_hash,
            hash=digest,
        )
        AuditHead.objects.filter(pk=1).update(last_hash=digest, count=head.count + 1)
    return event


@dataclass(frozen=True)
class Verification:
    checked: int
    first_broken_id: int | None
    problem: str | None

    @property
    def intact(self) -> bool:
        return self.problem is None


def verify() -> Verification:
    """Recompute every link in order; stop at the first that does not hold."""
    previous = GENESIS
    checked = 0
    for event in _in_order():
        if event.previous_hash != previous:
            return Verification(
                checked,
                event.pk,
                "it does not point at the event before it (one was removed or reordered)",
            )
        expected = event_hash(
            event.previous_hash,
            event.occurred_at,
            event.actor_id,
            event.actor_username,
            event.action,
            event.object_type,
            event.object_id,
            event.patient_id,
            event.reason,
            event.detail,
        )
        if event.hash != expected:
            return Verification(checked, event.pk, "its content was changed after it was written")
        previous = event.hash
        checked += 1
    head = AuditHead.objects.get(pk=1)
    if head.last_hash != previous or head.count != checked:
        return Verification(
            checked,
            None,
            f"the newest events were removed: {head.count} were written, {checked} remain",
        )
    return Verification(checked, None, None)


def _in_order() -> Iterator[AuditEvent]:
    return AuditEvent.objects.order_by("id").iterator(chunk_size=2000)
