"""Eligibility: every rule, its boundaries, unknown inputs and the stored assessment."""

from __future__ import annotations

import copy
import json
import tomllib
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from functools import cache
from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ithaca.clinical.datareader import Node, read_sources
from ithaca.clinical.eligibility import (
    EligibilityInputs,
    EligibilityRules,
    Outcome,
    SuggestedSystem,
    assess,
    read_eligibility_rules,
)
from ithaca.clinical.errors import InvalidEligibilityInputs, LibraryInvalid, UnknownAnticoagulant
from ithaca.clinical.sources import Confidence, Enforcement, Unknown

IMPLANT = datetime(2027, 3, 3, 9, 0, tzinfo=UTC)
# Hypothesis takes naive bounds and adds the time zone itself.
EARLIEST = datetime(2001, 1, 1)  # noqa: DTZ001
LATEST = datetime(2098, 12, 31)  # noqa: DTZ001


@cache
def _texts() -> tuple[str, str]:
    data = resources.files("ithaca.data")
    return (
        data.joinpath("eligibility.toml").read_text(encoding="utf-8"),
        data.joinpath("sources.toml").read_text(encoding="utf-8"),
    )


def eligibility_data() -> dict[str, object]:
    return tomllib.loads(_texts()[0])


def read(data: dict[str, object]) -> EligibilityRules:
    sources = read_sources(tomllib.loads(_texts()[1]))
    return read_eligibility_rules(Node(data, "eligibility", sources))


@cache
def rules() -> EligibilityRules:
    return read(eligibility_data())


def with_rule(key: str, table: dict[str, object]) -> dict[str, object]:
    """The shipped data with one [eligibility.<key>] table replaced, as a clinic file would."""
    data = copy.deepcopy(eligibility_data())
    header = data["eligibility"]
    assert isinstance(header, dict)
    header[key] = table
    return data


def clinic_threshold(value: str, **extra: str) -> dict[str, object]:
    return {
        "value": value,
        "unit": "10^9/L",
        "source": "ithaca-policy",
        "confidence": "U",
        "note": "Test clinic threshold.",
        **extra,
    }


# A patient about whom everything is recorded and nothing is a concern.
WELL = EligibilityInputs(
    life_expectancy_months=5,
    active_infection=False,
    anticoagulants=(),
    planned_implant_start=IMPLANT,
    platelets=Decimal("180"),
    neutrophils=Decimal("3.1"),
    csf_flow_obstruction=False,
    epidural_disease_at_catheter_level=False,
    imaging_reviewed=True,
    planned_drugs=("morphine",),
    psychosis_history=False,
    can_attend_refills=True,
    travel_minutes=45,
    has_transport=True,
    caregiver_available=True,
    can_respond_to_alarms=True,
)

RULE_IDS = (
    "life-expectancy",
    "active-infection",
    "anticoagulants",
    "platelets",
    "neutrophils",
    "imaging-review",
    "csf-flow-obstruction",
    "epidural-disease",
    "ziconotide-psychosis",
    "refill-access",
    "alarm-response",
)


def rule_ids(assessment) -> tuple[str, ...]:
    return tuple(
        "anticoagulants" if f.rule.startswith("anticoagulant-hold:") else f.rule
        for f in assessment.findings
    )


# --- the hand-worked patient ---


def test_five_months_on_warfarin_and_ibuprofen_for_an_implant_on_3_march_2027():
    inputs = replace(WELL, anticoagulants=("warfarin", "ibuprofen", "enoxaparin-therapeutic"))
    assessment = assess(inputs, rules())
    assert assessment.suggested_system is SuggestedSystem.IMPLANTED
    assert assessment.finding("life-expectancy").outcome is Outcome.PASS
    warfarin = assessment.finding("anticoagulant-hold:warfarin")
    assert warfarin.outcome is Outcome.CAUTION
    assert "last dose on 2027-02-25" in warfarin.reason
    assert "first drug-free day 2027-02-26" in warfarin.reason
    assert "normal INR" in warfarin.reason
    ibuprofen = assessment.finding("anticoagulant-hold:ibuprofen")
    assert "last dose on 2027-03-01" in ibuprofen.reason
    enoxaparin = assessment.finding("anticoagulant-hold:enoxaparin-therapeutic")
    assert "no later than 2027-03-02 09:00" in enoxaparin.reason
    dues = [action.due for action in assessment.before_implant]
    assert dues[:3] == [date(2027, 2, 25), date(2027, 3, 1), date(2027, 3, 2)]
    assert assessment.before_implant[0].text.startswith("Warfarin: last dose on 2027-02-25")


