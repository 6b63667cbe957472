"""Anticoagulant and antiplatelet holds before an intrathecal implant, and their dates.

The hold times are ASRA 2018 values for a high-risk procedure, read from eligibility.toml.
A plan turns one hold into dates for a planned start: the core never reads the clock, so
the start is always passed in, and nothing here judges whether a date has already passed.

Date convention (an ithaca convention that needs local sign-off, stated in the data file
and in every dated instruction): for a hold of N days before a procedure on day D, the
first drug-free day is D - N and the last allowed dose is on day D - (N + 1).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import Enum

from ithaca.clinical.datareader import Node
from ithaca.clinical.errors import LibraryInvalid, UnknownAnticoagulant
from ithaca.clinical.sourced import Sourced
from ithaca.clinical.sources import Confidence, Provenance

DRUG_KINDS = ("anticoagulant", "antiplatelet", "nsaid")

# Every key a hold table may hold; anything else is a typo that would silently drop a rule.
_HOLD_KEYS = frozenset(
    {
        "name",
        "kind",
        "days",
        "low",
        "high",
        "hours",
        "half_lives",
        "instruction",
        "alternative_days",
        "alternative_when",
        "requires_normal_inr",
        "restart_hours",
        "restart_hours_low",
        "restart_hours_high",
        "source",
        "confidence",
        "note",
        "verified_by",
        "verified_on",
    }
)

CONVENTION_TEXT = (
    "dates use the convention last dose on day -(N+1), first drug-free day -N, "
    "which needs local clinical sign-off"
)
UNCONFIRMED_TEXT = "unconfirmed: verify against the ASRA 2018 table"


class HoldKind(Enum):
    DAYS = "days"  # stop a number of days before: dates
    HOURS = "hours"  # last dose a number of hours before the start: a date and time
    HALF_LIVES = "half_lives"  # depends on the drug's half-life: no date
    DECISION = "decision"  # no number: a decision with the prescriber


@dataclass(frozen=True, slots=True)
class Span:
    """A count, or a range low-high of the same unit (12-24 h, 7-10 days)."""

    low: int
    high: int

    def describe(self, unit: str) -> str:
        if self.low == self.high:
            return count_of(self.low, unit)
        return f"{self.low}-{self.high} {unit}"


def count_of(count: int, unit: str) -> str:
    """'1 day', '5 days'; units that are symbols ('h') are never pluralised."""
    return f"{count} {unit.removesuffix('s') if count == 1 else unit}"


@dataclass(frozen=True, slots=True)
class HoldRule:
    id: str
    name: str
    drug_kind: str  # anticoagulant, antiplatelet or nsaid
    provenance: Provenance
    days: Span | None = None
    hours: int | None = None
    half_lives: int | None = None
    instruction: str | None = None
    alternative_days: int | None = None
    alternative_when: str | None = None
    requires_normal_inr: bool = False
    restart_hours: Span | None = None

    @property
    def kind(self) -> HoldKind:
        if self.days is not None:
            return HoldKind.DAYS
        if self.hours is not None:
            return HoldKind.HOURS
        if self.half_lives is not None:
            return HoldKind.HALF_LIVES
        return HoldKind.DECISION

    @property
    def unconfirmed(self) -> bool:
        """A U value nobody at the clinic has checked: advisory wording, never a refusal."""
        return self.provenance.unconfirmed_and_unverified

    @property
    def hold_days(self) -> int | None:
        """The day count the dates use: the high (longer) end of a range."""
        return self.days.high if self.days is not None else None


@dataclass(frozen=True, slots=True)
class HoldRules:
    procedure_risk: Sourced[str]
    convention: Provenance
    drugs: Mapping[str, HoldRule]

    def rule(self, drug_id: str) -> HoldRule:
        key = drug_id.strip().lower()
        if key not in self.drugs:
            raise UnknownAnticoagulant(drug_id, sorted(self.drugs))
        return self.drugs[key]


@dataclass(frozen=True, slots=True)
class HoldPlan:
    """One drug's hold for one planned start (or for no start yet: then no dates)."""

    rule: HoldRule
    procedure_start: datetime | None
    last_dose_day: date | None = None
    first_drug_free_day: date | None = None
    last_dose_by: datetime | None = None
    alternative_last_dose_day: date | None = None

    @property
    def due(self) -> date | None:
        """The date by which something must be done: the last dose, for ordering."""
        if self.last_dose_day is not None:
            return self.last_dose_day
        return self.last_dose_by.date() if self.last_dose_by is not None else None

    def explain(self) -> str:
        """The full sentence shown with the finding."""
        parts = [f"{self.rule.name}: {self._timing()}"]
        if self.rule.requires_normal_inr:
            parts.append("and a normal INR before the procedure")
        parts.append(_restart_text(self.rule.restart_hours))
        text = "; ".join(parts) + "."
        if self.rule.kind is HoldKind.DAYS and self.last_dose_day is not None:
            text += f" The {CONVENTION_TEXT}."
        return _with_confidence(text, self.rule)

    def action(self) -> str:
        """The short 'before implant' line."""
        text = f"{self.rule.name}: {self._action_timing()}"
        if self.rule.requires_normal_inr:
            text += "; check a normal INR before the procedure"
        return f"({UNCONFIRMED_TEXT}) {text}" if self.rule.unconfirmed else text

    def _timing(self) -> str:
        rule = self.rule
        if rule.days is not None:
            return self._days_timing(rule.days)
        if rule.kind is HoldKind.HOURS:
            return self._hours_timing()
        return (rule.instruction or "").rstrip(".")

    def _days_timing(self, days: Span) -> str:
        text = f"stop {days.describe('days')} before the implant"
        if days.low != days.high:
            text += f" (the dates use {days.high} days, the high end of the range)"
        if self.last_dose_day is None or self.first_drug_free_day is None:
            return text + "; set the implant date to get the stop dates"
        text += (
            f": last dose on {self.last_dose_day.isoformat()}, "
            f"first drug-free day {self.first_drug_free_day.isoformat()}"
        )
        return text + self._alternative_text()

    def _alternative_text(self) -> str:
        rule = self.rule
        if rule.alternative_days is None or self.alternative_last_dose_day is None:
            return ""
        return (
            f" ({count_of(rule.alternative_days, 'days')} if {rule.alternative_when}: "
            f"last dose on {self.alternative_last_dose_day.isoformat()})"
        )

    def _hours_timing(self) -> str:
        text = f"last dose at least {self.rule.hours} h before the planned start"
        if self.last_dose_by is None:
            return text + "; set the implant date and time to get the last dose time"
        return text + f": no later than {_when(self.last_dose_by)}"

    def _action_timing(self) -> str:
        rule = self.rule
        if self.last_dose_day is not None:
            return f"last dose on {self.last_dose_day.isoformat()}"
        if self.last_dose_by is not None:
            return f"last dose no later than {_when(self.last_dose_by)}"
        if rule.kind is HoldKind.DAYS and rule.hold_days is not None:
            return (
                f"stop {count_of(rule.hold_days, 'days')} before the implant "
                f"(last dose on day -{rule.hold_days + 1}); set the implant date"
            )
        if rule.kind is HoldKind.HOURS:
            return f"last dose at least {rule.hours} h before the start; set the implant date"
        return (rule.instruction or "").rstrip(".")


