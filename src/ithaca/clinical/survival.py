"""Survival after implant: the Kaplan-Meier estimate with Greenwood confidence intervals.

Time is counted in whole days from implant. A patient who died contributes an event on the
day of death; every other patient is censored on the last day they are known to be alive
(the caller decides which day that is, and says so). At a day with both deaths and
censorings, the deaths come first, as is usual: a patient censored that day was at risk.

    S(t) = Π over death days tᵢ ≤ t of (1 − dᵢ / nᵢ)
    Var S(t) = S(t)² · Σ dᵢ / (nᵢ (nᵢ − dᵢ))                      (Greenwood 1926)

The 95% interval is computed on the log(−log) scale (Kalbfleisch and Prentice), so it stays
inside [0, 1] and is asymmetric near the ends: S^exp(±z·σ), σ = √Σ / |ln S|. The plain
interval S ± z·SE, clipped to [0, 1], is available for comparison. S is exact (a fraction);
the standard error and the interval are decimals, since they need a square root.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from enum import Enum
from fractions import Fraction

from ithaca.clinical.errors import ClinicalError

Z_95 = Decimal("1.959964")  # the two-sided 95% point of the standard normal distribution
DAYS_PER_MONTH = Decimal("30.4375")  # 365.25 / 12: months on a survival axis are average months


class NegativeSurvivalTime(ClinicalError, ValueError):
    def __init__(self, days: int) -> None:
        super().__init__(days)
        self.days = days

    def __str__(self) -> str:
        return (
            f"a survival time of {self.days} days is impossible: the end (death or the last "
            "day known alive) comes before the implant"
        )


class Interval(Enum):
    LOG_LOG = "log-log"
    PLAIN = "plain"


@dataclass(frozen=True, slots=True)
class Observation:
    days: int  # from implant to death, or to the last day known alive
    died: bool


@dataclass(frozen=True, slots=True)
class Step:
    day: int
    at_risk: int
    deaths: int
    censored: int
    survival: Fraction
    greenwood_sum: Fraction  # Σ d / (n (n − d)) up to and including this day
    se: Decimal
    lower: Decimal
    upper: Decimal


@dataclass(frozen=True, slots=True)
class KaplanMeier:
    steps: tuple[Step, ...]
    n: int
    deaths: int
    interval: Interval

    @property
    def censored(self) -> int:
        return self.n - self.deaths

    @property
    def last_day(self) -> int | None:
        return self.steps[-1].day if self.steps else None

    def at(self, day: int) -> Step | None:
        """The estimate in force on `day`; None beyond the last day anyone was followed,
        where the curve says nothing."""
        if self.last_day is None or day > self.last_day:
            return None
        before = [s for s in self.steps if s.day <= day]
        if not before:
            one = Decimal(1)
            return Step(day, self.n, 0, 0, Fraction(1), Fraction(0), Decimal(0), one, one)
        return before[-1]

    @property
    def median_days(self) -> int | None:
        """The first day survival falls to one half or below; None if it never does."""
        return next((s.day for s in self.steps if s.survival <= Fraction(1, 2)), None)


def months_to_days(months: int) -> int:
    return int((DAYS_PER_MONTH * months).to_integral_value())


def kaplan_meier(
    observations: Sequence[Observation], interval: Interval = Interval.LOG_LOG
) -> KaplanMeier:
    for o in observations:
        if o.days < 0:
            raise NegativeSurvivalTime(o.days)
    deaths = Counter(o.days for o in observations if o.died)
    censored = Counter(o.days for o in observations if not o.died)
    at_risk = len(observations)
    survival, greenwood = Fraction(1), Fraction(0)
    steps: list[Step] = []
    for day in sorted(deaths.keys() | censored.keys()):
        d = deaths[day]
        if d:
            survival *= Fraction(at_risk - d, at_risk)
            if at_risk > d:
                greenwood += Fraction(d, at_risk * (at_risk - d))
        se, lower, upper = _bounds(survival, greenwood, interval)
        steps.append(Step(day, at_risk, d, censored[day], survival, greenwood, se, lower, upper))
        at_risk -= d + censored[day]
    return KaplanMeier(tuple(steps), len(observations), sum(deaths.values()), interval)


def _bounds(
    survival: Fraction, greenwood: Fraction, interval: Interval
) -> tuple[Decimal, Decimal, Decimal]:
    with localcontext() as ctx:
        ctx.prec = 28
        s = Decimal(survival.numerator) / Decimal(survival.denominator)
        root = (Decimal(greenwood.numerator) / Decimal(greenwood.denominator)).sqrt()
        se = s * root
        if interval is Interval.PLAIN or s in (0, 1):
            # At S = 1 or S = 0 the variance is 0 and log(−log S) is undefined: the
            # interval closes on the estimate, as in R's survfit.
            return se, max(Decimal(0), s - Z_95 * se), min(Decimal(1), s + Z_95 * se)
        sigma = root / abs(s.ln())
        lower = s ** (Z_95 * sigma).exp()
        upper = s ** (-Z_95 * sigma).exp()
        return se, lower, upper
