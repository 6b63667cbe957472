"""Complication rates for a clinic, by kind and infection depth, beside the published rates.

Two measures for each kind: events per 1,000 device-days with the exact Garwood Poisson
interval, and the share of patients with at least one event with the Wilson interval
(see ithaca.clinical.intervals for both methods). Device-days run from the implant (or the
start of records) to the explant, death or the report's as-of date, whichever is first,
clipped to the report's period; the caller passes them in. A clinic's numbers are small:
an interval, not the point estimate, is the honest answer, and 0 events still has an
upper bound above zero.

A published rate is shown beside the clinic's figure on the same measure (percent of
patients, per patient-year, or per 10,000 refills). It is context, never a limit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import Enum
from fractions import Fraction

from ithaca.clinical.control_chart import ChartRules, read_chart_rules
from ithaca.clinical.datareader import Node
from ithaca.clinical.implant import ComplicationKind, InfectionDepth
from ithaca.clinical.intervals import Interval, poisson_rate, wilson_proportion
from ithaca.clinical.quantities import format_decimal
from ithaca.clinical.sourced import Sourced
from ithaca.clinical.sources import Provenance

SYSTEMS = ("implanted_pump", "external_pump", "temporary_catheter")
PER_DEVICE_DAYS = 1000
DAYS_PER_YEAR = Fraction(36525, 100)  # a patient-year, as the published rates count one


class Measure(Enum):
    PERCENT_OF_PATIENTS = "percent_of_patients"
    PER_PATIENT_YEAR = "per_patient_year"
    PER_10000_REFILLS = "per_10000_refills"

    @property
    def words(self) -> str:
        return {
            "percent_of_patients": "% of patients",
            "per_patient_year": "per patient-year",
            "per_10000_refills": "per 10,000 refills",
        }[self.value]


@dataclass(frozen=True, slots=True)
class PublishedRate:
    kind: ComplicationKind
    depth: InfectionDepth | None  # None: any depth, or not an infection
    systems: tuple[str, ...]
    setting: str
    measure: Measure
    value: Decimal
    low: Decimal | None
    high: Decimal | None
    provenance: Provenance

    def describe(self) -> str:
        unit = "%" if self.measure is Measure.PERCENT_OF_PATIENTS else f" {self.measure.words}"
        text = f"{format_decimal(self.value)}{unit}"
        if self.low is not None and self.high is not None:
            text += f" ({format_decimal(self.low)}–{format_decimal(self.high)})"
        elif self.high is not None:
            text += f" to {format_decimal(self.high)}{unit}"
        return text


@dataclass(frozen=True, slots=True)
class SurveillanceRules:
    version: str
    level: Sourced[Decimal]
    published: tuple[PublishedRate, ...]
    chart: ChartRules


def read_surveillance(root: Node) -> SurveillanceRules:
    node = root.child("surveillance")
    level_node = node.child("confidence_level")
    level = level_node.decimal("value")
    if not Decimal("0.5") <= level < 1:
        raise level_node.fail("value", "a confidence level from 0.5 to below 1 is expected")
    return SurveillanceRules(
        version=node.text("version"),
        level=Sourced(level, level_node.provenance()),
        published=tuple(_published(n) for n in node.children("published")),
        chart=read_chart_rules(node.child("control_chart")),
    )


def _published(node: Node) -> PublishedRate:
    try:
        kind = ComplicationKind(node.text("kind"))
    except ValueError:
        raise node.fail("kind", "not a complication kind") from None
    depth = None
    if node.has("depth"):
        if kind is not ComplicationKind.INFECTION:
            raise node.fail("depth", "only an infection has a depth")
        try:
            depth = InfectionDepth(node.text("depth"))
        except ValueError:
            raise node.fail("depth", "superficial, deep or meningitis") from None
    systems = node.texts("systems")
    if not systems or any(s not in SYSTEMS for s in systems):
        raise node.fail("systems", f"one or more of {', '.join(SYSTEMS)}")
    try:
        measure = Measure(node.text("measure"))
    except ValueError:
        raise node.fail("measure", ", ".join(m.value for m in Measure)) from None
    return PublishedRate(
        kind=kind,
        depth=depth,
        systems=systems,
        setting=node.text("setting"),
        measure=measure,
        value=node.decimal("value"),
        low=node.decimal("low") if node.has("low") else None,
        high=node.decimal("high") if node.has("high") else None,
        provenance=node.provenance(),
    )


@dataclass(frozen=True, slots=True)
class Period:
    first: date
    last: date  # inclusive

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError("a period cannot end before it starts")

    def covers(self, on: date) -> bool:
        return self.first <= on <= self.last


def device_days(start: date, stop: date, period: Period) -> int:
    """Days of exposure from `start` to `stop` (explant, death or as-of) inside the period."""
    begin = max(start, period.first)
    end = min(stop, period.last + timedelta(days=1))
    return max(0, (end - begin).days)


@dataclass(frozen=True, slots=True)
class Exposure:
    patient: str
    system: str
    days: int  # already clipped to the period (device_days)


@dataclass(frozen=True, slots=True)
class Event:
    patient: str
    system: str | None  # None: no device could be linked to it
    kind: ComplicationKind
    depth: InfectionDepth | None
    on: date


@dataclass(frozen=True, slots=True)
class Comparison:
    published: PublishedRate
    ours: Interval | None  # the clinic's figure on the same measure, when it has one


@dataclass(frozen=True, slots=True)
class RateRow:
    kind: ComplicationKind
    depth: InfectionDepth | None
    events: int
    patients_with_event: int
    per_1000_device_days: Interval | None
    per_patient: Interval | None  # proportion, as a fraction of 1
    comparisons: tuple[Comparison, ...]

    @property
    def label(self) -> str:
        return f"… {self.depth.label.lower()}" if self.depth else self.kind.label

    @property
    def per_patient_percent(self) -> Interval | None:
        return self.per_patient.scaled(Decimal(100)) if self.per_patient else None


@dataclass(frozen=True, slots=True)
class SafetyRates:
    period: Period
    system: str | None
    patients: int
    device_days: int
    refills: int
    level: Sourced[Decimal]
    rows: tuple[RateRow, ...]
    not_counted: int  # events in the period from patients with no device-days in it


def safety_rates(
    events: Iterable[Event],
    exposures: Iterable[Exposure],
    refills: int,
    rules: SurveillanceRules,
    period: Period,
    system: str | None = None,
) -> SafetyRates:
    """Rates by kind (and infection depth) for the period, for one system type or all."""
    chosen = [e for e in exposures if e.days > 0 and (system is None or e.system == system)]
    days = sum(e.days for e in chosen)
    patients = {e.patient for e in chosen}
    in_period = [
        e for e in events if period.covers(e.on) and (system is None or e.system == system)
    ]
    counted = [e for e in in_period if e.patient in patients]
    context = _Context(days, len(patients), refills, rules.level.value)
    rows: list[RateRow] = []
    for kind in ComplicationKind:
        of_kind = [e for e in counted if e.kind is kind]
        rows.append(context.row(kind, None, of_kind, _comparable(rules, kind, None, system)))
        if kind is ComplicationKind.INFECTION:
            for depth in InfectionDepth:
                matching = [e for e in of_kind if e.depth is depth]
                published = _comparable(rules, kind, depth, system)
                rows.append(context.row(kind, depth, matching, published))
    return SafetyRates(
        period,
        system,
        len(patients),
        days,
        refills,
        rules.level,
        tuple(rows),
        len(in_period) - len(counted),
    )


def _comparable(
    rules: SurveillanceRules,
    kind: ComplicationKind,
    depth: InfectionDepth | None,
    system: str | None,
) -> list[PublishedRate]:
    return [
        p
        for p in rules.published
        if p.kind is kind and p.depth is depth and (system is None or system in p.systems)
    ]


@dataclass(frozen=True, slots=True)
class _Context:
    days: int
    patients: int
    refills: int
    level: Decimal

    def row(
        self,
        kind: ComplicationKind,
        depth: InfectionDepth | None,
        events: Sequence[Event],
        published: Sequence[PublishedRate],
    ) -> RateRow:
        with_event = len({e.patient for e in events})
        per_days = (
            poisson_rate(len(events), self.days, PER_DEVICE_DAYS, self.level) if self.days else None
        )
        per_patient = (
            wilson_proportion(with_event, self.patients, self.level) if self.patients else None
        )
        comparisons = tuple(
            Comparison(p, self._ours(p.measure, len(events), per_patient)) for p in published
        )
        return RateRow(kind, depth, len(events), with_event, per_days, per_patient, comparisons)

    def _ours(self, measure: Measure, events: int, per_patient: Interval | None) -> Interval | None:
        if measure is Measure.PERCENT_OF_PATIENTS:
            return per_patient.scaled(Decimal(100)) if per_patient else None
        if measure is Measure.PER_PATIENT_YEAR:
            if not self.days:
                return None
            return poisson_rate(events, self.days, DAYS_PER_YEAR, self.level)
        return poisson_rate(events, self.refills, 10000, self.level) if self.refills else None
