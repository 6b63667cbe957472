"""The shared decision aid's core: SURE, values, readiness, delay signals, the caregiver
check-in, the option table and the reader of decision_aid.toml."""

from __future__ import annotations

import pytest

from ithaca.clinical.answers import AnswerOffScale, AnswersIncomplete, UnknownQuestion
from ithaca.clinical.caregiver import (
    UnknownSchedulePoint,
    flag_series,
    schedule_point,
    score_checkin,
)
from ithaca.clinical.catalogue import build_catalogue
from ithaca.clinical.decision import (
    Concern,
    Presence,
    RaisedBy,
    SessionAnswers,
    SessionInvalid,
    assess_session,
    check_readiness,
    delay_notes,
    delay_signals,
    score_sure,
    summarise_values,
)
from ithaca.clinical.decision_options import NOT_SET, option_table, snapshot
from ithaca.clinical.eligibility import SuggestedSystem
from ithaca.clinical.errors import LibraryInvalid
from ithaca.clinical.pathway import DelayReason
from ithaca.clinical.sourced import Sourced
from ithaca.clinical.sources import Confidence, Unknown
from ithaca.datafiles import base_documents

CLINIC = """\
[clinic]
name = "Test clinic"
version = "1"
approved_by = "Dr Test"
approved_on = "2026-01-01"
"""

SURE_IDS = ("sure", "understand", "risk_benefit", "encouragement")


@pytest.fixture
def aid(catalogue):
    return catalogue.decision_aid


def sure_answers(*yes: bool) -> dict[str, bool | None]:
    return dict(zip(SURE_IDS, yes, strict=True))


def with_clinic(text: str):
    return build_catalogue(base_documents(), (CLINIC + text).encode())


def with_base_edit(old: str, new: str):
    documents = base_documents()
    text = documents["decision_aid.toml"].decode()
    assert old in text
    documents["decision_aid.toml"] = text.replace(old, new, 1).encode()
    return build_catalogue(documents)


# --- SURE (Légaré 2010) ---------------------------------------------------------------------


def test_four_yes_answers_score_4_and_show_no_decisional_conflict(aid):
    result = score_sure(aid.sure, sure_answers(True, True, True, True))
    assert (result.score, result.out_of, result.conflict) == (4, 4, False)


def test_three_yes_answers_score_3_which_is_decisional_conflict(aid):
    result = score_sure(aid.sure, sure_answers(True, True, False, True))
    assert (result.score, result.conflict) == (3, True)


def test_no_yes_answers_score_0_and_conflict(aid):
    assert score_sure(aid.sure, sure_answers(False, False, False, False)).conflict


def test_the_sure_threshold_is_legare_2010_confirmed(aid):
    threshold = aid.sure.conflict_at_or_below
    assert threshold.value == 3
    assert threshold.provenance.source.id == "legare-2010"
    assert threshold.provenance.confidence is Confidence.CONFIRMED


def test_a_missing_sure_answer_is_refused_naming_the_question(aid):
    answers = sure_answers(True, True, True, True) | {"encouragement": None}
    with pytest.raises(AnswersIncomplete) as caught:
        score_sure(aid.sure, answers)
    text = str(caught.value)
    assert "SURE test cannot be scored" in text
    assert "I have enough support and advice to make the choice." in text


def test_a_sure_answer_that_is_not_yes_or_no_is_refused(aid):
    with pytest.raises(AnswerOffScale):
        score_sure(aid.sure, sure_answers(True, True, True, True) | {"sure": 1})  # type: ignore[dict-item]


def test_an_answer_to_a_question_the_sure_does_not_ask_is_refused(aid):
    with pytest.raises(UnknownQuestion, match="'extra'"):
        score_sure(aid.sure, sure_answers(True, True, True, True) | {"extra": True})


def test_the_sure_items_are_ithacas_paraphrase_marked_u_under_the_instrument_id(aid):
    assert aid.sure.instrument == "SURE"
    assert [item.name for item in aid.sure.items] == [
        "Sure of myself",
        "Understand information",
        "Risk-benefit ratio",
        "Encouragement",
    ]
    assert {item.provenance.source.id for item in aid.sure.items} == {"ithaca-items"}
    assert all(item.provenance.confidence is Confidence.UNCONFIRMED for item in aid.sure.items)
    assert "check the licence" in aid.sure.licence


# --- values clarification -------------------------------------------------------------------


