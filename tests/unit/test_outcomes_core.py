"""Pain change against baseline (Farrar 2001 thresholds), instrument scoring from a spec,
and the pathway funnel, without a database."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from ithaca.clinical.cohort import PatientRecord, cohort_outcomes
from ithaca.clinical.funnel import FunnelStep, PathRecord, funnel
from ithaca.clinical.instruments import (
    InstrumentSpecInvalid,
    ResponsesInvalid,
    TooFewAnswered,
    read_spec,
    score_instrument,
)
from ithaca.clinical.outcomes import (
    OpioidSpan,
    add_months,
    pain_change,
    pain_course,
    summarise,
)
from ithaca.clinical.pathway import Stage
from ithaca.datafiles import load_catalogue

RULES = load_catalogue().outcomes
D0 = date(2026, 1, 31)


def test_the_shipped_thresholds_are_farrar_2001_two_points_or_thirty_percent():
    assert RULES.change_points.value == 2
    assert RULES.change_percent.value == Decimal(30)
    assert RULES.change_points.provenance.source.id == "farrar-2001"
    assert RULES.intervals_months.value == (1, 3, 6)
    assert RULES.intervals_months.provenance.confidence.value == "U"


@pytest.mark.parametrize(
    ("baseline", "score", "points", "percent", "by_points", "by_percent"),
    [
        (8, 6, 2, Decimal("25.0"), True, False),  # 2 points, only 25%
        (3, 2, 1, Decimal("33.3"), False, True),  # 1 point, but a third
        (9, 8, 1, Decimal("11.1"), False, False),  # neither
        (10, 7, 3, Decimal("30.0"), True, True),  # exactly 30% counts
        (5, 7, -2, Decimal("-40.0"), False, False),  # worse is never important
        (0, 0, 0, None, False, False),  # no percentage from a baseline of 0
    ],
)
def test_change_from_baseline_by_points_or_percent(
    baseline, score, points, percent, by_points, by_percent
):
    change = pain_change(baseline, score, RULES)
    assert (change.points, change.percent) == (points, percent)
    assert (change.meets_points, change.meets_percent) == (by_points, by_percent)
    assert change.important is (by_points or by_percent)


def test_a_month_later_is_the_same_day_or_the_shorter_months_last_day():
    assert add_months(D0, 1) == date(2026, 2, 28)
    assert add_months(D0, 3) == date(2026, 4, 30)
    assert add_months(date(2025, 11, 15), 3) == date(2026, 2, 15)


def test_pain_course_takes_the_baseline_before_implant_and_the_nearest_score():
    pain = [
        (D0 - timedelta(days=40), 9),  # outside the 30-day baseline window
        (D0 - timedelta(days=3), 8),  # the baseline
        (D0, 7),  # the implant day itself is not a baseline
        (date(2026, 2, 20), 5),  # 8 days before the 1-month day (28 Feb)
        (date(2026, 3, 5), 4),  # 5 days after it: the nearest
    ]
    course = pain_course(pain, D0, date(2026, 6, 1), RULES)
    assert course.baseline == (D0 - timedelta(days=3), 8)
    first, third, sixth = course.intervals
    assert first.reading == (date(2026, 3, 5), 4)
    assert first.change.important
    assert third.due
    assert third.reading is None
    assert not sixth.due  # 31 July is after the follow-up


def test_quartiles_interpolate_and_keep_their_n():
    summary = summarise([1, 2, 3, 4])
    assert (summary.n, summary.median, summary.q1, summary.q3) == (
        4,
        Decimal("2.5"),
        Decimal("1.75"),
        Decimal("3.25"),
    )
    assert summarise([]).median is None


def test_stopping_systemic_opioids_is_counted_among_those_taking_them_before():
    record = PatientRecord(
        key="1",
        implanted_on=D0,
        opioids=(OpioidSpan(D0 - timedelta(days=90), D0 + timedelta(days=10), Decimal(240)),),
    )
    outcomes = cohort_outcomes([record], RULES, date(2026, 12, 31))
    assert outcomes.ome_before.median == 240
    first = outcomes.ome[0]
    assert (first.on_opioids_before, first.stopped, first.ome.median) == (1, 1, 0)


def test_the_living_are_censored_at_the_report_day_and_explant_does_not_censor():
    alive = PatientRecord("1", D0)
    dead = PatientRecord("2", D0, died_on=D0 + timedelta(days=30))
    km = cohort_outcomes([alive, dead], RULES, D0 + timedelta(days=100)).survival
    assert [(s.day, s.deaths, s.censored) for s in km.steps] == [(30, 1, 0), (100, 0, 1)]


BPI_INTERFERENCE = {
    "items": 7,
    "item_min": 0,
    "item_max": 10,
    "scoring": "mean",
    "minimum_answered": 4,
}
ZBI_12 = {"items": 12, "item_min": 0, "item_max": 4, "scoring": "sum", "minimum_answered": 12}


def test_a_mean_is_scored_from_the_answered_items():
    spec = read_spec(BPI_INTERFERENCE)
    result = score_instrument("BPI-SF", spec, [1, 2, 3, 4, None, None, None])
    assert result.scores == {"total": Decimal("2.50")}
    assert result.answered == 4


def test_too_few_answers_are_refused_not_scored():
    spec = read_spec(BPI_INTERFERENCE)
    with pytest.raises(TooFewAnswered, match=r"3 of its items answered.*at least 4"):
        score_instrument("BPI-SF", spec, [1, 2, 3, None, None, None, None])


def test_a_sum_needs_every_item_when_the_spec_says_so():
    spec = read_spec(ZBI_12)
    assert score_instrument("ZBI-12", spec, [2] * 12).scores == {"total": Decimal(24)}
    with pytest.raises(TooFewAnswered):
        score_instrument("ZBI-12", spec, [2] * 11 + [None])


def test_subscales_and_a_prorated_sum():
    spec = read_spec(
        {
            "items": 4,
            "item_min": 0,
            "item_max": 10,
            "scoring": "prorated_sum",
            "minimum_answered": 3,
            "subscales": [{"id": "worst_least", "items": [1, 2], "scoring": "mean"}],
        }
    )
    result = score_instrument("X", spec, [8, 2, 5, None])
    assert result.scores == {"total": Decimal("20.00"), "worst_least": Decimal("5.00")}


def test_answers_off_the_range_or_of_the_wrong_length_are_refused():
    spec = read_spec(BPI_INTERFERENCE)
    with pytest.raises(ResponsesInvalid, match="outside 0 to 10"):
        score_instrument("BPI-SF", spec, [11, 0, 0, 0, 0, 0, 0])
    with pytest.raises(ResponsesInvalid, match="6 answers given for 7 items"):
        score_instrument("BPI-SF", spec, [0] * 6)


def test_a_spec_with_an_unknown_scoring_rule_is_refused():
    with pytest.raises(InstrumentSpecInvalid, match="scoring"):
        read_spec(BPI_INTERFERENCE | {"scoring": "median"})


def test_the_funnel_counts_everyone_who_reached_a_step_and_times_recorded_moves():
    day = date(2026, 1, 1)
    a = PathRecord(
        {
            Stage.IDENTIFIED: day,
            Stage.REFERRED: day + timedelta(days=10),
            Stage.ASSESSED: day + timedelta(days=20),
            Stage.DECISION: day + timedelta(days=30),
            Stage.TRIAL_WAIVED: day + timedelta(days=40),
            Stage.IMPLANT_PLANNED: day + timedelta(days=45),
            Stage.IMPLANTED: day + timedelta(days=60),
        }
    )
    b = PathRecord(
        {Stage.IDENTIFIED: day, Stage.REFERRED: day + timedelta(days=4), Stage.DECLINED: day}
    )
    c = PathRecord({Stage.ASSESSED: day})  # registered at assessed: identified and referred
    rows = {r.step: r for r in funnel([a, b, c])}
    assert [rows[s].reached for s in FunnelStep] == [3, 3, 2, 1, 1, 1]
    referred = rows[FunnelStep.REFERRED].days_from_previous
    assert (referred.n, referred.median) == (2, 7)  # 10 and 4 days
    assert rows[FunnelStep.IMPLANTED].days_from_previous.median == 20
    assert rows[FunnelStep.ASSESSED].share_of(rows[FunnelStep.REFERRED]) == 67
