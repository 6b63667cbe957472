"""Anticoagulant and antiplatelet holds before an implant: the table and its dates."""

from __future__ import annotations

import copy
import tomllib
from datetime import UTC, date, datetime, timedelta, timezone
from functools import cache
from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ithaca.clinical.anticoagulation import (
    UNCONFIRMED_TEXT,
    HoldKind,
    HoldRules,
    Span,
    first_drug_free_day,
    last_dose_by,
    last_dose_day,
    plan_hold,
    read_hold_rules,
)
from ithaca.clinical.datareader import Node, read_sources
from ithaca.clinical.errors import LibraryInvalid, UnknownAnticoagulant
from ithaca.clinical.sources import Confidence, Source

IMPLANT = datetime(2027, 3, 3, 9, 0, tzinfo=UTC)
# Hypothesis takes naive bounds and adds the time zone itself.
EARLIEST = datetime(2000, 3, 1)  # noqa: DTZ001
LATEST = datetime(2099, 12, 31)  # noqa: DTZ001


@cache
def _texts() -> tuple[str, str]:
    data = resources.files("ithaca.data")
    return (
        data.joinpath("eligibility.toml").read_text(encoding="utf-8"),
        data.joinpath("sources.toml").read_text(encoding="utf-8"),
    )


def eligibility_data() -> dict[str, object]:
    return tomllib.loads(_texts()[0])


@cache
def sources() -> dict[str, Source]:
    return read_sources(tomllib.loads(_texts()[1]))


def read(data: dict[str, object]) -> HoldRules:
    return read_hold_rules(Node(data, "eligibility", sources()))


@cache
def holds() -> HoldRules:
    return read(eligibility_data())


def with_hold(drug_id: str, table: dict[str, object]) -> dict[str, object]:
    data = copy.deepcopy(eligibility_data())
    anticoagulants = data["anticoagulants"]
    assert isinstance(anticoagulants, dict)
    anticoagulants[drug_id] = table
    return data


BASE_HOLD: dict[str, object] = {
    "name": "Test drug",
    "kind": "anticoagulant",
    "days": "5",
    "source": "asra-2018",
    "confidence": "C",
    "note": "test",
}


# --- the table holds what the reference says, with its marks ---

ASRA_DAYS = {
    "aspirin-primary": 6,
    "diclofenac": 1,
    "ketorolac": 1,
    "ibuprofen": 1,
    "etodolac": 2,
    "indomethacin": 2,
    "naproxen": 4,
    "meloxicam": 4,
    "nabumetone": 6,
    "oxaprozin": 10,
    "piroxicam": 10,
    "cilostazol": 2,
    "dipyridamole": 2,
    "warfarin": 5,
    "acenocoumarol": 3,
}
ASRA_HOURS = {
    "heparin-iv": 6,
    "heparin-sc": 24,
    "enoxaparin-prophylactic": 12,
    "enoxaparin-therapeutic": 24,
    "dalteparin": 24,
}
RECALLED_DAYS = {
    "prasugrel": Span(7, 10),
    "ticagrelor": Span(5, 5),
    "dabigatran": Span(4, 5),
    "rivaroxaban": Span(3, 3),
    "apixaban": Span(3, 3),
    "edoxaban": Span(3, 3),
    "fondaparinux": Span(4, 4),
}
RESTART = {
    "aspirin-primary": Span(24, 24),
    "aspirin-secondary": Span(24, 24),
    "ibuprofen": Span(24, 24),
    "piroxicam": Span(24, 24),
    "warfarin": Span(6, 6),
    "heparin-iv": Span(2, 2),
    "heparin-sc": Span(6, 6),
    "enoxaparin-prophylactic": Span(12, 24),
    "enoxaparin-therapeutic": Span(12, 24),
    "dalteparin": Span(12, 24),
    "doac-general": Span(24, 24),
    "apixaban": Span(12, 24),
    "cilostazol": None,
    "dipyridamole": None,
    "acenocoumarol": None,
    "clopidogrel": None,
}


@pytest.mark.parametrize(("drug_id", "days"), ASRA_DAYS.items())
def test_confirmed_day_holds_are_the_asra_2018_high_risk_values(drug_id, days):
    rule = holds().rule(drug_id)
    assert rule.days == Span(days, days)
    assert rule.provenance.source.id == "asra-2018"
    assert rule.provenance.confidence is Confidence.CONFIRMED


