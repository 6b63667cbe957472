"""The reservoir's volume day by day from a fill until it is empty: the data for a plot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from ithaca.clinical.errors import QuantityOutOfRange
from ithaca.clinical.quantities import FlowRate, Unit, Volume, volume_moved

# Ten years of days. No reservoir lasts that long between refills; a fill that would is a
# typing error in the dose or concentration, and a date that far out is no plan.
MAX_PLAUSIBLE_DAYS = 3660


@dataclass(frozen=True, slots=True)
class TrajectoryPoint:
    on: date
    volume: Volume


def reservoir_trajectory(
    fill_volume: Volume, filled_on: date, daily_volume: FlowRate, until: date | None = None
) -> tuple[TrajectoryPoint, ...]:
    """One point a day from the fill, never below zero, ending on the day it is empty
    (or on `until`, whichever is first)."""
    if not daily_volume.is_positive():
        raise QuantityOutOfRange("a daily volume", str(daily_volume), "it must be above zero")
    points: list[TrajectoryPoint] = []
    for day in range(MAX_PLAUSIBLE_DAYS + 1):
        on = filled_on + timedelta(days=day)
        if until is not None and on > until:
            break
        left = fill_volume - volume_moved(daily_volume, day)
        points.append(
            TrajectoryPoint(on, left if left.magnitude > 0 else Volume(Decimal(0), Unit.ML))
        )
        if left.magnitude <= 0:
            break
    return tuple(points)
