"""Where patients wait, from the recorded moves; and why, from the delay notes.

The core computes the stays and their statistics from the histories this module reads;
the caller passes the time asked about (`as_of`), so the page reads the clock and the
arithmetic never does. A delay note is written against the stage the patient is at when
it is recorded, so the reasons can be counted per stage.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from ithaca.accounts.permissions import Action, require
from ithaca.audit.chain import record
from ithaca.audit.models import AuditAction
from ithaca.clinical.delays import WAITING_STAGES, Move, Overdue, StageSummary, days, summarise
from ithaca.clinical.pathway import DelayReason, Stage
from ithaca.clinical.sourced import Sourced
from ithaca.devices.errors import ServiceRefusal
from ithaca.devices.library import catalogue_in_force
from ithaca.pathway.models import DelayNote, StageMove
from ithaca.patients.models import Patient

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# The stages where a wait is worth explaining are the core's WAITING_STAGES: the delays
# page reports the same stages, so every note recorded can be counted there.


def histories() -> dict[int, list[Move]]:
    """Every patient's moves, oldest first (ties in time kept in the order written)."""
    found: dict[int, list[Move]] = defaultdict(list)
    rows = StageMove.objects.order_by("patient_id", "at", "pk").values_list(
        "patient_id", "to_stage", "at"
    )
    for patient_id, stage, at in rows.iterator(chunk_size=5000):
        found[patient_id].append(Move(Stage(stage), at))
    return dict(found)


@dataclass(frozen=True)
class Waiting:
    """A patient over the target at their current stage, with the latest reason given."""

    overdue: Overdue
    patient: Patient
    latest: DelayNote | None

    @property
    def waited_days(self) -> str:
        return days(self.overdue.waited)

    @property
    def target_days(self) -> int:
        return self.overdue.target.days


@dataclass(frozen=True)
class ReasonCount:
    label: str
    all: int  # every note with this reason at this stage
    over: int  # the notes of this wait, for the patients over target now


@dataclass(frozen=True)
class StageReport:
    summary: StageSummary
    target: Sourced[timedelta] | None
    over: list[Waiting]
    reasons: list[ReasonCount]  # commonest first

    @property
    def stage(self) -> Stage:
        return self.summary.stage


@dataclass(frozen=True)
class DelayReport:
    as_of: datetime
    rules_label: str
    stages: list[StageReport] = field(default_factory=list)

    @property
    def over_total(self) -> int:
        return sum(len(s.over) for s in self.stages)


def delay_report(as_of: datetime) -> DelayReport:
    rules = catalogue_in_force().pathway
    summaries = summarise(histories(), rules.target_spans(), as_of, WAITING_STAGES)
    overdue = [item for summary in summaries for item in summary.over_target]
    patients = Patient.objects.in_bulk({item.patient for item in overdue})
    notes = _notes_of_overdue(overdue)
    counts_all = _counts_all()
    report = DelayReport(as_of, rules.label)
    for summary in summaries:
        over = [
            Waiting(item, patients[item.patient], _latest(notes[(item.patient, item.stage)]))
            for item in summary.over_target
        ]
        over_counts = Counter(
            DelayReason(note.reason).label
            for item in summary.over_target
            for note in notes[(item.patient, item.stage)]
        )
        reasons = [
            ReasonCount(label, n, over_counts[label])
            for label, n in counts_all.get(summary.stage, Counter()).most_common()
        ]
        report.stages.append(StageReport(summary, rules.targets.get(summary.stage), over, reasons))
    return report


def _notes_of_overdue(overdue: list[Overdue]) -> dict[tuple[int, Stage], list[DelayNote]]:
    """The notes written during each overdue patient's current stay, newest first. A note
    from an earlier stay at the same stage (before a re-referral) is not about this wait."""
    entered = {(item.patient, item.stage): item.entered for item in overdue}
    found: dict[tuple[int, Stage], list[DelayNote]] = defaultdict(list)
    candidates = DelayNote.objects.filter(patient_id__in={p for p, _ in entered}).order_by(
        "-at", "-pk"
    )
    for note in candidates:
        key = (note.patient_id, Stage(note.stage))
        if key in entered and note.at >= entered[key]:
            found[key].append(note)
    return found


def _latest(notes: list[DelayNote]) -> DelayNote | None:
    return notes[0] if notes else None


def _counts_all() -> dict[Stage, Counter[str]]:
    """Every delay note ever recorded, counted by stage and reason, commonest first."""
    counted: dict[Stage, Counter[str]] = defaultdict(Counter)
    rows = DelayNote.objects.order_by().values_list("stage", "reason").annotate(n=Count("pk"))
    for stage, reason, n in rows:
        counted[Stage(stage)][DelayReason(reason).label] += n
    return counted


def record_delay(
    user: User,
    patient: Patient,
    reason: DelayReason,
    note: str = "",
    *,
    expected_stage: Stage | None = None,
) -> DelayNote:
    """Why the patient is waiting at their current stage. `expected_stage` is the stage the
    user saw: a note is never filed against a stage the patient has since left."""
    require(user, Action.RECORD_DELAY, patient)
    cleaned = note.strip()
    if reason is DelayReason.OTHER and not cleaned:
        raise ServiceRefusal("'Other' needs a note saying what the delay is.", field="note")
    with transaction.atomic():
        fresh: Patient = Patient.objects.select_for_update().get(pk=patient.pk)
        stage = fresh.stage
        if expected_stage is not None and stage is not expected_stage:
            raise ServiceRefusal(
                f"The patient was moved to {stage.label} while you were working: "
                "reload the page and check before recording the delay.",
                field="reason",
            )
        if stage not in WAITING_STAGES:
            raise ServiceRefusal(
                f"A patient who is {stage.label} is not waiting for a pathway step: "
                "a delay is recorded before therapy starts or during titration.",
                field="reason",
            )
        delay: DelayNote = DelayNote.objects.create(
            patient=fresh,
            stage=stage.value,
            reason=reason.value,
            note=cleaned,
            at=timezone.now(),
            by=user,
        )
        record(
            user,
            AuditAction.CREATE,
            "delay_note",
            delay.pk,
            patient_id=fresh.pk,
            detail={"stage": stage.value, "reason": reason.value, "note": cleaned},
        )
    return delay