def plan_hold(rule: HoldRule, procedure_start: datetime | None) -> HoldPlan:
    """The dates for one hold. Arithmetic only: aware or naive starts are treated alike."""
    if procedure_start is None:
        return HoldPlan(rule, None)
    if rule.kind is HoldKind.HOURS and rule.hours is not None:
        return HoldPlan(
            rule, procedure_start, last_dose_by=last_dose_by(procedure_start, rule.hours)
        )
    if rule.hold_days is None:
        return HoldPlan(rule, procedure_start)
    day = procedure_start.date()
    alternative = (
        last_dose_day(day, rule.alternative_days) if rule.alternative_days is not None else None
    )
    return HoldPlan(
        rule,
        procedure_start,
        last_dose_day=last_dose_day(day, rule.hold_days),
        first_drug_free_day=first_drug_free_day(day, rule.hold_days),
        alternative_last_dose_day=alternative,
    )


def first_drug_free_day(procedure_day: date, days: int) -> date:
    return procedure_day - timedelta(days=days)


def last_dose_day(procedure_day: date, days: int) -> date:
    # The dose on day -(N+1) is the last one, so days -N to -1 are N whole drug-free days.
    return procedure_day - timedelta(days=days + 1)


def last_dose_by(procedure_start: datetime, hours: int) -> datetime:
    """The start minus `hours` of real elapsed time, shown on the start's own clock.

    Python subtracts an aware datetime on its wall clock, so 24 h before 09:00 on the day
    the clocks go forward would be only 23 real hours: the sum is done in UTC instead. A
    naive start (no zone) can only be counted on the wall clock; callers give a zone."""
    if procedure_start.tzinfo is None:
        return procedure_start - timedelta(hours=hours)
    elapsed = procedure_start.astimezone(UTC) - timedelta(hours=hours)
    return elapsed.astimezone(procedure_start.tzinfo)


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def _restart_text(restart: Span | None) -> str:
    if restart is None:
        return "the reference gives no restart time: agree it with the implanting team"
    return f"restart no sooner than {restart.describe('h')} after the procedure"


