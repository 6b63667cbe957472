"""The pathway funnel: how many patients reached each step from identification to implant,
and how long the step from the one before took (the median of those who reached both).

A patient counts as having reached a step if a move into it was recorded, or if they are
at, or were recorded at, a later step: a patient registered at "referred" was identified,
though no move says when. Times are only taken between two recorded moves. The trial and
its waiver are one step ("trial or waived"); implant planning is folded into it, and every
stage with a device in counts as implanted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum

from ithaca.clinical.outcomes import Summary, summarise
from ithaca.clinical.pathway import Stage


class FunnelStep(Enum):
    IDENTIFIED = 1
    REFERRED = 2
    ASSESSED = 3
    DECISION = 4
    TRIAL_OR_WAIVED = 5
    IMPLANTED = 6

    @property
    def label(self) -> str:
        return {
            1: "Identified",
            2: "Referred",
            3: "Assessed",
            4: "Decision",
            5: "Trial or trial waived",
            6: "Implanted",
        }[self.value]


# Where each pathway stage sits on the funnel, for the patient's furthest point.
STEP_OF_STAGE: dict[Stage, FunnelStep] = {
    Stage.IDENTIFIED: FunnelStep.IDENTIFIED,
    Stage.REFERRED: FunnelStep.REFERRED,
    Stage.ASSESSED: FunnelStep.ASSESSED,
    Stage.DECISION: FunnelStep.DECISION,
    Stage.TRIAL: FunnelStep.TRIAL_OR_WAIVED,
    Stage.TRIAL_WAIVED: FunnelStep.TRIAL_OR_WAIVED,
    Stage.IMPLANT_PLANNED: FunnelStep.TRIAL_OR_WAIVED,
    Stage.IMPLANTED: FunnelStep.IMPLANTED,
    Stage.TITRATION: FunnelStep.IMPLANTED,
    Stage.MAINTENANCE: FunnelStep.IMPLANTED,
    Stage.END_OF_LIFE_CARE: FunnelStep.IMPLANTED,
    Stage.EXPLANTED: FunnelStep.IMPLANTED,
}
# The stages whose first move dates a step (the step's own stages, not the later ones).
DATED_BY: dict[Stage, FunnelStep] = {
    Stage.IDENTIFIED: FunnelStep.IDENTIFIED,
    Stage.REFERRED: FunnelStep.REFERRED,
    Stage.ASSESSED: FunnelStep.ASSESSED,
    Stage.DECISION: FunnelStep.DECISION,
    Stage.TRIAL: FunnelStep.TRIAL_OR_WAIVED,
    Stage.TRIAL_WAIVED: FunnelStep.TRIAL_OR_WAIVED,
    Stage.IMPLANTED: FunnelStep.IMPLANTED,
}


@dataclass(frozen=True, slots=True)
class PathRecord:
    """One patient's recorded moves: the first day they entered each stage."""

    entered: Mapping[Stage, date]

    @property
    def dates(self) -> dict[FunnelStep, date]:
        steps: dict[FunnelStep, date] = {}
        for stage, on in self.entered.items():
            step = DATED_BY.get(stage)
            if step is not None and (step not in steps or on < steps[step]):
                steps[step] = on
        return steps

    @property
    def furthest(self) -> FunnelStep | None:
        reached = [STEP_OF_STAGE[s] for s in self.entered if s in STEP_OF_STAGE]
        return max(reached, key=lambda s: s.value) if reached else None


@dataclass(frozen=True, slots=True)
class FunnelRow:
    step: FunnelStep
    reached: int
    days_from_previous: Summary  # over patients with both moves recorded

    def share_of(self, previous: FunnelRow | None) -> int | None:
        """Whole percent of the previous step's patients; None for the first step."""
        if previous is None or previous.reached == 0:
            return None
        return round(100 * self.reached / previous.reached)


def funnel(records: Sequence[PathRecord]) -> tuple[FunnelRow, ...]:
    rows = []
    furthest = [r.furthest for r in records]
    dates = [r.dates for r in records]
    for step in FunnelStep:
        reached = sum(1 for f in furthest if f is not None and f.value >= step.value)
        previous = FunnelStep(step.value - 1) if step.value > 1 else None
        days = [
            (d[step] - d[previous]).days
            for d in dates
            if previous is not None and step in d and previous in d
        ]
        rows.append(FunnelRow(step, reached, summarise(days)))
    return tuple(rows)
