"""Kaplan-Meier survival with Greenwood intervals, worked by hand on a tiny cohort."""

from __future__ import annotations

import itertools
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ithaca.clinical.survival import (
    Interval,
    NegativeSurvivalTime,
    Observation,
    kaplan_meier,
    months_to_days,
)

# Five patients, days from implant: death at 2, censored at 3, death and censoring at 5,
# death at 8.
#   day 2: n=5, d=1  S = 4/5 = 0.8           Σ = 1/(5·4) = 0.05       SE = 0.8·√0.05 = 0.178885
#   day 3: n=4, c=1  S stays 0.8
#   day 5: n=3, d=1, c=1  S = 0.8·2/3 = 8/15   Σ = 0.05 + 1/(3·2) = 13/60   SE = 8/15·√(13/60) = 0.248253
#   day 8: n=1, d=1  S = 0 (the last one at risk died; Σ is not extended, the interval closes)
# The median is the first day S ≤ 1/2: day 8.
TINY = [
    Observation(2, True),
    Observation(3, False),
    Observation(5, True),
    Observation(5, False),
    Observation(8, True),
]


def close(value: Decimal, expected: str, places: str = "0.000001") -> bool:
    return abs(value - Decimal(expected)) <= Decimal(places)


def test_survival_falls_only_on_death_days_by_the_product_limit():
    km = kaplan_meier(TINY)
    assert [(s.day, s.at_risk, s.deaths, s.censored) for s in km.steps] == [
        (2, 5, 1, 0),
        (3, 4, 0, 1),
        (5, 3, 1, 1),
        (8, 1, 1, 0),
    ]
    assert [s.survival for s in km.steps] == [
        Fraction(4, 5),
        Fraction(4, 5),
        Fraction(8, 15),
        Fraction(0),
    ]
    assert (km.n, km.deaths, km.censored, km.median_days) == (5, 3, 2, 8)


def test_greenwood_standard_error_matches_the_hand_calculation():
    km = kaplan_meier(TINY)
    assert km.steps[0].greenwood_sum == Fraction(1, 20)
    assert km.steps[2].greenwood_sum == Fraction(13, 60)
    assert close(km.steps[0].se, "0.178885")
    assert close(km.steps[2].se, "0.248253")


def test_plain_interval_is_the_estimate_plus_or_minus_z_se_clipped_to_one():
    step = kaplan_meier(TINY, Interval.PLAIN).steps[0]
    assert close(step.lower, "0.449391")  # 0.8 − 1.959964 × 0.1788854 = 0.8 − 0.3506090
    assert step.upper == 1  # 0.8 + 0.350608 is above 1


def test_log_log_interval_by_hand_at_day_two():
    # σ = √0.05 / |ln 0.8| = 0.2236068 / 0.2231436 = 1.002076;
    # lower = 0.8^exp(1.959964σ) = 0.8^7.128016 = 0.203809;
    # upper = 0.8^exp(−1.959964σ) = 0.8^0.140291 = 0.969180
    step = kaplan_meier(TINY).steps[0]
    assert close(step.lower, "0.203809", "0.000001")
    assert close(step.upper, "0.969180", "0.000001")


def test_the_curve_says_nothing_beyond_the_last_day_followed():
    km = kaplan_meier([Observation(10, False), Observation(20, False)])
    assert km.at(5) is not None
    assert km.at(5).survival == 1
    assert km.at(21) is None
    assert km.median_days is None


def test_a_negative_time_is_refused_in_words():
    with pytest.raises(NegativeSurvivalTime, match="comes before the implant"):
        kaplan_meier([Observation(-1, True)])


def test_six_months_is_183_days_on_the_survival_axis():
    assert months_to_days(6) == 183  # 6 × 30.4375 = 182.625


observations = st.lists(
    st.builds(Observation, st.integers(min_value=0, max_value=2000), st.booleans()), max_size=60
)


@given(observations)
def test_survival_never_rises_and_stays_between_zero_and_one(data):
    km = kaplan_meier(data)
    values = [s.survival for s in km.steps]
    assert all(0 <= v <= 1 for v in values)
    assert all(later <= earlier for earlier, later in itertools.pairwise(values))
    for s in km.steps:
        assert 0 <= s.lower <= s.upper <= 1
