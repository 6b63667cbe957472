"""The cost of three options over time: an implanted pump, an external pump with a tunnelled
catheter, and comprehensive medical management (CMM).

What is modelled, and nothing more:
- each option is a list of cost lines: one-off (paid at month 0: device, procedure, trial),
  per day (IT drugs, systemic opioids; × 30.4375 days a month, 365.25 / 12), per month
  (external pump supplies), and per event (refills, home visits, admissions: events per
  month × cost per event);
- an option may name one-off lines paid again every N months (a pump replacement);
- a month's recurring costs are the same every month: no discounting, no inflation, no
  change in dose or admissions over time, no complications beyond what the lines hold.

Money is exact (Decimal with an ISO currency code; one currency per model). Every result
carries the model it came from, so the page can show each input, its provenance, and the
formula. The sensitivity analysis lives in economics_sensitivity.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import Enum

from ithaca.clinical.economics_survival import SurvivalCurve
from ithaca.clinical.money import Money
from ithaca.clinical.sourced import Sourced
from ithaca.clinical.sources import Provenance

DAYS_PER_MONTH = Decimal("30.4375")  # 365.25 / 12: a calendar average, not a clinical number
PUBLISHED_WARNING = "published US payer figures, not this clinic's"

CUMULATIVE_FORMULA = (
    "cumulative(m) = one-off costs + m × monthly cost + replacements due by month m; "
    "monthly cost = Σ per-day costs × 30.4375 + Σ per-month costs "
    "+ Σ (events per month × cost per event)"
)
BREAK_EVEN_FORMULA = (
    "break-even = the first month m from 0 to the horizon where cumulative(implanted, m) ≤ "
    "cumulative(other option, m); none if that does not happen within the horizon"
)
EXPECTED_FORMULA = (
    "expected cost = one-off costs + Σ over months m = 1..N of P(alive at the start of "
    "month m) × cost of month m; survival beyond month N is not costed"
)


class OptionId(Enum):
    IMPLANTED = "implanted"
    EXTERNAL = "external"
    CMM = "cmm"

    @property
    def words(self) -> str:
        return {
            "implanted": "Implanted pump",
            "external": "External pump with tunnelled catheter",
            "cmm": "Comprehensive medical management",
        }[self.value]


class LineKind(Enum):
    ONE_OFF = "one_off"
    PER_DAY = "per_day"
    PER_MONTH = "per_month"
    PER_EVENT = "per_event"

    @property
    def words(self) -> str:
        return {
            "one_off": "once",
            "per_day": "per day",
            "per_month": "per month",
            "per_event": "per event",
        }[self.value]


@dataclass(frozen=True, slots=True)
class Figure:
    """One number of the model and what it rests on. `published` is the context of a
    published figure standing in for a clinic's own (empty for the clinic's own)."""

    value: Decimal
    provenance: Provenance
    low: Decimal | None = None  # the clinic's own range for the sensitivity analysis
    high: Decimal | None = None
    published: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.value, Decimal) or self.value < 0:
            raise ValueError("a cost or a count is a Decimal of zero or more")


@dataclass(frozen=True, slots=True)
class CostLine:
    id: str
    label: str
    kind: LineKind
    cost: Figure  # money in the model's currency: once, per day, per month or per event
    rate: Figure | None = None  # events per month, for a per-event line only

    def __post_init__(self) -> None:
        if (self.kind is LineKind.PER_EVENT) != (self.rate is not None):
            raise ValueError(f"{self.id}: events per month go with a per-event line, only")

    def once(self) -> Decimal:
        return self.cost.value if self.kind is LineKind.ONE_OFF else Decimal(0)

    def monthly(self) -> Decimal:
        if self.kind is LineKind.PER_DAY:
            return self.cost.value * DAYS_PER_MONTH
        if self.kind is LineKind.PER_MONTH:
            return self.cost.value
        if self.kind is LineKind.PER_EVENT and self.rate is not None:
            return self.cost.value * self.rate.value
        return Decimal(0)


@dataclass(frozen=True, slots=True)
class Replacement:
    """One-off lines paid again every N months (e.g. device and procedure for a new pump)."""

    every_months: Sourced[int]
    lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class OptionCosts:
    option: OptionId
    lines: tuple[CostLine, ...]
    replacement: Replacement | None = None

    def one_off(self) -> Decimal:
        return sum((line.once() for line in self.lines), Decimal(0))

    def monthly(self) -> Decimal:
        return sum((line.monthly() for line in self.lines), Decimal(0))

    def replacement_cost(self) -> Decimal:
        if self.replacement is None:
            return Decimal(0)
        named = set(self.replacement.lines)
        return sum((line.once() for line in self.lines if line.id in named), Decimal(0))

    def replaced_in(self, month: int) -> bool:
        every = self.replacement.every_months.value if self.replacement else 0
        return every > 0 and month > 0 and month % every == 0

    def in_month(self, month: int) -> Decimal:
        """What month m (1, 2, ...) adds: its recurring costs, and a replacement if due."""
        extra = self.replacement_cost() if self.replaced_in(month) else Decimal(0)
        return self.monthly() + extra

    def line(self, line_id: str) -> CostLine:
        return next(line for line in self.lines if line.id == line_id)


@dataclass(frozen=True, slots=True)
class CostModel:
    currency: str
    options: tuple[OptionCosts, ...]
    published_used: bool = False  # a published figure stands in for a clinic's own
    basis: str = "this clinic's figures"

    def __post_init__(self) -> None:
        Money.zero(self.currency)  # refuses a code that is not ISO-shaped

    def option(self, option: OptionId) -> OptionCosts:
        return next(o for o in self.options if o.option is option)

    def has(self, option: OptionId) -> bool:
        return any(o.option is option for o in self.options)

    def money(self, amount: Decimal) -> Money:
        return Money(amount, self.currency)

    def figures(self) -> Iterator[tuple[OptionCosts, CostLine, str, Figure]]:
        """Every number of the model: (option, line, 'cost' or 'rate', figure)."""
        for option in self.options:
            for line in option.lines:
                yield option, line, "cost", line.cost
                if line.rate is not None:
                    yield option, line, "rate", line.rate

    def with_figure(self, option: OptionId, line_id: str, part: str, value: Decimal) -> CostModel:
        """The same model with one number changed (for sensitivity and property tests)."""

        def changed(line: CostLine) -> CostLine:
            if line.id != line_id:
                return line
            if part == "rate" and line.rate is not None:
                return replace(line, rate=replace(line.rate, value=value))
            return replace(line, cost=replace(line.cost, value=value))

        options = tuple(
            replace(o, lines=tuple(changed(line) for line in o.lines)) if o.option is option else o
            for o in self.options
        )
        return replace(self, options=options)


@dataclass(frozen=True, slots=True)
class Cumulative:
    option: OptionId
    by_month: tuple[Money, ...]  # index m: cumulative cost at the end of month m (0 = one-offs)
    model: CostModel = field(repr=False)
    formula: str = CUMULATIVE_FORMULA


@dataclass(frozen=True, slots=True)
class BreakEven:
    option: OptionId
    against: OptionId
    month: int | None
    horizon: int
    model: CostModel = field(repr=False)
    formula: str = BREAK_EVEN_FORMULA


@dataclass(frozen=True, slots=True)
class ExpectedCost:
    option: OptionId
    amount: Money
    curve: SurvivalCurve
    model: CostModel = field(repr=False)
    formula: str = EXPECTED_FORMULA

    @property
    def uncosted_beyond(self) -> Decimal:
        """P(alive after the horizon) is at most this: those months are not costed."""
        return self.curve.beyond


def cumulative_amounts(option: OptionCosts, horizon: int) -> list[Decimal]:
    if horizon < 0:
        raise ValueError("the horizon is zero or more months")
    total = option.one_off()
    amounts = [total]
    for month in range(1, horizon + 1):
        total += option.in_month(month)
        amounts.append(total)
    return amounts


def cumulative(model: CostModel, option: OptionId, horizon: int) -> Cumulative:
    amounts = cumulative_amounts(model.option(option), horizon)
    return Cumulative(option, tuple(model.money(a) for a in amounts), model)


def break_even_month(
    model: CostModel, option: OptionId, against: OptionId, horizon: int
) -> int | None:
    mine = cumulative_amounts(model.option(option), horizon)
    theirs = cumulative_amounts(model.option(against), horizon)
    return next((m for m, (a, b) in enumerate(zip(mine, theirs, strict=True)) if a <= b), None)


def break_even(model: CostModel, against: OptionId, horizon: int) -> BreakEven:
    """When the implanted pump has cost no more than `against`, counting from the implant."""
    month = break_even_month(model, OptionId.IMPLANTED, against, horizon)
    return BreakEven(OptionId.IMPLANTED, against, month, horizon, model)


def difference_at(model: CostModel, option: OptionId, against: OptionId, month: int) -> Decimal:
    """cumulative(option, month) − cumulative(against, month): below zero, `option` costs less."""
    mine = cumulative_amounts(model.option(option), month)[-1]
    return mine - cumulative_amounts(model.option(against), month)[-1]


def expected_amount(option: OptionCosts, curve: SurvivalCurve) -> Decimal:
    recurring = sum(
        (p * option.in_month(m) for m, p in enumerate(curve.alive, start=1)), Decimal(0)
    )
    return option.one_off() + recurring


def expected_cost(model: CostModel, option: OptionId, curve: SurvivalCurve) -> ExpectedCost:
    amount = expected_amount(model.option(option), curve)
    return ExpectedCost(option, model.money(amount), curve, model)