def test_dated_actions_come_first_in_date_order_then_the_undated():
    inputs = replace(
        WELL,
        anticoagulants=("ibuprofen", "aspirin-secondary", "oxaprozin"),
        imaging_reviewed=False,
    )
    actions = assess(inputs, rules()).before_implant
    # oxaprozin 10 days: last dose on day -11; then the undated, in rule order
    assert [a.due for a in actions[:3]] == [date(2027, 2, 20), date(2027, 3, 1), None]
    assert actions[2].text.startswith("Aspirin (secondary prevention)")
    assert actions[-1].text == "Review the spine imaging"
    assert all(a.due is None for a in actions[2:])


def test_a_well_patient_passes_only_once_the_clinic_sets_count_thresholds():
    # With no guideline threshold, a count is always reviewed: a caution, not a pass.
    default = assess(WELL, rules())
    assert default.outcome is Outcome.CAUTION
    cautions = {f.rule for f in default.findings if f.outcome is Outcome.CAUTION}
    assert cautions == {"platelets", "neutrophils"}
    data = with_rule("platelets", clinic_threshold("50"))
    data["eligibility"]["neutrophils"] = clinic_threshold("1.0")
    assessment = assess(WELL, read(data))
    assert assessment.outcome is Outcome.PASS
    assert assessment.before_implant == ()


def test_every_rule_is_evaluated_even_when_the_first_ones_fail():
    failing = replace(
        WELL, active_infection=True, planned_drugs=("ziconotide",), psychosis_history=True
    )
    assessment = assess(failing, rules())
    assert rule_ids(assessment) == RULE_IDS
    assert assessment.outcome is Outcome.FAIL
    fails = {f.rule for f in assessment.findings if f.outcome is Outcome.FAIL}
    assert fails == {"active-infection", "ziconotide-psychosis"}


def test_nothing_recorded_is_a_caution_everywhere_never_a_silent_pass():
    assessment = assess(EligibilityInputs(), rules())
    assert rule_ids(assessment) == RULE_IDS
    assert {f.outcome for f in assessment.findings} == {Outcome.CAUTION}
    assert assessment.suggested_system is None
    recorded = [f for f in assessment.findings if f.rule != "imaging-review"]
    assert all("not recorded: record" in f.reason for f in recorded)


@pytest.mark.parametrize(
    "field",
    [
        "life_expectancy_months",
        "active_infection",
        "anticoagulants",
        "platelets",
        "neutrophils",
        "csf_flow_obstruction",
        "epidural_disease_at_catheter_level",
        "planned_drugs",
        "can_attend_refills",
        "travel_minutes",
        "has_transport",
        "can_respond_to_alarms",
    ],
)
def test_each_unrecorded_input_turns_a_pass_into_a_caution(field):
    data = with_rule("platelets", clinic_threshold("50"))
    data["eligibility"]["neutrophils"] = clinic_threshold("1.0")
    clinic = read(data)
    assert assess(WELL, clinic).outcome is Outcome.PASS
    assessment = assess(replace(WELL, **{field: None}), clinic)
    assert assessment.outcome is Outcome.CAUTION
    assert any("not recorded" in f.reason for f in assessment.findings)


# --- life expectancy and the suggested system ---


@pytest.mark.parametrize(
    ("months", "system", "outcome"),
    [
        (24, SuggestedSystem.IMPLANTED, Outcome.PASS),
        (4, SuggestedSystem.IMPLANTED, Outcome.PASS),
        (3, SuggestedSystem.EXTERNAL_TUNNELLED, Outcome.CAUTION),  # on the boundary
        (2, SuggestedSystem.EXTERNAL_TUNNELLED, Outcome.PASS),
        (1, SuggestedSystem.EXTERNAL_TUNNELLED, Outcome.CAUTION),  # on the boundary
        (0, SuggestedSystem.TEMPORARY_PERCUTANEOUS, Outcome.PASS),
        (None, None, Outcome.CAUTION),
    ],
)
def test_life_expectancy_suggests_a_system(months, system, outcome):
    assessment = assess(replace(WELL, life_expectancy_months=months), rules())
    assert assessment.suggested_system is system
    finding = assessment.finding("life-expectancy")
    assert finding.outcome is outcome
    if outcome is Outcome.CAUTION and months is not None:
        assert "on the boundary" in finding.reason