@pytest.mark.parametrize(("drug_id", "hours"), ASRA_HOURS.items())
def test_confirmed_hour_holds_are_the_asra_2018_high_risk_values(drug_id, hours):
    rule = holds().rule(drug_id)
    assert rule.kind is HoldKind.HOURS
    assert rule.hours == hours
    assert rule.provenance.source.id == "asra-2018"
    assert rule.provenance.confidence is Confidence.CONFIRMED


@pytest.mark.parametrize(("drug_id", "span"), RECALLED_DAYS.items())
def test_recalled_holds_are_unconfirmed_and_advisory(drug_id, span):
    rule = holds().rule(drug_id)
    assert rule.days == span
    assert rule.provenance.source.id == "asra-2018-recollection"
    assert rule.unconfirmed


@pytest.mark.parametrize(("drug_id", "restart"), RESTART.items())
def test_restart_times_are_those_of_the_reference(drug_id, restart):
    assert holds().rule(drug_id).restart_hours == restart


def test_warfarin_and_acenocoumarol_need_a_normal_inr():
    needing = {d for d, rule in holds().drugs.items() if rule.requires_normal_inr}
    assert needing == {"warfarin", "acenocoumarol"}


def test_clopidogrel_rests_on_the_chinese_consensus_and_names_the_blog():
    rule = holds().rule("clopidogrel")
    assert rule.days == Span(7, 7)
    assert (rule.alternative_days, rule.alternative_when) == (5, "cardiovascular risk is high")
    assert rule.provenance.source.id == "china-idd-consensus-2022"
    assert rule.provenance.confidence is Confidence.SECONDARY
    assert "blog" in rule.provenance.note


def test_rules_without_a_day_count_say_what_to_do():
    secondary = holds().rule("aspirin-secondary")
    assert secondary.kind is HoldKind.DECISION
    assert "prescriber" in (secondary.instruction or "")
    doac = holds().rule("doac-general")
    assert doac.kind is HoldKind.HALF_LIVES
    assert doac.half_lives == 5
    assert doac.provenance.confidence is Confidence.SECONDARY


def test_the_procedure_is_high_risk_per_asra_2018():
    assert holds().procedure_risk.value == "high"
    assert holds().procedure_risk.provenance.confidence is Confidence.CONFIRMED


# --- hand-worked dates ---


def test_warfarin_for_an_implant_on_3_march_2027():
    plan = plan_hold(holds().rule("warfarin"), IMPLANT)
    assert plan.last_dose_day == date(2027, 2, 25)
    assert plan.first_drug_free_day == date(2027, 2, 26)
    text = plan.explain()
    assert "last dose on 2027-02-25" in text
    assert "first drug-free day 2027-02-26" in text
    assert "and a normal INR before the procedure" in text
    assert "restart no sooner than 6 h after the procedure" in text
    assert "needs local clinical sign-off" in text
    assert "normal INR" in plan.action()


def test_ibuprofen_for_an_implant_on_3_march_2027():
    plan = plan_hold(holds().rule("ibuprofen"), IMPLANT)
    assert plan.last_dose_day == date(2027, 3, 1)
    assert plan.first_drug_free_day == date(2027, 3, 2)
    assert "stop 1 day before" in plan.explain()


def test_therapeutic_enoxaparin_gives_a_last_dose_time():
    plan = plan_hold(holds().rule("enoxaparin-therapeutic"), IMPLANT)
    assert plan.last_dose_by == datetime(2027, 3, 2, 9, 0, tzinfo=UTC)
    assert plan.last_dose_day is None
    assert "no later than 2027-03-02 09:00" in plan.explain()
    assert "restart no sooner than 12-24 h" in plan.explain()
    assert plan.due == date(2027, 3, 2)


