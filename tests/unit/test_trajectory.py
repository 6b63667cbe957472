"""The reservoir's volume day by day: the data for a refill plot."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

import pytest

from ithaca.clinical.errors import QuantityOutOfRange
from ithaca.clinical.quantities import FlowRate, Unit
from ithaca.clinical.trajectory import reservoir_trajectory

FILLED = date(2026, 1, 5)


def test_the_trajectory_starts_at_the_fill_volume_on_the_fill_day(q):
    points = reservoir_trajectory(q("20 mL"), FILLED, q("0.5 mL/day"))
    assert points[0].on == FILLED
    assert points[0].volume == q("20 mL")


def test_there_is_one_point_a_day_with_no_gaps(q):
    points = reservoir_trajectory(q("20 mL"), FILLED, q("0.5 mL/day"))
    for before, after in itertools.pairwise(points):
        assert after.on - before.on == timedelta(days=1)


def test_the_volume_falls_by_the_daily_volume_each_day(q):
    # day 1: 20 − 0.5 = 19.5 mL; day 10: 20 − 5 = 15 mL
    points = reservoir_trajectory(q("20 mL"), FILLED, q("0.5 mL/day"))
    assert points[1].volume == q("19.5 mL")
    assert points[10].volume == q("15 mL")


def test_the_trajectory_ends_at_zero_on_the_day_it_is_empty(q):
    # 20 mL ÷ 0.5 mL/day = 40 days: 2026-01-05 + 40 = 2026-02-14; days 0..40 = 41 points
    points = reservoir_trajectory(q("20 mL"), FILLED, q("0.5 mL/day"))
    assert len(points) == 41
    assert points[-1].on == date(2026, 2, 14)
    assert points[-1].volume == q("0 mL")
    assert all(p.volume.is_positive() for p in points[:-1])


def test_the_volume_is_never_negative_when_the_last_day_overshoots(q):
    # 20 ÷ 0.3 = 66.67 days: day 66 leaves 20 − 19.8 = 0.2 mL; day 67 would be −0.1 -> 0
    points = reservoir_trajectory(q("20 mL"), FILLED, q("0.3 mL/day"))
    assert all(p.volume.magnitude >= 0 for p in points)
    assert points[-2].volume == q("0.2 mL")
    assert points[-1].volume == q("0 mL")
    assert len(points) == 68  # days 0..67
    assert points[-1].on == FILLED + timedelta(days=67)


def test_until_cuts_the_trajectory_short(q):
    # until 2026-01-15 = day 10: days 0..10 = 11 points, last 20 − 5 = 15 mL
    points = reservoir_trajectory(q("20 mL"), FILLED, q("0.5 mL/day"), until=date(2026, 1, 15))
    assert len(points) == 11
    assert points[-1].on == date(2026, 1, 15)
    assert points[-1].volume == q("15 mL")


def test_until_after_the_empty_day_does_not_extend_the_trajectory(q):
    points = reservoir_trajectory(q("20 mL"), FILLED, q("0.5 mL/day"), until=date(2027, 1, 1))
    assert points[-1].on == date(2026, 2, 14)
    assert points[-1].volume == q("0 mL")


def test_until_on_the_fill_day_gives_the_fill_alone(q):
    points = reservoir_trajectory(q("20 mL"), FILLED, q("0.5 mL/day"), until=FILLED)
    assert len(points) == 1
    assert points[0].volume == q("20 mL")


def test_a_zero_daily_volume_is_refused(q):
    with pytest.raises(QuantityOutOfRange):
        reservoir_trajectory(q("20 mL"), FILLED, FlowRate(Decimal(0), Unit.ML_PER_DAY))