def test_life_expectancy_thresholds_are_the_confirmed_ones():
    life = rules().life_expectancy
    assert (life.implanted_above.value, life.external_below.value) == (3, 3)
    assert life.temporary_below.value == 1
    assert life.implanted_above.provenance.source.id == "medtronic-referral-page"
    assert life.external_below.provenance.source.id == "oncology-1999"
    assert life.temporary_below.provenance.source.id == "ahcpr-cancer-pain"
    marks = {s.provenance.confidence for s in (life.implanted_above, life.temporary_below)}
    assert marks == {Confidence.CONFIRMED}


def test_the_life_expectancy_thresholds_must_be_in_order():
    data = copy.deepcopy(eligibility_data())
    temporary = data["eligibility"]["life_expectancy"]["temporary_percutaneous"]
    temporary["value"] = "4"
    with pytest.raises(LibraryInvalid, match="temporary < external <= implanted"):
        read(data)


# --- infection, ziconotide, imaging ---


def test_active_infection_fails_and_says_treat_it_first():
    finding = assess(replace(WELL, active_infection=True), rules()).finding("active-infection")
    assert finding.outcome is Outcome.FAIL
    assert "treat the infection first" in finding.reason
    assert finding.provenance.source.id == "medtronic-referral-page"


@pytest.mark.parametrize(
    ("planned", "psychosis", "outcome"),
    [
        (("ziconotide",), True, Outcome.FAIL),
        (("morphine", "Ziconotide"), True, Outcome.FAIL),
        (("ziconotide",), None, Outcome.CAUTION),
        (("ziconotide",), False, Outcome.PASS),
        (("morphine",), True, Outcome.PASS),
        ((), None, Outcome.PASS),
        (None, False, Outcome.CAUTION),
    ],
)
def test_ziconotide_with_psychosis(planned, psychosis, outcome):
    inputs = replace(WELL, planned_drugs=planned, psychosis_history=psychosis)
    finding = assess(inputs, rules()).finding("ziconotide-psychosis")
    assert finding.outcome is outcome
    assert finding.provenance.source.id == "prialt-label"


@pytest.mark.parametrize(
    ("field", "rule"),
    [
        ("csf_flow_obstruction", "csf-flow-obstruction"),
        ("epidural_disease_at_catheter_level", "epidural-disease"),
    ],
)
def test_imaging_findings_ask_for_review_never_refuse(field, rule):
    finding = assess(replace(WELL, **{field: True}), rules()).finding(rule)
    assert finding.outcome is Outcome.CAUTION
    assert "review with the implanting team" in finding.reason
    assert finding.provenance.source.id == "ithaca-policy"
    assert finding.provenance.confidence is Confidence.UNCONFIRMED


def test_unreviewed_imaging_is_a_caution():
    finding = assess(replace(WELL, imaging_reviewed=False), rules()).finding("imaging-review")
    assert finding.outcome is Outcome.CAUTION


# --- blood counts ---


def test_by_default_no_count_threshold_is_set():
    assert isinstance(rules().platelets.limit, Unknown)
    assert isinstance(rules().neutrophils.limit, Unknown)
    assert "Sindt 2020" in rules().platelets.note


def test_a_count_with_no_threshold_is_reviewed():
    inputs = replace(WELL, platelets=Decimal("12"))
    finding = assess(inputs, rules()).finding("platelets")
    assert finding.outcome is Outcome.CAUTION
    assert "caution: no clinic threshold set; review the count" in finding.reason
    assert "12 ×10^9/L" in finding.reason