@pytest.mark.parametrize(
    ("drug_id", "implant", "last_dose", "first_free"),
    [
        # across a month end
        ("warfarin", date(2027, 3, 1), date(2027, 2, 23), date(2027, 2, 24)),
        ("naproxen", date(2027, 5, 2), date(2027, 4, 27), date(2027, 4, 28)),
        # a leap year: 29 February 2028 exists
        ("warfarin", date(2028, 3, 1), date(2028, 2, 24), date(2028, 2, 25)),
        ("ibuprofen", date(2028, 3, 1), date(2028, 2, 28), date(2028, 2, 29)),
        ("etodolac", date(2028, 3, 1), date(2028, 2, 27), date(2028, 2, 28)),
        # a year end
        ("oxaprozin", date(2027, 1, 2), date(2026, 12, 22), date(2026, 12, 23)),
        ("ibuprofen", date(2027, 1, 1), date(2026, 12, 30), date(2026, 12, 31)),
    ],
)
def test_day_holds_across_month_ends_leap_years_and_year_ends(
    drug_id, implant, last_dose, first_free
):
    start = datetime(implant.year, implant.month, implant.day, 8, 30, tzinfo=UTC)
    plan = plan_hold(holds().rule(drug_id), start)
    assert (plan.last_dose_day, plan.first_drug_free_day) == (last_dose, first_free)


PLUS_ONE = timezone(timedelta(hours=1))


@pytest.mark.parametrize(
    ("drug_id", "start", "last"),
    [
        (
            "enoxaparin-therapeutic",
            datetime(2028, 3, 1, 8, 0, tzinfo=PLUS_ONE),
            datetime(2028, 2, 29, 8, 0, tzinfo=PLUS_ONE),
        ),
        (
            "heparin-iv",
            datetime(2027, 1, 1, 3, 0, tzinfo=PLUS_ONE),
            datetime(2026, 12, 31, 21, 0, tzinfo=PLUS_ONE),
        ),
        (
            "enoxaparin-prophylactic",
            datetime(2027, 3, 1, 7, 0, tzinfo=PLUS_ONE),
            datetime(2027, 2, 28, 19, 0, tzinfo=PLUS_ONE),
        ),
    ],
)
def test_hour_holds_across_leap_days_and_year_ends(drug_id, start, last):
    plan = plan_hold(holds().rule(drug_id), start)
    assert plan.last_dose_by == last
    assert plan.last_dose_by.tzinfo is PLUS_ONE


def test_a_naive_start_is_plain_arithmetic_too():
    naive = datetime(2027, 3, 3, 9, 0)  # noqa: DTZ001 - the core accepts naive starts
    assert plan_hold(holds().rule("warfarin"), naive).last_dose_day == date(2027, 2, 25)
    hourly = plan_hold(holds().rule("heparin-sc"), naive)
    assert hourly.last_dose_by == datetime(2027, 3, 2, 9, 0)  # noqa: DTZ001


def test_a_range_uses_the_high_end_and_says_so():
    plan = plan_hold(holds().rule("prasugrel"), IMPLANT)
    assert plan.last_dose_day == date(2027, 2, 20)  # 10 days: day -11
    assert "7-10 days" in plan.explain()
    assert "the high end" in plan.explain()


def test_an_alternative_day_count_gets_its_own_date():
    plan = plan_hold(holds().rule("dabigatran"), IMPLANT)
    assert plan.last_dose_day == date(2027, 2, 25)  # 5 days
    assert plan.alternative_last_dose_day == date(2027, 2, 24)  # 6 with renal impairment
    assert "6 days if renal function is impaired" in plan.explain()


@pytest.mark.parametrize("drug_id", sorted(RECALLED_DAYS))
def test_unconfirmed_holds_say_so_in_text_and_action(drug_id):
    plan = plan_hold(holds().rule(drug_id), IMPLANT)
    assert plan.explain().startswith(UNCONFIRMED_TEXT)
    assert UNCONFIRMED_TEXT in plan.action()


@pytest.mark.parametrize("drug_id", ["aspirin-secondary", "doac-general"])
def test_rules_without_a_number_give_no_date(drug_id):
    plan = plan_hold(holds().rule(drug_id), IMPLANT)
    assert plan.due is None
    assert plan.last_dose_day is None
    assert plan.last_dose_by is None
    assert holds().rule(drug_id).instruction.rstrip(".") in plan.explain()


