"""Survival as a discrete distribution over months, never as a single number.

A curve holds P(alive at the start of month m) for m = 1..N. The cost model charges a
month's recurring costs when the patient is alive at its start, so the expected cost of an
option is its one-off costs plus the sum over months of P(alive in month m) × that month's
cost. What lies beyond month N is not costed, and the curve says how likely it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext

from ithaca.clinical.sources import Provenance

ONE = Decimal(1)
ZERO = Decimal(0)
PLACES = 28  # digits kept for 2^(-m/median); far beyond anything a cost depends on


class InvalidSurvivalCurve(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class SurvivalCurve:
    alive: tuple[Decimal, ...]  # P(alive at the start of month m), m = 1..N
    description: str
    provenance: Provenance

    def __post_init__(self) -> None:
        if not self.alive:
            raise InvalidSurvivalCurve("a survival curve needs at least one month")
        previous = ONE
        for month, p in enumerate(self.alive, start=1):
            if not isinstance(p, Decimal) or not ZERO <= p <= ONE:
                raise InvalidSurvivalCurve(f"month {month}: a probability from 0 to 1 is expected")
            if p > previous:
                raise InvalidSurvivalCurve(
                    f"month {month}: the chance of being alive cannot rise from one month to the next"
                )
            previous = p

    @property
    def months(self) -> int:
        return len(self.alive)

    @property
    def beyond(self) -> Decimal:
        """An upper bound on P(alive after the last month): the last month's value."""
        return self.alive[-1]

    def expected_months(self) -> Decimal:
        """Expected months alive within the horizon: the sum of the monthly probabilities."""
        return sum(self.alive, ZERO)


def alive_throughout(months: int, provenance: Provenance) -> SurvivalCurve:
    """Every month of the horizon is lived: the cumulative-cost view."""
    if months < 1:
        raise InvalidSurvivalCurve("a horizon of at least one month is expected")
    return SurvivalCurve(
        (ONE,) * months, f"alive for all {months} months (no survival weighting)", provenance
    )


def constant_monthly_risk(
    median_months: int, horizon: int, provenance: Provenance
) -> SurvivalCurve:
    """The same risk of dying each month, set so half are alive at `median_months`:
    P(alive at the start of month m) = 2^(-(m - 1) / median)."""
    if median_months < 1 or horizon < 1:
        raise InvalidSurvivalCurve("a median and a horizon of at least one month are expected")
    with localcontext() as context:
        context.prec = PLACES
        alive = tuple(
            Decimal(2) ** (Decimal(-(m - 1)) / Decimal(median_months))
            for m in range(1, horizon + 1)
        )
    return SurvivalCurve(
        alive,
        f"the same risk each month, half alive at {median_months} months, over {horizon} months",
        provenance,
    )


def from_table(alive: Sequence[Decimal], description: str, provenance: Provenance) -> SurvivalCurve:
    """A clinic's own curve, e.g. from its audit of patients like this one."""
    return SurvivalCurve(tuple(alive), description, provenance)