def test_values_are_summarised_most_important_first_with_no_score(aid):
    summary = summarise_values(
        aid.values,
        {
            "pain_relief": 4,
            "fewer_side_effects": 2,
            "time_at_home": 4,
            "avoiding_surgery": 0,
            "family_burden": 3,
        },
    )
    assert [(g.label, [i.id for i in g.items]) for g in summary.ordered] == [
        ("Very important", ["pain_relief", "time_at_home"]),
        ("Important", ["family_burden"]),
        ("Fairly important", ["fewer_side_effects"]),
        ("Not important", ["avoiding_surgery"]),
    ]
    assert not hasattr(summary, "total")


def test_a_value_off_the_0_to_4_scale_is_refused(aid):
    answers = dict.fromkeys((i.id for i in aid.values.items), 2) | {"pain_relief": 5}
    with pytest.raises(AnswerOffScale, match="from 0 to 4"):
        summarise_values(aid.values, answers)


# --- caregiver readiness ----------------------------------------------------------------------


def readiness(support: int, severity: int, eligibility: int, worth: int) -> dict[str, int | None]:
    return {"support": support, "severity": severity, "eligibility": eligibility, "worth": worth}


def test_readiness_all_yes_totals_8_and_is_not_low(aid):
    result = check_readiness(aid.readiness, readiness(2, 2, 2, 2))
    assert (result.total, result.out_of, result.low, result.reasons) == (8, 8, False, ())


def test_a_single_not_yet_flags_readiness_low_naming_the_item(aid):
    result = check_readiness(aid.readiness, readiness(0, 2, 2, 2))
    assert (result.total, result.low) == (6, True)
    assert "answered 'Not yet' or lower" in result.reasons[0]
    assert "help from outside the family" in result.reasons[0]


def test_partly_to_everything_totals_4_which_is_low_by_the_total_rule(aid):
    result = check_readiness(aid.readiness, readiness(1, 1, 1, 1))
    assert (result.total, result.low) == (4, True)
    assert result.reasons == ("total 4 of 8, at or below 4",)


def test_a_total_of_5_with_no_not_yet_is_not_low(aid):
    assert not check_readiness(aid.readiness, readiness(1, 1, 1, 2)).low


def test_the_low_readiness_rule_is_ithaca_policy_unconfirmed(aid):
    for rule in (aid.readiness.low_if_any_item_at_or_below, aid.readiness.low_if_total_at_or_below):
        assert rule.provenance.source.id == "ithaca-policy"
        assert rule.provenance.confidence is Confidence.UNCONFIRMED


def test_a_clinic_may_set_its_own_low_readiness_total_with_its_own_source():
    catalogue = with_clinic(
        """
[decision_aid.readiness.low_if_total_at_or_below]
value = 2
source = "ithaca-policy"
confidence = "U"
"""
    )
    rules = catalogue.decision_aid.readiness
    assert rules.low_if_total_at_or_below.value == 2
    assert not check_readiness(rules, readiness(1, 1, 1, 1)).low


# --- delay signals ----------------------------------------------------------------------------


def test_conflict_suggests_patient_undecided(aid):
    sure = score_sure(aid.sure, sure_answers(True, False, True, True))
    (signal,) = delay_signals(sure, None, ())
    assert signal.reason is DelayReason.PATIENT_UNDECIDED
    assert "SURE 3 of 4: decisional conflict" in signal.because


def test_low_readiness_suggests_caregiver_concerns(aid):
    low = check_readiness(aid.readiness, readiness(0, 2, 2, 2))
    (signal,) = delay_signals(None, low, ())
    assert signal.reason is DelayReason.CAREGIVER_CONCERNS


def test_a_named_concern_suggests_the_reason_of_whoever_named_it(aid):
    signals = delay_signals(
        None,
        None,
        (Concern(RaisedBy.PATIENT, "fear of the operation"), Concern(RaisedBy.CAREGIVER, "travel")),
    )
    assert [s.reason for s in signals] == [
        DelayReason.PATIENT_UNDECIDED,
        DelayReason.CAREGIVER_CONCERNS,
    ]


def test_no_conflict_ready_and_no_concern_suggests_nothing(aid):
    sure = score_sure(aid.sure, sure_answers(True, True, True, True))
    ready = check_readiness(aid.readiness, readiness(2, 2, 2, 2))
    assert delay_signals(sure, ready, ()) == ()


