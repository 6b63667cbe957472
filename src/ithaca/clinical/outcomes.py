"""One patient's outcomes after implant: pain against its baseline, systemic opioids
before and after, the intrathecal dose in force, and the medians a cohort is summed up by.

Pain change (Farrar 2001): a fall of at least `change_points` on the 0-10 scale, or of at
least `change_percent` of the baseline, is clinically important. Points and percent are
both shown, because a fall from 3 to 1 is 67% but only 2 points, and from 9 to 7 only 22%.
A baseline of 0 has no percentage. Both thresholds come from the catalogue's outcome rules.

Timing: the baseline is the latest score in the `baseline_days` before the implant day;
an interval of m months is read on the same day of the month m months after implant (the
month's last day when it is shorter), from the score nearest that day within `window_days`
either side (the earlier one on a tie). An interval not yet reached, or after the patient
died, is not due: it is left out of the counts, never counted as missing.
"""

from __future__ import annotations

import calendar
import itertools
import statistics
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from ithaca.clinical.outcome_rules import OutcomeRules

Reading = tuple[date, int]  # a 0-10 pain score on a day
HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class PainChange:
    baseline: int
    score: int
    points: int  # baseline − score: positive is less pain
    percent: Decimal | None  # the fall as a percentage of baseline; None from a baseline of 0
    meets_points: bool
    meets_percent: bool

    @property
    def important(self) -> bool:
        """A clinically important fall by either threshold (Farrar 2001)."""
        return self.meets_points or self.meets_percent


def pain_change(baseline: int, score: int, rules: OutcomeRules) -> PainChange:
    points = baseline - score
    percent = None
    if baseline > 0:
        percent = (Decimal(points) * HUNDRED / baseline).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_EVEN
        )
    exact_percent = Decimal(points) * HUNDRED / baseline if baseline > 0 else None
    return PainChange(
        baseline,
        score,
        points,
        percent,
        points >= rules.change_points.value,
        exact_percent is not None and exact_percent >= rules.change_percent.value,
    )


def add_months(on: date, months: int) -> date:
    month0 = on.month - 1 + months
    year, month = on.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(on.day, calendar.monthrange(year, month)[1]))


def baseline_reading(pain: Sequence[Reading], implanted_on: date, days: int) -> Reading | None:
    first = implanted_on - timedelta(days=days)
    ordered = sorted(pain)
    before = ordered[bisect_left(ordered, (first,)) : bisect_left(ordered, (implanted_on,))]
    return max(before, key=lambda r: r[0]) if before else None


def nearest_reading(pain: Sequence[Reading], target: date, window: int) -> Reading | None:
    """The score nearest `target` within `window` days (the earlier on a tie). `pain` sorted
    by day makes this a binary search; unsorted input is sorted first."""
    ordered = pain if _is_sorted(pain) else sorted(pain)
    low = bisect_left(ordered, (target - timedelta(days=window),))
    high = bisect_left(ordered, (target + timedelta(days=window + 1),))
    near = ordered[low:high]
    return min(near, key=lambda r: (abs((r[0] - target).days), r[0])) if near else None


def _is_sorted(pain: Sequence[Reading]) -> bool:
    return all(a[0] <= b[0] for a, b in itertools.pairwise(pain))


def is_due(target: date, followed_until: date) -> bool:
    """Whether a reading on `target` could have been taken: reached, and the patient alive."""
    return target <= followed_until


@dataclass(frozen=True, slots=True)
class IntervalPain:
    months: int
    due: bool
    reading: Reading | None
    change: PainChange | None  # None without a baseline or a reading


@dataclass(frozen=True, slots=True)
class PainCourse:
    baseline: Reading | None
    intervals: tuple[IntervalPain, ...]


def pain_course(
    pain: Sequence[Reading],
    implanted_on: date,
    followed_until: date,
    rules: OutcomeRules,
    months: Sequence[int] | None = None,
) -> PainCourse:
    """Pain at each interval after implant (the rules' intervals unless `months` is given)."""
    pain = sorted(pain)
    baseline = baseline_reading(pain, implanted_on, rules.baseline_days.value)
    window = rules.window_days.value
    intervals = []
    for m in months if months is not None else rules.intervals_months.value:
        target = add_months(implanted_on, m)
        due = is_due(target, followed_until)
        reading = nearest_reading(pain, target, window) if due else None
        change = None
        if baseline is not None and reading is not None:
            change = pain_change(baseline[1], reading[1], rules)
        intervals.append(IntervalPain(m, due, reading, change))
    return PainCourse(baseline, tuple(intervals))


@dataclass(frozen=True, slots=True)
class OpioidSpan:
    """One systemic opioid's OME in mg/day, taken from `started_on` until `stopped_on`
    (the stop day is not a day taken), as converted by the core's OME calculation."""

    started_on: date
    stopped_on: date | None
    ome_mg_per_day: Decimal


def ome_on(spans: Sequence[OpioidSpan], on: date) -> Decimal:
    return sum(
        (
            s.ome_mg_per_day
            for s in spans
            if s.started_on <= on and (s.stopped_on is None or s.stopped_on > on)
        ),
        Decimal(0),
    )


@dataclass(frozen=True, slots=True)
class DoseChange:
    """An intrathecal program that came into force on a day: its first drug's daily dose."""

    on: date
    drug: str
    mcg_per_day: Decimal


def dose_in_force(changes: Sequence[DoseChange], on: date) -> DoseChange | None:
    before = [c for c in changes if c.on <= on]
    return max(before, key=lambda c: c.on) if before else None


@dataclass(frozen=True, slots=True)
class Summary:
    """A median and its interquartile range, with the n it rests on."""

    n: int
    median: Decimal | None
    q1: Decimal | None
    q3: Decimal | None


def summarise(values: Sequence[Decimal | int]) -> Summary:
    """Median and quartiles by linear interpolation between order statistics (the
    'inclusive' method: R's type 7, a spreadsheet's QUARTILE); None when there is no value."""
    data = sorted(Decimal(v) for v in values)
    if not data:
        return Summary(0, None, None, None)
    if len(data) == 1:
        return Summary(1, data[0], data[0], data[0])
    q1, median, q3 = statistics.quantiles(data, n=4, method="inclusive")
    return Summary(len(data), _tidy(median), _tidy(q1), _tidy(q3))


def _tidy(value: Decimal) -> Decimal:
    """Two decimal places at most, without trailing zeros or an exponent (100, not 1E+2)."""
    rounded = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
    if rounded == rounded.to_integral_value():
        return rounded.quantize(Decimal(1))
    return rounded.normalize()
