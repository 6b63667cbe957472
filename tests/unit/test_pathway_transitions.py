"""The pathway's transition table, every pair of stages, by hand.

The expected table is written out again here, independently of the code, so that a
change to TRANSITIONS that nobody meant fails this test.
"""

from __future__ import annotations

import itertools

import pytest

from ithaca.clinical.errors import IllegalTransition, TransitionNeedsReason, TransitionNeedsRecord
from ithaca.clinical.pathway import GATED, TRANSITIONS, Stage, allowed_next, check_transition

S = Stage
EXITS = {S.DECLINED, S.NOT_ELIGIBLE, S.DECEASED}
EXPECTED: dict[Stage, set[Stage]] = {
    S.IDENTIFIED: {S.REFERRED} | EXITS,
    S.REFERRED: {S.ASSESSED} | EXITS,
    S.ASSESSED: {S.DECISION} | EXITS,
    S.DECISION: {S.TRIAL, S.TRIAL_WAIVED} | EXITS,
    S.TRIAL: {S.IMPLANT_PLANNED} | EXITS,
    S.TRIAL_WAIVED: {S.IMPLANT_PLANNED} | EXITS,
    S.IMPLANT_PLANNED: {S.IMPLANTED} | EXITS,
    S.IMPLANTED: {S.TITRATION, S.END_OF_LIFE_CARE, S.EXPLANTED, S.DECEASED},
    S.TITRATION: {S.MAINTENANCE, S.END_OF_LIFE_CARE, S.EXPLANTED, S.DECEASED},
    S.MAINTENANCE: {S.TITRATION, S.END_OF_LIFE_CARE, S.EXPLANTED, S.DECEASED},
    S.END_OF_LIFE_CARE: {S.MAINTENANCE, S.EXPLANTED, S.DECEASED},
    S.EXPLANTED: {S.IMPLANT_PLANNED, S.DECEASED},
    S.DECLINED: {S.REFERRED, S.DECEASED},
    S.NOT_ELIGIBLE: {S.REFERRED, S.DECEASED},
    S.DECEASED: set(),
}


def test_the_table_names_every_stage_once():
    assert set(TRANSITIONS) == set(Stage)
    assert set(EXPECTED) == set(Stage)


@pytest.mark.parametrize(
    ("current", "target"),
    list(itertools.product(Stage, Stage)),
    ids=lambda s: s.value,
)
def test_every_pair_of_stages(current, target):
    allowed = target in EXPECTED[current]
    by_record = target in GATED
    if allowed:
        assert check_transition(current, target, "  seen in  clinic ", by_record=by_record) == (
            "seen in clinic"
        )
    else:
        with pytest.raises(IllegalTransition) as refused:
            check_transition(current, target, "a reason", by_record=by_record)
        assert refused.value.current == current.label
        assert refused.value.target == target.label
        assert set(refused.value.allowed) == {s.label for s in EXPECTED[current]}


def test_no_stage_moves_to_itself():
    assert all(stage not in TRANSITIONS[stage] for stage in Stage)


def test_death_is_the_only_stage_with_no_way_out():
    assert [stage for stage in Stage if stage.is_terminal] == [S.DECEASED]
    with pytest.raises(IllegalTransition) as refused:
        check_transition(S.DECEASED, S.REFERRED, "x", by_record=True)
    assert str(refused.value) == "a patient who is Deceased cannot move on the pathway"


def test_every_stage_can_be_reached_from_identified():
    seen, frontier = {S.IDENTIFIED}, [S.IDENTIFIED]
    while frontier:
        for nxt in TRANSITIONS[frontier.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    assert seen == set(Stage)


def test_an_illegal_move_names_what_is_allowed_in_words():
    with pytest.raises(IllegalTransition) as refused:
        check_transition(S.IDENTIFIED, S.IMPLANTED, "skip", by_record=True)
    assert str(refused.value) == (
        "a patient who is Identified cannot move to Implanted; the next stage can be: "
        "Referred, Deceased, Declined, Not eligible"
    )


@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
def test_every_move_needs_a_written_reason(reason):
    with pytest.raises(TransitionNeedsReason):
        check_transition(S.IDENTIFIED, S.DECLINED, reason, by_record=False)


@pytest.mark.parametrize("target", sorted(GATED, key=lambda s: s.value), ids=lambda s: s.value)
def test_a_gated_stage_is_entered_only_by_its_record(target):
    current = next(stage for stage in Stage if target in TRANSITIONS[stage])
    with pytest.raises(TransitionNeedsRecord) as refused:
        check_transition(current, target, "a reason", by_record=False)
    assert GATED[target] in str(refused.value)
    assert check_transition(current, target, "a reason", by_record=True) == "a reason"


def test_the_gated_stages_are_the_ones_defined_by_a_record():
    assert set(GATED) == {
        S.REFERRED,
        S.ASSESSED,
        S.DECISION,
        S.TRIAL,
        S.TRIAL_WAIVED,
        S.IMPLANTED,
    }


def test_allowed_next_keeps_the_enumeration_order():
    assert allowed_next(S.DECISION) == (
        S.TRIAL,
        S.TRIAL_WAIVED,
        S.DECEASED,
        S.DECLINED,
        S.NOT_ELIGIBLE,
    )


def test_stages_before_implant_and_with_a_device_do_not_overlap():
    before = {s for s in Stage if s.before_implant}
    device = {s for s in Stage if s.has_device}
    assert not before & device
    assert S.IMPLANT_PLANNED in before
    assert S.IMPLANTED in device