@pytest.mark.parametrize(
    ("count", "outcome"),
    [("49.9", Outcome.CAUTION), ("50", Outcome.PASS), ("400", Outcome.PASS)],
)
def test_a_clinic_threshold_makes_a_low_count_a_caution(count, outcome):
    clinic = read(with_rule("platelets", clinic_threshold("50")))
    finding = assess(replace(WELL, platelets=Decimal(count)), clinic).finding("platelets")
    assert finding.outcome is outcome
    assert finding.provenance.source.id == "ithaca-policy"


def test_a_hard_verified_clinic_threshold_refuses():
    table = clinic_threshold(
        "50", enforcement="hard", verified_by="Dr A. Tester", verified_on="2026-10-01"
    )
    clinic = read(with_rule("platelets", table))
    assert clinic.platelets.enforcement is Enforcement.HARD
    finding = assess(replace(WELL, platelets=Decimal("20")), clinic).finding("platelets")
    assert finding.outcome is Outcome.FAIL


def test_an_unverified_unconfirmed_threshold_cannot_be_hard():
    with pytest.raises(LibraryInvalid, match="cannot be a hard limit"):
        read(with_rule("neutrophils", clinic_threshold("1.0", enforcement="hard")))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"value": 50.0}, "never as a float"),
        ({"value": 50}, "as a string"),
        ({"unit": "/µL"}, "10\\^9/L"),
        ({"source": "hearsay"}, "unknown source"),
        ({"value": "0"}, "above zero"),
        ({"unknown": "still unset"}, "not both"),
        ({"limit": "50"}, "not a known key"),
    ],
)
def test_the_reader_refuses_a_bad_clinic_threshold(change, message):
    with pytest.raises(LibraryInvalid, match=message):
        read(with_rule("platelets", {**clinic_threshold("50"), **change}))


@pytest.mark.parametrize("key", ["enforcement", "unit"])
def test_an_unset_threshold_takes_no_enforcement_or_unit(key):
    table = {**rules_table("platelets"), key: "hard" if key == "enforcement" else "10^9/L"}
    with pytest.raises(LibraryInvalid, match="not both"):
        read(with_rule("platelets", table))


def rules_table(key: str) -> dict[str, object]:
    header = eligibility_data()["eligibility"]
    assert isinstance(header, dict)
    return dict(header[key])


def test_a_misspelt_rule_is_refused_not_ignored():
    data = with_rule("platelet", clinic_threshold("50"))
    with pytest.raises(LibraryInvalid, match="not a known key"):
        read(data)


def test_a_float_month_is_refused():
    data = copy.deepcopy(eligibility_data())
    data["eligibility"]["life_expectancy"]["implanted"]["value"] = 3.0
    with pytest.raises(LibraryInvalid, match="never as a float"):
        read(data)


# --- refills and alarms ---


def test_a_long_journey_alone_is_shown_not_failed():
    finding = assess(replace(WELL, travel_minutes=360), rules()).finding("refill-access")
    assert finding.outcome is Outcome.PASS
    assert "360 minutes" in finding.reason


def test_a_patient_who_cannot_attend_refills_needs_arrangements():
    inputs = replace(WELL, can_attend_refills=False, has_transport=False)
    finding = assess(inputs, rules()).finding("refill-access")
    assert finding.outcome is Outcome.CAUTION
    assert len(finding.actions) == 2
    assert finding.provenance.source.id == "medtronic-2011-advisory"


@pytest.mark.parametrize(
    ("can_respond", "caregiver", "outcome"),
    [
        (True, None, Outcome.PASS),
        (False, True, Outcome.PASS),
        (False, False, Outcome.CAUTION),
        (False, None, Outcome.CAUTION),
        (None, True, Outcome.CAUTION),
    ],
)
def test_alarms_need_the_patient_or_a_caregiver(can_respond, caregiver, outcome):
    inputs = replace(WELL, can_respond_to_alarms=can_respond, caregiver_available=caregiver)
    assert assess(inputs, rules()).finding("alarm-response").outcome is outcome


# --- anticoagulants in the assessment ---


def test_without_an_implant_date_the_holds_ask_for_one():
    inputs = replace(WELL, anticoagulants=("warfarin",), planned_implant_start=None)
    finding = assess(inputs, rules()).finding("anticoagulant-hold:warfarin")
    assert finding.outcome is Outcome.CAUTION
    assert "set the implant date to get the stop dates" in finding.reason


