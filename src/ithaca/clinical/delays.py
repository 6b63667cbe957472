"""Where patients wait: time spent at each pathway stage, against the clinic's targets.

A patient's history is the list of moves recorded for them, oldest first. Each move opens a
stay at the stage it entered; the next move closes it. The last stay is still open at the
time asked about (`as_of`), which the caller passes in: the core never reads the clock.

Statistics are over completed stays (a stay still open would pull the median down for a
stage that patients are stuck in); the stays still open are counted apart and checked
against the target, so a patient stuck at a stage shows up as over target, not as a median.
The 90th percentile is the nearest-rank percentile: the smallest stay that at least 90% of
stays are no longer than. It is always a stay that happened, never an interpolation.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from ithaca.clinical.errors import DatesOutOfOrder
from ithaca.clinical.pathway import Stage


@dataclass(frozen=True, slots=True)
class Move:
    """One recorded move: the stage entered, and when."""

    stage: Stage
    at: datetime


@dataclass(frozen=True, slots=True)
class Stay:
    patient: int
    stage: Stage
    entered: datetime
    left: datetime | None  # None while the patient is still at the stage

    def length(self, as_of: datetime) -> timedelta:
        return (self.left or as_of) - self.entered


def stays_of(patient: int, moves: Sequence[Move]) -> list[Stay]:
    """The stays a patient's moves describe; moves must be in time order."""
    stays: list[Stay] = []
    for this, following in zip(moves, [*moves[1:], None], strict=True):
        if following is not None and following.at < this.at:
            raise DatesOutOfOrder(
                this.at.isoformat(), following.at.isoformat(), "pathway moves must be in time order"
            )
        stays.append(
            Stay(patient, this.stage, this.at, following.at if following is not None else None)
        )
    return stays


@dataclass(frozen=True, slots=True)
class Overdue:
    patient: int
    stage: Stage
    entered: datetime
    waited: timedelta
    target: timedelta


@dataclass(frozen=True, slots=True)
class StageSummary:
    stage: Stage
    target: timedelta | None  # None: the clinic set no target for this stage
    completed: int
    median: timedelta | None
    p90: timedelta | None
    waiting_now: int
    over_target: tuple[Overdue, ...]


def median(values: Sequence[timedelta]) -> timedelta | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def nearest_rank(values: Sequence[timedelta], percent: int) -> timedelta | None:
    """The nearest-rank percentile: the ceil(p/100 * n)-th smallest value."""
    if not 0 < percent <= 100:
        raise ValueError("a percentile between 1 and 100 is expected")
    if not values:
        return None
    ordered = sorted(values)
    rank = math.ceil(percent * len(ordered) / 100)
    return ordered[rank - 1]


def summarise(
    histories: Mapping[int, Sequence[Move]],
    targets: Mapping[Stage, timedelta],
    as_of: datetime,
    stages: Iterable[Stage] | None = None,
) -> list[StageSummary]:
    """One summary per stage (by default the stages before therapy starts, and titration)."""
    wanted = list(stages) if stages is not None else [*WAITING_STAGES]
    completed: dict[Stage, list[timedelta]] = {stage: [] for stage in wanted}
    open_stays: dict[Stage, list[Stay]] = {stage: [] for stage in wanted}
    for patient, moves in histories.items():
        for stay in stays_of(patient, moves):
            if stay.stage not in completed:
                continue
            if stay.left is None:
                open_stays[stay.stage].append(stay)
            else:
                completed[stay.stage].append(stay.length(as_of))
    summaries = []
    for stage in wanted:
        target = targets.get(stage)
        over = [
            Overdue(stay.patient, stage, stay.entered, stay.length(as_of), target)
            for stay in open_stays[stage]
            if target is not None and stay.length(as_of) > target
        ]
        over.sort(key=lambda item: item.waited, reverse=True)
        summaries.append(
            StageSummary(
                stage=stage,
                target=target,
                completed=len(completed[stage]),
                median=median(completed[stage]),
                p90=nearest_rank(completed[stage], 90),
                waiting_now=len(open_stays[stage]),
                over_target=tuple(over),
            )
        )
    return summaries


# The stages where a patient waits for the next step: everything before implant, then the
# implant-to-titration and titration-to-maintenance steps.
WAITING_STAGES: tuple[Stage, ...] = (
    *(stage for stage in Stage if stage.before_implant),
    Stage.IMPLANTED,
    Stage.TITRATION,
)


def days(span: timedelta) -> str:
    """A stay in days with one decimal, for people to read."""
    return f"{span.total_seconds() / 86400:.1f}"