def test_without_a_start_there_are_no_dates_but_the_rule_is_stated():
    plan = plan_hold(holds().rule("warfarin"), None)
    assert plan.due is None
    assert "set the implant date" in plan.explain()
    assert "last dose on day -6" in plan.action()
    hourly = plan_hold(holds().rule("dalteparin"), None)
    assert "24 h" in hourly.action()


def test_no_restart_time_is_said_plainly():
    assert "no restart time" in plan_hold(holds().rule("cilostazol"), IMPLANT).explain()


def test_an_unknown_drug_is_a_named_error_listing_the_known_ids():
    with pytest.raises(UnknownAnticoagulant) as caught:
        holds().rule("heparinoid")
    assert "heparinoid" in str(caught.value)
    assert "warfarin" in str(caught.value)
    assert "enoxaparin-therapeutic" in caught.value.known


def test_drug_ids_are_matched_without_case_or_spaces():
    assert holds().rule("  Warfarin ").id == "warfarin"


# --- properties of the date arithmetic ---


@given(st.dates(date(2000, 3, 1), date(2099, 12, 31)), st.integers(1, 30))
def test_a_hold_of_n_days_leaves_n_whole_drug_free_days(procedure_day, days):
    last = last_dose_day(procedure_day, days)
    first = first_drug_free_day(procedure_day, days)
    assert first - last == timedelta(days=1)
    assert procedure_day - first == timedelta(days=days)


@given(
    st.datetimes(EARLIEST, LATEST, timezones=st.just(UTC)),
    st.integers(1, 72),
)
def test_an_hour_hold_ends_exactly_that_many_hours_before(start, hours):
    assert start - last_dose_by(start, hours) == timedelta(hours=hours)


# --- the reader refuses what would make a hold wrong ---


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"days": 5.0}, "never as a float"),
        ({"days": 5}, "as a string"),
        ({"days": "2.5"}, "whole number"),
        ({"days": "0"}, "whole number"),
        ({"source": "a-blog-nobody-cited"}, "unknown source"),
        ({"confidence": "X"}, "C, S or U"),
        ({"day": "5"}, "not a hold key"),
        ({"hours": "6"}, "one of days"),
        ({"kind": "vitamin"}, "must be one of"),
        ({"enforcement": "hard"}, "not a hold key"),
        ({"alternative_days": "3"}, "go together"),
    ],
)
def test_the_reader_refuses_a_bad_hold(change, message):
    with pytest.raises(LibraryInvalid, match=message):
        read(with_hold("testdrug", {**BASE_HOLD, **change}))


def test_the_reader_refuses_a_range_that_does_not_rise():
    table = {k: v for k, v in BASE_HOLD.items() if k != "days"}
    with pytest.raises(LibraryInvalid, match="must be above"):
        read(with_hold("testdrug", {**table, "low": "7", "high": "7"}))


def test_the_reader_refuses_days_with_a_range():
    with pytest.raises(LibraryInvalid, match="not both"):
        read(with_hold("testdrug", {**BASE_HOLD, "low": "3", "high": "4"}))


def test_a_hold_without_a_number_must_say_what_to_do():
    table = {k: v for k, v in BASE_HOLD.items() if k != "days"}
    with pytest.raises(LibraryInvalid, match="says what to do"):
        read(with_hold("testdrug", table))


def test_an_upper_case_drug_id_is_refused():
    with pytest.raises(LibraryInvalid, match="lower case"):
        read(with_hold("Warfarin2", BASE_HOLD))


def test_an_hour_hold_is_counted_in_real_hours_across_a_clock_change():
    from zoneinfo import ZoneInfo

    from ithaca.clinical.anticoagulation import last_dose_by

    london = ZoneInfo("Europe/London")
    spring = datetime(2027, 3, 28, 9, 0, tzinfo=london)  # BST, the clocks went forward at 01:00
    assert last_dose_by(spring, 24) == datetime(2027, 3, 27, 8, 0, tzinfo=london)
    autumn = datetime(2027, 10, 31, 9, 0, tzinfo=london)  # GMT, the clocks went back at 02:00
    assert last_dose_by(autumn, 24) == datetime(2027, 10, 30, 10, 0, tzinfo=london)
    assert (spring - last_dose_by(spring, 6)).total_seconds() == 6 * 3600