def test_an_unknown_anticoagulant_is_a_named_error():
    with pytest.raises(UnknownAnticoagulant, match="known: "):
        assess(replace(WELL, anticoagulants=("warfarinn",)), rules())


@given(
    st.lists(st.sampled_from(sorted(rules().hold_rules)), max_size=6),
    st.one_of(
        st.none(),
        st.datetimes(EARLIEST, LATEST, timezones=st.just(UTC)),
    ),
)
def test_holds_are_cautions_never_failures(drug_ids, start):
    inputs = replace(WELL, anticoagulants=tuple(drug_ids), planned_implant_start=start)
    assessment = assess(inputs, rules())
    holds = [f for f in assessment.findings if f.rule.startswith("anticoagulant-hold:")]
    assert len(holds) == len(set(drug_ids))
    assert all(f.outcome is Outcome.CAUTION for f in holds)
    for finding in holds:
        if finding.provenance.unconfirmed_and_unverified:
            assert "unconfirmed: verify against the ASRA 2018 table" in finding.reason
    assert assessment.outcome is not Outcome.FAIL


# --- storage ---


def test_the_assessment_is_json_ready():
    inputs = replace(WELL, anticoagulants=("warfarin", "heparin-iv"), platelets=Decimal("45.5"))
    stored = assess(inputs, rules()).to_dict()
    json.dumps(stored)
    assert stored["rules"] == {"name": "ithaca eligibility rules", "version": "2026.11.0"}
    assert stored["outcome"] == "caution"
    assert stored["suggested_system"] == "implanted"
    assert "sign-off" in stored["signoff"]
    assert stored["before_implant"][0] == {
        "text": "Warfarin: last dose on 2027-02-25; check a normal INR before the procedure",
        "due": "2027-02-25",
    }
    warfarin = stored["findings"][2]
    assert warfarin["rule"] == "anticoagulant-hold:warfarin"
    assert warfarin["provenance"]["source"] == "asra-2018"
    assert warfarin["provenance"]["confidence"] == "C"
    assert stored["inputs"]["platelets"] == "45.5"
    assert stored["inputs"]["planned_implant_start"] == "2027-03-03T09:00:00+00:00"


optional_bool = st.one_of(st.none(), st.booleans())
ids = st.one_of(
    st.none(), st.lists(st.sampled_from(["warfarin", "ibuprofen", "ziconotide"])).map(tuple)
)
counts = st.one_of(st.none(), st.decimals(min_value=0, max_value=2000, places=2))


@st.composite
def inputs_strategy(draw) -> EligibilityInputs:
    offset = draw(st.integers(-12 * 60, 14 * 60).map(lambda m: timedelta(minutes=m)))
    start = draw(
        st.one_of(
            st.none(),
            st.datetimes(EARLIEST, LATEST),  # naive starts are stored and read back too
            st.datetimes(EARLIEST, LATEST, timezones=st.just(timezone(offset))),
        )
    )
    return EligibilityInputs(
        life_expectancy_months=draw(st.one_of(st.none(), st.integers(0, 240))),
        active_infection=draw(optional_bool),
        anticoagulants=draw(ids),
        planned_implant_start=start,
        platelets=draw(counts),
        neutrophils=draw(counts),
        csf_flow_obstruction=draw(optional_bool),
        epidural_disease_at_catheter_level=draw(optional_bool),
        imaging_reviewed=draw(st.booleans()),
        planned_drugs=draw(ids),
        psychosis_history=draw(optional_bool),
        can_attend_refills=draw(optional_bool),
        travel_minutes=draw(st.one_of(st.none(), st.integers(0, 1000))),
        has_transport=draw(optional_bool),
        caregiver_available=draw(optional_bool),
        can_respond_to_alarms=draw(optional_bool),
    )


@given(inputs_strategy())
def test_inputs_round_trip_through_json(inputs):
    stored = json.loads(json.dumps(inputs.to_dict()))
    assert EligibilityInputs.from_dict(stored) == inputs


