"""Time at each stage, on a synthetic cohort whose answers were worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ithaca.clinical.delays import Move, median, nearest_rank, stays_of, summarise
from ithaca.clinical.errors import DatesOutOfOrder
from ithaca.clinical.pathway import Stage

T0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
AS_OF = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)  # 59 days after T0


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def d(n: float) -> timedelta:
    return timedelta(days=n)


# Five patients. Time at "referred" (completed stays): 3, 5, 10, 20 days; patient 5 has
# been at "referred" since day 40 (19 days at AS_OF) and has not moved on.
COHORT = {
    1: [Move(Stage.IDENTIFIED, day(0)), Move(Stage.REFERRED, day(2)), Move(Stage.ASSESSED, day(5))],
    2: [Move(Stage.IDENTIFIED, day(0)), Move(Stage.REFERRED, day(1)), Move(Stage.ASSESSED, day(6))],
    3: [Move(Stage.REFERRED, day(0)), Move(Stage.ASSESSED, day(10)), Move(Stage.DECISION, day(12))],
    4: [Move(Stage.REFERRED, day(0)), Move(Stage.DECLINED, day(20))],
    5: [Move(Stage.IDENTIFIED, day(30)), Move(Stage.REFERRED, day(40))],
}
TARGETS = {Stage.IDENTIFIED: d(7), Stage.REFERRED: d(14), Stage.ASSESSED: d(7)}


def by_stage(summaries):
    return {summary.stage: summary for summary in summaries}


def test_referred_median_p90_and_who_is_over_target():
    referred = by_stage(summarise(COHORT, TARGETS, AS_OF))[Stage.REFERRED]
    assert referred.completed == 4
    assert referred.median == d(7.5)  # (5 + 10) / 2
    assert referred.p90 == d(20)  # ceil(0.9 * 4) = 4th of [3, 5, 10, 20]
    assert referred.waiting_now == 1
    assert [(o.patient, o.waited) for o in referred.over_target] == [(5, d(19))]
    assert referred.target == d(14)


def test_identified_counts_only_completed_stays_and_nobody_waits():
    identified = by_stage(summarise(COHORT, TARGETS, AS_OF))[Stage.IDENTIFIED]
    assert identified.completed == 3  # 2, 1 and 10 days
    assert identified.median == d(2)
    assert identified.p90 == d(10)
    assert identified.waiting_now == 0
    assert identified.over_target == ()


def test_a_stage_still_open_counts_as_waiting_not_in_the_median():
    assessed = by_stage(summarise(COHORT, TARGETS, AS_OF))[Stage.ASSESSED]
    # Patient 3 left after 2 days; patients 1 and 2 are still there, 54 and 53 days.
    assert assessed.completed == 1
    assert assessed.median == d(2)
    assert assessed.waiting_now == 2
    assert [o.patient for o in assessed.over_target] == [1, 2]  # longest wait first


def test_a_stage_without_a_target_lists_nobody_as_over_it():
    decision = by_stage(summarise(COHORT, TARGETS, AS_OF))[Stage.DECISION]
    assert decision.target is None
    assert decision.waiting_now == 1
    assert decision.over_target == ()


def test_exactly_at_the_target_is_not_over_it():
    cohort = {1: [Move(Stage.REFERRED, AS_OF - d(14))]}
    referred = by_stage(summarise(cohort, TARGETS, AS_OF))[Stage.REFERRED]
    assert referred.over_target == ()
    cohort = {1: [Move(Stage.REFERRED, AS_OF - d(14) - timedelta(minutes=1))]}
    assert by_stage(summarise(cohort, TARGETS, AS_OF))[Stage.REFERRED].over_target


def test_an_empty_stage_has_no_statistics():
    summary = by_stage(summarise({}, TARGETS, AS_OF))[Stage.TRIAL]
    assert (summary.completed, summary.median, summary.p90, summary.waiting_now) == (
        0,
        None,
        None,
        0,
    )


def test_moves_out_of_time_order_are_refused():
    with pytest.raises(DatesOutOfOrder):
        stays_of(1, [Move(Stage.IDENTIFIED, day(5)), Move(Stage.REFERRED, day(4))])


def test_a_stage_entered_twice_counts_two_stays():
    moves = [
        Move(Stage.MAINTENANCE, day(0)),
        Move(Stage.TITRATION, day(10)),
        Move(Stage.MAINTENANCE, day(14)),
        Move(Stage.TITRATION, day(30)),
        Move(Stage.MAINTENANCE, day(36)),
    ]
    titration = by_stage(summarise({1: moves}, {}, AS_OF))[Stage.TITRATION]
    assert titration.completed == 2
    assert titration.median == d(5)


@pytest.mark.parametrize(
    ("values", "percent", "expected"),
    [
        ([1], 90, 1),
        ([1, 2], 50, 1),
        ([1, 2], 90, 2),
        (list(range(1, 11)), 90, 9),
        (list(range(1, 11)), 91, 10),
        (list(range(1, 21)), 90, 18),
        ([5, 1, 3], 100, 5),
    ],
)
def test_nearest_rank_percentile(values, percent, expected):
    assert nearest_rank([d(v) for v in values], percent) == d(expected)


def test_percentile_outside_1_to_100_is_refused():
    with pytest.raises(ValueError, match="between 1 and 100"):
        nearest_rank([d(1)], 0)


@pytest.mark.parametrize(
    ("values", "expected"), [([3], 3), ([4, 1], 2.5), ([9, 1, 5], 5), ([1, 2, 3, 10], 2.5)]
)
def test_median(values, expected):
    assert median([d(v) for v in values]) == d(expected)