def _with_confidence(text: str, rule: HoldRule) -> str:
    if rule.unconfirmed:
        return f"{UNCONFIRMED_TEXT}. {text} {rule.provenance.note}".rstrip()
    if rule.provenance.confidence is Confidence.SECONDARY:
        return f"{text} Secondary source: {rule.provenance.note}".rstrip()
    return text


# --- reading the hold table ---


def read_hold_rules(root: Node) -> HoldRules:
    """The [anticoagulants.*] tables and the procedure risk and date convention they rest on."""
    header = root.child("eligibility")
    risk = header.child("procedure_risk")
    if risk.text("value") != "high":
        raise risk.fail("value", "the hold times are ASRA 2018 values for a high-risk procedure")
    drugs = {
        drug_id: read_hold_rule(drug_id, node)
        for drug_id, node in root.child("anticoagulants").tables()
    }
    if not drugs:
        raise root.fail("anticoagulants", "at least one hold rule is expected")
    return HoldRules(
        procedure_risk=Sourced("high", risk.provenance()),
        convention=header.child("hold_convention").provenance(),
        drugs=drugs,
    )


def read_hold_rule(drug_id: str, node: Node) -> HoldRule:
    if drug_id != drug_id.strip().lower():
        raise LibraryInvalid(node.where, "a drug id is lower case, without spaces around it")
    _refuse_unknown_keys(node)
    kind = node.text("kind")
    if kind not in DRUG_KINDS:
        raise node.fail("kind", f"must be one of: {', '.join(DRUG_KINDS)}")
    rule = HoldRule(
        id=drug_id,
        name=node.text("name"),
        drug_kind=kind,
        provenance=node.provenance(),
        days=_day_span(node),
        hours=_optional_count(node, "hours"),
        half_lives=_optional_count(node, "half_lives"),
        instruction=node.optional_text("instruction"),
        alternative_days=_optional_count(node, "alternative_days"),
        alternative_when=node.optional_text("alternative_when"),
        requires_normal_inr=node.boolean("requires_normal_inr")
        if node.has("requires_normal_inr")
        else False,
        restart_hours=_span(node, "restart_hours", "restart_hours_low", "restart_hours_high"),
    )
    _check_timing(rule, node)
    return rule


def _refuse_unknown_keys(node: Node) -> None:
    for key in node.data:
        if key not in _HOLD_KEYS:
            raise node.fail(key, f"not a hold key; known: {', '.join(sorted(_HOLD_KEYS))}")


def _check_timing(rule: HoldRule, node: Node) -> None:
    timings = [t for t in (rule.days, rule.hours, rule.half_lives) if t is not None]
    if len(timings) > 1:
        raise node.fail("days", "give one of days (or low/high), hours or half_lives")
    if rule.kind in (HoldKind.HALF_LIVES, HoldKind.DECISION) and rule.instruction is None:
        raise node.fail("instruction", "a hold without a day or hour count says what to do")
    if (rule.alternative_days is None) != (rule.alternative_when is None):
        raise node.fail("alternative_days", "alternative_days and alternative_when go together")
    if rule.alternative_days is not None and rule.days is None:
        raise node.fail("alternative_days", "an alternative day count needs a day count")


def _day_span(node: Node) -> Span | None:
    return _span(node, "days", "low", "high")


def _span(node: Node, single: str, low_key: str, high_key: str) -> Span | None:
    if node.has(single):
        if node.has(low_key) or node.has(high_key):
            raise node.fail(single, f"give {single} or {low_key}/{high_key}, not both")
        count = _count(node, single)
        return Span(count, count)
    if not (node.has(low_key) or node.has(high_key)):
        return None
    low, high = _count(node, low_key), _count(node, high_key)
    if low >= high:
        raise node.fail(high_key, f"{high_key} must be above {low_key}")
    return Span(low, high)


def _optional_count(node: Node, key: str) -> int | None:
    return _count(node, key) if node.has(key) else None


def _count(node: Node, key: str) -> int:
    """A whole number above zero, written as a string."""
    value = node.decimal(key)
    if value != value.to_integral_value() or value <= 0:
        raise node.fail(key, "a whole number above zero is expected")
    return int(value)