def test_signals_with_the_same_reason_make_one_note(aid):
    sure = score_sure(aid.sure, sure_answers(False, True, True, True))
    signals = delay_signals(sure, None, (Concern(RaisedBy.PATIENT, "wants to ask her son"),))
    notes = delay_notes(signals)
    assert list(notes) == [DelayReason.PATIENT_UNDECIDED]
    assert "SURE 3 of 4" in notes[DelayReason.PATIENT_UNDECIDED]
    assert "wants to ask her son" in notes[DelayReason.PATIENT_UNDECIDED]


# --- a whole session --------------------------------------------------------------------------

BLANK_VALUES = dict.fromkeys(
    ("pain_relief", "fewer_side_effects", "time_at_home", "avoiding_surgery", "family_burden")
)
BLANK_READINESS = dict.fromkeys(("support", "severity", "eligibility", "worth"))
BLANK_SURE = dict.fromkeys(SURE_IDS)


def test_a_session_with_nobody_named_is_refused(aid):
    answers = SessionAnswers(BLANK_VALUES, BLANK_SURE, BLANK_READINESS)
    with pytest.raises(SessionInvalid, match="who took part") as caught:
        assess_session(aid, Presence(False, ("  ",)), answers)
    assert caught.value.section == "present"


def test_the_sure_is_required_when_the_patient_takes_part(aid):
    answers = SessionAnswers(BLANK_VALUES, BLANK_SURE, BLANK_READINESS)
    with pytest.raises(SessionInvalid, match="4 questions not answered") as caught:
        assess_session(aid, Presence(True, ()), answers)
    assert caught.value.section == "sure"


def test_the_sure_is_refused_when_the_patient_did_not_take_part(aid):
    answers = SessionAnswers(
        BLANK_VALUES, sure_answers(True, True, True, True), readiness(2, 2, 2, 2)
    )
    with pytest.raises(SessionInvalid, match="patient's own answer"):
        assess_session(aid, Presence(False, ("Li Wong (daughter)",)), answers)


def test_half_answered_values_are_refused_but_blank_values_are_not_discussed(aid):
    half = BLANK_VALUES | {"pain_relief": 4}
    answers = SessionAnswers(half, sure_answers(True, True, True, True), BLANK_READINESS)
    with pytest.raises(SessionInvalid) as caught:
        assess_session(aid, Presence(True, ()), answers)
    assert caught.value.section == "values"
    blank = SessionAnswers(BLANK_VALUES, sure_answers(True, True, True, True), BLANK_READINESS)
    assert assess_session(aid, Presence(True, ()), blank).values is None


def test_a_session_with_conflict_and_a_family_concern_gives_both_signals(aid):
    answers = SessionAnswers(
        BLANK_VALUES,
        sure_answers(True, True, False, False),
        readiness(2, 2, 2, 2),
        caregiver_concern="  who will drive to the refills?  ",
    )
    result = assess_session(aid, Presence(True, ("Li Wong",)), answers)
    assert result.sure is not None
    assert result.sure.score == 2
    assert result.readiness is not None
    assert not result.readiness.low
    assert result.concerns == (Concern(RaisedBy.CAREGIVER, "who will drive to the refills?"),)
    assert [s.reason for s in result.signals] == [
        DelayReason.PATIENT_UNDECIDED,
        DelayReason.CAREGIVER_CONCERNS,
    ]


# --- the caregiver check-in -------------------------------------------------------------------

CHECKIN_IDS = (
    "sleep",
    "own_time",
    "pump_worry",
    "physical_strain",
    "money",
    "support",
    "pain_confidence",
)


def checkin(*scores: int) -> dict[str, int | None]:
    return dict(zip(CHECKIN_IDS, scores, strict=True))


def test_the_check_in_totals_its_seven_items_out_of_28(aid):
    result = score_checkin(aid.checkin, checkin(1, 2, 3, 0, 1, 2, 1))
    assert (result.total, result.out_of) == (10, 28)
    assert result.answers["pump_worry"] == 3
    assert not result.flagged


def test_a_total_at_the_clinic_level_of_14_is_flagged(aid):
    result = score_checkin(aid.checkin, checkin(2, 2, 2, 2, 2, 2, 2))
    assert (result.total, result.flagged) == (14, True)
    assert result.reasons == ("total 14 of 28 is at or above 14",)


