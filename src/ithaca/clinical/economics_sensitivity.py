"""One-way sensitivity analysis: each number of the model moved to its low and its high
value on its own, the others held, and what that does to the comparison.

The range of a number is the clinic's own (`low` and `high` in the clinic file) where it set
one, else its value ± the clinic's percentage (an ithaca-policy default until the clinic
sets its own). The outcome read at each end is the cost difference at a chosen month
(implanted minus the other option) and the break-even month. Bars are sorted widest first,
for a tornado plot. A replacement interval is not varied.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ithaca.clinical.economics import (
    CostModel,
    Figure,
    OptionId,
    break_even_month,
    difference_at,
)
from ithaca.clinical.money import Money
from ithaca.clinical.sourced import Sourced

HUNDRED = Decimal(100)

TORNADO_FORMULA = (
    "each number is set to its low and then its high value, the others unchanged; each bar "
    "shows the cumulative cost of the implanted pump minus that of the other option at the "
    "chosen month; bars are sorted by their width"
)


@dataclass(frozen=True, slots=True)
class Swing:
    option: OptionId
    line_id: str
    label: str
    part: str  # "cost" or "rate"
    base: Decimal
    low: Decimal
    high: Decimal
    range_basis: str
    difference_low: Money
    difference_high: Money
    break_even_low: int | None
    break_even_high: int | None

    @property
    def width(self) -> Decimal:
        return abs(self.difference_high.amount - self.difference_low.amount)


@dataclass(frozen=True, slots=True)
class Tornado:
    against: OptionId
    at_month: int
    horizon: int
    percent: Sourced[Decimal]
    base_difference: Money
    base_break_even: int | None
    swings: tuple[Swing, ...]  # widest first
    model: CostModel = field(repr=False)
    formula: str = TORNADO_FORMULA


def value_range(figure: Figure, percent: Decimal) -> tuple[Decimal, Decimal, str]:
    """(low, high, how the range was set) for one number."""
    if figure.low is not None and figure.high is not None:
        return figure.low, figure.high, "the clinic's own range"
    share = percent / HUNDRED
    low = max(figure.value * (1 - share), Decimal(0))
    return low, figure.value * (1 + share), f"± {percent}%"


def one_way(
    model: CostModel,
    against: OptionId,
    at_month: int,
    horizon: int,
    percent: Sourced[Decimal],
) -> Tornado:
    """Every number of the implanted option and of `against`, moved one at a time."""
    if not Decimal(0) < percent.value < HUNDRED:
        raise ValueError("the sensitivity range is a percentage above 0 and below 100")
    swings = []
    for option, line, part, figure in model.figures():
        if option.option not in (OptionId.IMPLANTED, against):
            continue
        low, high, basis = value_range(figure, percent.value)
        at_low = model.with_figure(option.option, line.id, part, low)
        at_high = model.with_figure(option.option, line.id, part, high)
        label = line.label if part == "cost" else f"{line.label}: events per month"
        swings.append(
            Swing(
                option=option.option,
                line_id=line.id,
                label=f"{option.option.words}: {label}",
                part=part,
                base=figure.value,
                low=low,
                high=high,
                range_basis=basis,
                difference_low=_difference(at_low, against, at_month),
                difference_high=_difference(at_high, against, at_month),
                break_even_low=break_even_month(at_low, OptionId.IMPLANTED, against, horizon),
                break_even_high=break_even_month(at_high, OptionId.IMPLANTED, against, horizon),
            )
        )
    swings.sort(key=lambda s: (-s.width, s.label))
    return Tornado(
        against=against,
        at_month=at_month,
        horizon=horizon,
        percent=percent,
        base_difference=_difference(model, against, at_month),
        base_break_even=break_even_month(model, OptionId.IMPLANTED, against, horizon),
        swings=tuple(swings),
        model=model,
    )


def _difference(model: CostModel, against: OptionId, at_month: int) -> Money:
    return model.money(difference_at(model, OptionId.IMPLANTED, against, at_month))
