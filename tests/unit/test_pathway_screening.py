"""The referral screen (Smith 2002 entry criteria), on hand-worked patients."""

from __future__ import annotations

import pytest

from ithaca.clinical.screening import ScreeningInputs, ScreenOutcome, screen


@pytest.fixture
def rules(catalogue):
    return catalogue.pathway.screening


def inputs(q, pain=6, ome="240 mg/day", side_effects=False, on="2026-11-20"):
    return ScreeningInputs(
        pain_score=pain,
        pain_recorded_on=on,
        ome=q(ome) if ome is not None else None,
        dose_limiting_side_effects=side_effects,
    )


def test_the_default_screen_is_smith_2002_and_says_so(rules):
    assert rules.pain_threshold.value == 5
    assert rules.pain_threshold.provenance.source.id == "smith-2002"
    assert rules.ome_threshold.provenance.confidence.value == "C"


def test_pain_6_on_240_mg_ome_meets_the_screen(rules, q):
    result = screen(inputs(q), rules)
    assert result.outcome is ScreenOutcome.MET
    texts = [reason.text for reason in result.reasons]
    assert texts[0] == "Latest pain score 6/10 on 2026-11-20, at or above 5/10."
    assert texts[1] == "Oral morphine equivalent 240 mg/day, at or above 200 mg/day."
    assert "Smith 2002" in result.rule


def test_pain_6_on_120_mg_without_side_effects_does_not(rules, q):
    result = screen(inputs(q, ome="120 mg/day"), rules)
    assert result.outcome is ScreenOutcome.NOT_MET
    assert result.reasons[1].met is False


def test_dose_limiting_side_effects_meet_it_at_a_lower_dose(rules, q):
    result = screen(inputs(q, ome="120 mg/day", side_effects=True), rules)
    assert result.outcome is ScreenOutcome.MET
    assert result.reasons[2].text == "Side effects stop the opioid dose being raised."


def test_exactly_at_both_thresholds_meets_it(rules, q):
    assert screen(inputs(q, pain=5, ome="200 mg/day"), rules).met


def test_just_below_either_threshold_does_not(rules, q):
    assert not screen(inputs(q, pain=4, ome="400 mg/day"), rules).met
    assert not screen(inputs(q, pain=9, ome="199.9 mg/day"), rules).met


def test_the_ome_threshold_compares_mass_not_digits(rules, q):
    # 200,000 mcg/day is 200 mg/day: the unit cannot fool the screen.
    assert screen(inputs(q, ome="200000 mcg/day"), rules).met


def test_no_pain_score_leaves_the_answer_open(rules, q):
    result = screen(inputs(q, pain=None, on=None), rules)
    assert result.outcome is ScreenOutcome.INCOMPLETE
    assert result.reasons[0].text == "No pain score recorded: record one."


def test_no_regimen_and_no_side_effect_assessment_is_incomplete(rules, q):
    result = screen(inputs(q, ome=None, side_effects=None), rules)
    assert result.outcome is ScreenOutcome.INCOMPLETE
    assert "record it to compute the OME" in result.reasons[1].text
    assert "Side effects not assessed" in result.reasons[2].text


def test_low_pain_with_no_regimen_is_still_unknown_only_if_side_effects_are(rules, q):
    # Pain below threshold: the pain-and-OME branch is False whatever the OME; the
    # side-effect branch decides.
    assert screen(inputs(q, pain=3, ome=None, side_effects=False), rules).outcome is (
        ScreenOutcome.NOT_MET
    )
    assert screen(inputs(q, pain=3, ome=None, side_effects=None), rules).outcome is (
        ScreenOutcome.INCOMPLETE
    )


def test_every_reason_names_its_source(rules, q):
    for reason in screen(inputs(q), rules).reasons:
        assert reason.provenance is not None
        assert reason.provenance.source.id == "smith-2002"
