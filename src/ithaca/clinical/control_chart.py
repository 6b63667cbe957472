"""The refill discrepancy control chart: is a pump delivering what it was programmed to?

For each refill after the first, the ratio plotted is

    delivered          = contents at the last fill − residual measured now
    expected delivery  = contents at the last fill − expected residual
    ratio              = delivered ÷ expected delivery

The expected residual is the one stored with the refill: the core's calculation across
every program version in force since the last fill, with the bolus scenario chosen at the
refill (so patient boluses not counted there raise the ratio). A ratio above 1 means more
left the reservoir than expected (over-infusion, a leak); below 1, less (occlusion, a
stalled motor). A refill whose expected residual was floored at zero (the calculation had
the pump running dry) has no known expected delivery and is left off the chart, with why.

Centre line and limits come from a published series (mean 0.995, 95% prediction interval
about ±15% for one refill, S). Each refill is also checked against the per-refill alarms
the refill page uses: the pump size's volume threshold (1 mL for a 20 mL pump, 2 mL for
40 mL, S) and the clinic's percentage of the expected residual (20%, S).

Drift rule: an EWMA (exponentially weighted moving average) of the ratios,

    z₀ = centre;  zᵢ = λ·xᵢ + (1 − λ)·zᵢ₋₁
    limits = centre ± L·σ·√(λ/(2 − λ)·(1 − (1 − λ)^(2i)))

with σ = the published half-width ÷ the normal quantile of its level (0.15 / 1.96 for a
95% interval). Chosen over a run rule and a CUSUM because (1) a pump that slowly drifts
is a small sustained shift, which an EWMA detects several refills before one ratio leaves
a ±15% band (but not always before the per-refill volume alarm: on a pump nearly empty at
refill, 1 or 2 mL is a few percent of the delivery, so that alarm can fire first), where a run rule of k points on one side would need 7-9 refills (a year of
refills) to keep its false-alarm rate tolerable; (2) unlike a CUSUM, the EWMA is in the
ratio's own units, so it is drawn on the same chart and read as "the recent average
ratio"; (3) it uses the published σ rather than one estimated from a handful of a
pump's own refills. The EWMA restarts at each new pump. λ and L are ithaca defaults (U),
in surveillance.toml; neither is a hard limit: a signal asks a nurse to look, nothing more.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum

from ithaca.clinical.datareader import Node
from ithaca.clinical.intervals import normal_quantile
from ithaca.clinical.quantities import Volume, format_decimal
from ithaca.clinical.sourced import Sourced
from ithaca.clinical.sources import Unknown

SHOWN = Decimal("0.001")


class Direction(Enum):
    MORE = "more"  # more delivered than expected
    LESS = "less"

    @property
    def words(self) -> str:
        return {
            "more": "more delivered than expected",
            "less": "less delivered than expected",
        }[self.value]


@dataclass(frozen=True, slots=True)
class ChartRules:
    centre: Sourced[Decimal]
    limit_percent: Sourced[Decimal]
    limit_level: Sourced[Decimal]
    ewma_weight: Sourced[Decimal]
    ewma_width: Sourced[Decimal]

    @property
    def lower(self) -> Decimal:
        return self.centre.value - self.limit_percent.value / 100

    @property
    def upper(self) -> Decimal:
        return self.centre.value + self.limit_percent.value / 100

    @property
    def sigma(self) -> Decimal:
        """One refill's standard deviation, from the published prediction interval."""
        z = normal_quantile(float(1 + self.limit_level.value) / 2)
        return self.limit_percent.value / 100 / Decimal(repr(z))


def read_chart_rules(node: Node) -> ChartRules:
    def sourced(key: str, low: Decimal, high: Decimal) -> Sourced[Decimal]:
        table = node.child(key)
        value = table.decimal("value")
        if not low < value < high:
            raise table.fail("value", f"must be between {low} and {high}")
        return Sourced(value, table.provenance())

    return ChartRules(
        centre=sourced("centre", Decimal(0), Decimal(2)),
        limit_percent=sourced("limit_percent", Decimal(0), Decimal(100)),
        limit_level=sourced("limit_level", Decimal(0), Decimal(1)),
        ewma_weight=sourced("ewma_weight", Decimal(0), Decimal("1.000001")),
        ewma_width=sourced("ewma_width", Decimal(0), Decimal(10)),
    )


@dataclass(frozen=True, slots=True)
class RefillReading:
    """One refill as stored: what was in the pump before, what was expected and found."""

    pump: str  # the device's key; the EWMA restarts when it changes
    sequence: int
    on: date
    contents_at_last_fill_ml: Decimal | None  # None for a first fill
    expected_residual_ml: Decimal | None
    measured_residual_ml: Decimal | None


@dataclass(frozen=True, slots=True)
class RefillAlarms:
    """The per-refill thresholds in force for one pump."""

    percent: Sourced[Decimal]  # of the expected residual (clinic policy)
    volume: Sourced[Volume] | Unknown  # by pump size