def test_a_rise_of_4_since_the_previous_check_in_is_flagged_below_the_level(aid):
    result = score_checkin(aid.checkin, checkin(2, 1, 2, 1, 1, 1, 1), previous_total=5)
    assert (result.total, result.change, result.flagged) == (9, 4, True)
    assert result.reasons == ("up 4 points since the previous check-in (5)",)


def test_a_rise_of_3_is_not_flagged(aid):
    result = score_checkin(aid.checkin, checkin(2, 1, 2, 1, 1, 1, 0), previous_total=5)
    assert (result.change, result.flagged) == (3, False)


def test_a_hand_worked_series_flags_the_jump_and_the_high_totals(aid):
    # 6 first (no previous); 8 is +2; 12 is +4 (flag); 11 falls; 15 is at the level (flag);
    # 13 falls from 15 and is under 14.
    assert flag_series(aid.checkin, [6, 8, 12, 11, 15, 13]) == [
        False,
        False,
        True,
        False,
        True,
        False,
    ]


def test_a_missing_check_in_answer_is_refused_in_words(aid):
    answers = checkin(1, 1, 1, 1, 1, 1, 1) | {"money": None}
    with pytest.raises(AnswersIncomplete, match="Money worries"):
        score_checkin(aid.checkin, answers)


def test_the_check_in_is_ithacas_own_and_its_flag_numbers_are_policy(aid):
    assert {i.provenance.source.id for i in aid.checkin.items} == {"ithaca-items"}
    assert "Not the Zarit Burden Interview" in aid.checkin.scale.provenance.note
    for rule in (aid.checkin.flag_rise, aid.checkin.flag_total):
        assert rule.provenance.source.id == "ithaca-policy"
        assert rule.provenance.confidence is Confidence.UNCONFIRMED


def test_the_schedule_points_are_before_the_decision_after_implant_and_monthly(aid):
    assert [p.id for p in aid.checkin.schedule] == ["before_decision", "after_implant", "monthly"]
    assert schedule_point(aid.checkin, "monthly").label == "Monthly"
    with pytest.raises(UnknownSchedulePoint, match="Before the decision"):
        schedule_point(aid.checkin, "weekly")


# --- the option table -------------------------------------------------------------------------


def option(aid, option_id):
    return next(o for o in aid.options if o.id == option_id)


def test_the_options_are_the_pump_the_external_system_and_medical_management(aid):
    assert [o.id for o in aid.options] == ["implanted_pump", "external_pump", "medical_management"]


def test_the_implanted_pump_shows_sindt_2020_and_md_anderson_infection_rates(aid):
    risks = {r.provenance.source.id: r for r in option(aid, "implanted_pump").risks}
    sindt = risks["sindt-2020"]
    assert "0.9% (95% CI 0.1-3.3%)" in sindt.text
    assert "2.4-6.3%" in sindt.text
    assert sindt.provenance.confidence is Confidence.CONFIRMED
    assert "2.4%" in risks["engle-2013"].text


def test_the_external_pump_shows_aprili_2009_superficial_and_deep_infection(aid):
    (first, *_rest) = [r for r in option(aid, "external_pump").risks if "infection" in r.text]
    assert first.provenance.source.id == "aprili-2009"
    assert "2.3%" in first.text
    assert "1.4%" in first.text


def test_smith_2002_outcomes_are_quoted_with_their_significance(aid):
    texts = " ".join(b.text for b in option(aid, "implanted_pump").benefits)
    assert "84.5%" in texts
    assert "70.8%" in texts
    assert "not statistically significant (P = .055)" in texts
    survival = " ".join(r.text for r in option(aid, "medical_management").risks)
    assert "53.9%" in survival
    assert "not statistically significant (P = .06)" in survival


def test_every_option_cost_is_unset_by_default(aid):
    for info in aid.options:
        assert isinstance(info.clinic_cost, Unknown)
        assert str(info.clinic_cost.note) == "Not set by the clinic."


def test_published_costs_are_us_figures_labelled_with_their_context(aid):
    costs = option(aid, "implanted_pump").published_costs
    assert {c.provenance.source.id for c in costs} == {
        "stearns-2019",
        "brogan-2013",
        "hassenbusch-1997",
    }
    assert all(c.context.startswith("US") for c in costs)