@given(inputs_strategy())
def test_any_inputs_give_a_complete_assessment(inputs):
    if inputs.anticoagulants and "ziconotide" in inputs.anticoagulants:
        with pytest.raises(UnknownAnticoagulant):
            assess(inputs, rules())
        return
    assessment = assess(inputs, rules())
    assert rule_ids(assessment)[:2] == RULE_IDS[:2]
    assert rule_ids(assessment)[-8:] == RULE_IDS[-8:]
    worst = {f.outcome for f in assessment.findings}
    expected = (
        Outcome.FAIL
        if Outcome.FAIL in worst
        else Outcome.CAUTION
        if Outcome.CAUTION in worst
        else Outcome.PASS
    )
    assert assessment.outcome is expected
    json.dumps(assessment.to_dict())


def test_ids_are_normalised_and_deduplicated():
    inputs = EligibilityInputs(anticoagulants=(" Warfarin", "warfarin", "IBUPROFEN"))
    assert inputs.anticoagulants == ("warfarin", "ibuprofen")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"life_expectancy_months": -1}, "life_expectancy_months"),
        ({"life_expectancy_months": True}, "life_expectancy_months"),
        ({"platelets": "-3"}, "platelets"),
        ({"platelets": 150.0}, "platelets"),
        ({"platelets": "1e3"}, "platelets"),
        ({"active_infection": "no"}, "active_infection"),
        ({"planned_implant_start": "next tuesday"}, "planned_implant_start"),
        ({"anticoagulants": "warfarin"}, "anticoagulants"),
        ({"weight_kg": 70}, "weight_kg"),
    ],
)
def test_inputs_that_cannot_describe_a_patient_are_refused(data, field):
    with pytest.raises(InvalidEligibilityInputs) as caught:
        EligibilityInputs.from_dict(data)
    assert caught.value.field == field


def test_a_non_finite_count_is_refused():
    with pytest.raises(InvalidEligibilityInputs):
        EligibilityInputs(platelets=Decimal("NaN"))


# --- the shipped data file ---


def _walk(table: dict[str, object], where: str):
    for key, value in table.items():
        if isinstance(value, dict):
            yield from _walk(value, f"{where}.{key}")
        else:
            yield f"{where}.{key}", key, value


def test_the_data_file_has_only_the_two_top_level_tables():
    assert set(eligibility_data()) == {"eligibility", "anticoagulants"}
    assert "NEEDS LOCAL CLINICAL SIGN-OFF" in _texts()[0]


def test_every_number_in_the_data_file_is_a_string():
    for where, key, value in _walk(eligibility_data(), ""):
        assert not isinstance(value, (int, float)) or isinstance(value, bool), where
        if isinstance(value, bool):
            assert key == "requires_normal_inr", where


def test_every_value_table_names_a_source_a_mark_and_a_note():
    def tables(table: dict[str, object], where: str):
        leaves = {k for k, v in table.items() if not isinstance(v, dict)}
        if leaves:
            yield where, table
        for key, value in table.items():
            if isinstance(value, dict):
                yield from tables(value, f"{where}.{key}")

    data = eligibility_data()
    for where, table in tables(data["anticoagulants"], "anticoagulants"):
        assert {"source", "confidence", "note"} <= table.keys(), where
    header = data["eligibility"]
    for where, table in tables(header, "eligibility"):
        if where == "eligibility" or "unknown" in table:
            continue
        assert {"source", "confidence", "note"} <= table.keys(), where


# --- dates already past, judged against the clinic's today passed in ---


def test_a_last_dose_day_already_gone_is_a_caution_to_re_plan():
    inputs = replace(WELL, anticoagulants=("warfarin",))
    # Warfarin's last dose is 2027-02-25 for an implant on 2027-03-03: on 2027-02-27 the
    # five drug-free days can no longer be had.
    late = assess(inputs, rules(), on=date(2027, 2, 27)).finding("timing")
    assert late.outcome is Outcome.CAUTION
    assert "re-plan the implant date" in late.reason
    assert "2027-02-25" in late.reason
    on_time = assess(inputs, rules(), on=date(2027, 2, 25))
    assert "timing" not in [f.rule for f in on_time.findings]


def test_an_implant_planned_in_the_past_is_a_caution():
    found = assess(WELL, rules(), on=date(2027, 3, 4)).finding("timing")
    assert "is before today (2027-03-04)" in found.reason


def test_without_today_no_timing_rule_is_judged():
    assert "timing" not in [f.rule for f in assess(WELL, rules()).findings]