@dataclass(frozen=True, slots=True)
class ChartPoint:
    reading: RefillReading
    delivered_ml: Decimal
    expected_delivery_ml: Decimal
    ratio: Decimal
    ewma: Decimal
    ewma_lower: Decimal
    ewma_upper: Decimal
    outside_limits: Direction | None
    drift: Direction | None
    alarms: tuple[str, ...]

    @property
    def ratio_shown(self) -> str:
        return format_decimal(self.ratio.quantize(SHOWN))


@dataclass(frozen=True, slots=True)
class LeftOff:
    reading: RefillReading
    reason: str


@dataclass(frozen=True, slots=True)
class ControlChart:
    rules: ChartRules
    points: tuple[ChartPoint, ...]
    left_off: tuple[LeftOff, ...]

    @property
    def first_drift(self) -> ChartPoint | None:
        return next((p for p in self.points if p.drift is not None), None)

    @property
    def latest(self) -> ChartPoint | None:
        return self.points[-1] if self.points else None

    @property
    def drifting(self) -> Direction | None:
        """The drift signal at the newest refill: the pump's state now."""
        return self.latest.drift if self.latest else None

    @property
    def latest_alarms(self) -> tuple[str, ...]:
        return self.latest.alarms if self.latest else ()


def ratio_of(reading: RefillReading) -> tuple[Decimal, Decimal, Decimal] | str:
    """(delivered, expected delivery, ratio), or why the refill has no ratio."""
    before, expected = reading.contents_at_last_fill_ml, reading.expected_residual_ml
    measured = reading.measured_residual_ml
    if before is None or expected is None:
        return "a first fill: nothing was expected to be delivered yet"
    if measured is None:
        return "no residual was measured"
    if expected <= 0:
        return (
            "the expected residual was floored at zero (the calculation had the pump "
            "running dry), so the expected delivery is not known"
        )
    expected_delivery = before - expected
    if expected_delivery <= 0:
        return "no delivery was expected since the last fill"
    delivered = before - measured
    return delivered, expected_delivery, delivered / expected_delivery


def control_chart(
    readings: Sequence[RefillReading],
    rules: ChartRules,
    alarms: Mapping[str, RefillAlarms],
) -> ControlChart:
    """The chart for the readings in date order (one pump, or a patient's pumps in turn)."""
    ordered = sorted(readings, key=lambda r: (r.on, r.sequence))
    weight, width, sigma = rules.ewma_weight.value, rules.ewma_width.value, rules.sigma
    points: list[ChartPoint] = []
    left_off: list[LeftOff] = []
    ewma, index, pump = rules.centre.value, 0, None
    for reading in ordered:
        if reading.pump != pump:
            ewma, index, pump = rules.centre.value, 0, reading.pump
        computed = ratio_of(reading)
        if isinstance(computed, str):
            left_off.append(LeftOff(reading, computed))
            continue
        delivered, expected_delivery, ratio = computed
        index += 1
        ewma = weight * ratio + (1 - weight) * ewma
        spread = width * sigma * (weight / (2 - weight) * (1 - (1 - weight) ** (2 * index))).sqrt()
        low, high = rules.centre.value - spread, rules.centre.value + spread
        points.append(
            ChartPoint(
                reading,
                delivered,
                expected_delivery,
                ratio,
                ewma,
                low,
                high,
                _side(ratio, rules.lower, rules.upper),
                _side(ewma, low, high),
                _alarms(reading, ratio, rules, alarms.get(reading.pump)),
            )
        )
    return ControlChart(rules, tuple(points), tuple(left_off))


def _side(value: Decimal, low: Decimal, high: Decimal) -> Direction | None:
    if value > high:
        return Direction.MORE
    if value < low:
        return Direction.LESS
    return None


def _alarms(
    reading: RefillReading, ratio: Decimal, rules: ChartRules, thresholds: RefillAlarms | None
) -> tuple[str, ...]:
    found: list[str] = []
    side = _side(ratio, rules.lower, rules.upper)
    if side is not None:
        found.append(
            f"ratio {format_decimal(ratio.quantize(SHOWN))} is outside "
            f"{format_decimal(rules.lower)}–{format_decimal(rules.upper)}: {side.words} "
            f"({rules.limit_percent.provenance.describe()})"
        )
    if thresholds is None:
        return tuple(found)
    expected, measured = reading.expected_residual_ml, reading.measured_residual_ml
    if expected is None or measured is None:  # pragma: no cover - no ratio without both
        return tuple(found)
    gap = abs(expected - measured)
    if isinstance(thresholds.volume, Sourced) and gap > thresholds.volume.value.canonical:
        found.append(
            f"the residual differs from the expected by {format_decimal(gap.normalize())} mL, "
            f"more than {thresholds.volume.value} ({thresholds.volume.provenance.describe()})"
        )
    if expected > 0 and gap / expected * 100 > thresholds.percent.value:
        found.append(
            f"the residual differs from the expected by more than "
            f"{format_decimal(thresholds.percent.value)}% "
            f"({thresholds.percent.provenance.describe()})"
        )
    return tuple(found)