def test_the_assessments_suggested_system_is_highlighted_not_chosen(aid):
    table = option_table(aid, SuggestedSystem.EXTERNAL_TUNNELLED)
    assert [v.info.id for v in table.options if v.highlighted] == ["external_pump"]
    assert "not a choice" in table.note


def test_a_suggestion_no_option_delivers_is_named_and_nothing_is_highlighted(aid):
    table = option_table(aid, SuggestedSystem.TEMPORARY_PERCUTANEOUS)
    assert not any(v.highlighted for v in table.options)
    assert "temporary percutaneous catheter" in table.note


def test_the_snapshot_keeps_each_lines_source_and_mark_and_the_library_hash(aid, catalogue):
    table = option_table(aid, SuggestedSystem.IMPLANTED)
    shot = snapshot(table, aid.label, catalogue.identity.content_hash)
    assert shot["library_hash"] == catalogue.identity.content_hash
    first = shot["options"][0]
    assert first["highlighted"] is True
    assert first["risks"][0]["source"] == "sindt-2020"
    assert first["risks"][0]["mark"] == "C"
    assert first["clinic_cost"]["text"] == NOT_SET


def test_a_clinic_sets_its_own_cost_and_lists_another_intervention():
    catalogue = with_clinic(
        """
[sources.test-clinic-tariff]
citation = "Test clinic tariff 2026"
year = 2026

[decision_aid.options.implanted_pump.clinic_cost]
amount = "15000"
currency = "GBP"
covers = "device, operation and first year of refills"
source = "test-clinic-tariff"
confidence = "C"

[[decision_aid.other_interventions]]
id = "coeliac_block"
name = "Coeliac plexus block"
description = "A nerve block for pain from the upper abdomen."
source = "test-clinic-tariff"
confidence = "U"
"""
    )
    aid = catalogue.decision_aid
    cost = option(aid, "implanted_pump").clinic_cost
    assert isinstance(cost, Sourced)
    assert cost.value.currency == "GBP"
    other = option(aid, "coeliac_block")
    assert other.clinic_listed
    shot = snapshot(option_table(aid, None), aid.label, "x")
    assert shot["options"][0]["clinic_cost"]["text"] == (
        "GBP 15000 (device, operation and first year of refills)"
    )


def test_a_clinic_cost_without_its_own_source_is_refused():
    with pytest.raises(LibraryInvalid, match="does not inherit its source"):
        with_clinic(
            """
[decision_aid.options.implanted_pump.clinic_cost]
amount = "15000"
currency = "GBP"
"""
        )


def test_a_clinic_flag_level_without_its_own_source_is_refused():
    with pytest.raises(LibraryInvalid, match="does not inherit its source"):
        with_clinic("\n[decision_aid.checkin.flag_total]\nvalue = 10\n")


# --- reader refusals --------------------------------------------------------------------------


def test_the_reader_refuses_a_sure_with_a_fifth_item():
    extra = '\n[[decision_aid.sure.items]]\nid = "extra"\nname = "Extra"\ntext = "Extra?"\nsource = "ithaca-items"\nconfidence = "U"\n'
    with pytest.raises(LibraryInvalid, match="SURE test has 4 items"):
        with_base_edit("# --- values clarification", extra + "\n# --- values clarification")


def test_the_reader_refuses_an_unknown_source():
    with pytest.raises(LibraryInvalid, match="unknown source id 'nobody-2020'"):
        with_base_edit('source = "legare-2010"', 'source = "nobody-2020"')


def test_the_reader_refuses_a_threshold_off_the_scale():
    with pytest.raises(LibraryInvalid, match="from 1 to 28"):
        with_base_edit(
            "[decision_aid.checkin.flag_total]\nvalue = 14",
            "[decision_aid.checkin.flag_total]\nvalue = 40",
        )


def test_the_reader_refuses_an_unknown_system():
    with pytest.raises(LibraryInvalid, match="must be one of implanted"):
        with_base_edit('system = "implanted"', 'system = "intravenous"')


def test_the_reader_refuses_a_published_cost_without_its_context():
    with pytest.raises(LibraryInvalid, match="context"):
        with_base_edit('context = "US costs, 1997"\n', "")


def test_the_reader_refuses_a_float_clinic_cost():
    with pytest.raises(LibraryInvalid, match="never as a float"):
        with_clinic(
            """
[decision_aid.options.external_pump.clinic_cost]
amount = 1500.5
currency = "GBP"
source = "ithaca-policy"
confidence = "U"
"""
        )
