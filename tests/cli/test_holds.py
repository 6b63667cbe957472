"""`ithaca calc holds`: ASRA 2018 hold dates for a pump implant, worked by hand."""

from __future__ import annotations

import json

import pytest

from ithaca.cli import main
from ithaca.clinical.errors import ClinicalError, UnknownAnticoagulant

START = "2027-03-03T09:00"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = exit_status(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def exit_status(args: list[str]) -> int:
    try:
        return main(args)
    except SystemExit as exc:
        return int(exc.code or 0)


def holds_json(capsys: pytest.CaptureFixture[str], *drugs: str, start: str = START) -> dict:
    args = ["calc", "holds", "--procedure", start]
    for drug in drugs:
        args += ["--drug", drug]
    code, out, err = run(capsys, *args, "--json")
    assert code == 0, err
    return json.loads(out)


def test_warfarin_and_ibuprofen_give_the_hand_worked_dates(capsys):
    doc = holds_json(capsys, "warfarin", "ibuprofen")
    warfarin, ibuprofen = doc["holds"]
    # warfarin 5 days [C], implant 2027-03-03: last dose day -(5+1) = 02-25, drug-free from -5 = 02-26
    assert warfarin["last_dose_day"] == "2027-02-25"
    assert warfarin["first_drug_free_day"] == "2027-02-26"
    assert warfarin["requires_normal_inr"] is True
    assert warfarin["restart_hours"] == {"low": 6, "high": 6}
    assert warfarin["source"]["id"] == "asra-2018"
    assert warfarin["source"]["confidence"] == "C"
    assert warfarin["unconfirmed"] is False
    # ibuprofen 1 day [C]: last dose day -2 = 03-01, drug-free day -1 = 03-02
    assert ibuprofen["last_dose_day"] == "2027-03-01"
    assert ibuprofen["first_drug_free_day"] == "2027-03-02"
    assert doc["procedure_risk"]["value"] == "high"
    assert doc["convention"]["needs_local_signoff"] is True
    assert doc["convention"]["source"]["confidence"] == "U"
    assert doc["inputs"]["procedure"] == START + "+00:00"
    assert doc["needs_local_signoff"] is True


def test_warfarin_text_shows_the_dates_inr_restart_convention_and_source(capsys):
    code, out, _ = run(
        capsys, "calc", "holds", "--procedure", START, "--drug", "warfarin", "--drug", "ibuprofen"
    )
    assert code == 0
    assert "Warfarin (warfarin, anticoagulant) [C]" in out
    assert "  last dose: 2027-02-25" in out
    assert "  first drug-free day: 2027-02-26" in out
    assert "INR: a normal INR is needed before the procedure" in out
    assert "restart: no sooner than 6 h after the procedure" in out
    assert (
        "last dose day -6, first drug-free day -5 (an ithaca convention that needs local sign-off)"
        in out
    )
    assert "Day convention:" in out
    assert "source: Narouze S et al." in out
    assert "  2027-02-25  Warfarin: last dose on 2027-02-25" in out  # in date order
    lines = out.rstrip("\n").split("\n")
    assert lines[-1].startswith("NEEDS LOCAL CLINICAL SIGN-OFF.")
    assert lines[-2].startswith("Library: ")
    assert any(line.startswith("Rules: ithaca eligibility rules") for line in lines)


def test_an_hour_based_hold_gives_a_last_dose_time(capsys):
    doc = holds_json(capsys, "enoxaparin-therapeutic")
    (enoxaparin,) = doc["holds"]
    # 24 h before 2027-03-03 09:00
    assert enoxaparin["last_dose_no_later_than"] == "2027-03-02T09:00+00:00"  # GMT in March
    assert enoxaparin["last_dose_day"] is None
    assert enoxaparin["convention_applies"] is False
    code, out, _ = run(
        capsys, "calc", "holds", "--procedure", START, "--drug", "enoxaparin-therapeutic"
    )
    assert code == 0
    assert "last dose no later than: 2027-03-02 09:00" in out
    assert "restart: no sooner than 12-24 h after the procedure" in out


def test_an_unconfirmed_hold_says_verify_and_uses_the_high_end_of_its_range(capsys):
    doc = holds_json(capsys, "prasugrel")
    (prasugrel,) = doc["holds"]
    # 7-10 days [U]: dates use 10 days: last dose day -11 = 02-20, drug-free from -10 = 02-21
    assert prasugrel["unconfirmed"] is True
    assert prasugrel["days_used_for_dates"] == 10
    assert prasugrel["last_dose_day"] == "2027-02-20"
    assert prasugrel["first_drug_free_day"] == "2027-02-21"
    _, out, _ = run(capsys, "calc", "holds", "--procedure", START, "--drug", "prasugrel")
    assert "UNCONFIRMED: VERIFY AGAINST THE ASRA 2018 TABLE" in out
    assert "(unconfirmed: verify against the ASRA 2018 table) Prasugrel" in out
    assert "[U]" in out


def test_a_half_life_hold_gives_no_date(capsys):
    doc = holds_json(capsys, "doac-general")
    (doac,) = doc["holds"]
    assert doac["hold_kind"] == "half_lives"
    assert doac["last_dose_day"] is None
    assert doac["last_dose_no_later_than"] is None
    assert doc["in_date_order"] == []


def test_a_date_alone_is_enough_when_no_hold_is_in_hours(capsys):
    doc = holds_json(capsys, "warfarin", start="2027-03-03")
    assert doc["inputs"]["procedure"] == "2027-03-03"
    assert doc["inputs"]["procedure_time_given"] is False
    assert doc["holds"][0]["last_dose_day"] == "2027-02-25"


def test_a_drug_given_twice_is_planned_once(capsys):
    doc = holds_json(capsys, "warfarin", "Warfarin")
    assert [h["id"] for h in doc["holds"]] == ["warfarin"]


def test_list_prints_the_hold_table_with_marks(capsys):
    code, out, _ = run(capsys, "calc", "holds", "--list")
    assert code == 0
    assert (
        "  warfarin [C] Warfarin, anticoagulant: stop 5 days before the implant; normal INR" in out
    )
    assert (
        "  heparin-iv [C] Unfractionated heparin, intravenous, anticoagulant: last dose at least 6 h"
        in out
    )
    assert "ticagrelor [U]" in out
    assert out.rstrip("\n").split("\n")[-1].startswith("NEEDS LOCAL CLINICAL SIGN-OFF.")
    code, out, _ = run(capsys, "calc", "holds", "--list", "--json")
    doc = json.loads(out)
    assert doc["holds"]["warfarin"]["days"] == {"low": 5, "high": 5}
    assert doc["holds"]["enoxaparin-therapeutic"]["hours"] == 24


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--procedure", "2027-03-03", "--drug", "enoxaparin-therapeutic"], "start time is needed"),
        (
            ["--procedure", "2027-03-03", "--drug", "warfarin", "--drug", "heparin-iv"],
            "Unfractionated heparin, intravenous (heparin-iv, 6 h)",
        ),
        (["--procedure", START, "--drug", "aspirine"], "known: acenocoumarol, apixaban"),
        (["--procedure", "03/03/2027", "--drug", "warfarin"], "is not a local date and time"),
        (["--procedure", "2027-03-03T09:00:00", "--drug", "warfarin"], "no seconds"),
        (["--procedure", "2027-03-03T09:00+01:00", "--drug", "warfarin"], "no time zone"),
        (["--procedure", "2027-02-30T09:00", "--drug", "warfarin"], "not a real date"),
        (["--drug", "warfarin"], "--procedure: give the planned implant start"),
        (["--procedure", START], "give at least one --drug"),
        (["--list", "--drug", "warfarin"], "give --list alone"),
    ],
)
def test_bad_input_is_one_line_with_exit_status_2(capsys, args, expected):
    code, out, err = run(capsys, "calc", "holds", *args)
    assert code == 2
    assert out == ""
    assert expected in err
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_the_core_unknown_anticoagulant_error_is_a_clinical_error_main_turns_into_2(capsys):
    # main() turns every ClinicalError into one line and exit 2; the CLI adds the option name
    assert issubclass(UnknownAnticoagulant, ClinicalError)
    code, out, err = run(
        capsys, "check", "eligibility", "--anticoagulant", "heparine", "--procedure", START
    )
    assert code == 2
    assert out == ""
    assert err.startswith("ithaca: error: --anticoagulant: 'heparine' is not in the anticoagulant")
    assert err.count("\n") == 1


def test_an_hour_hold_across_the_spring_clock_change_is_24_real_hours(capsys, monkeypatch):
    # London's clocks go forward at 01:00 on 28 March 2027: 24 real hours before 09:00 BST
    # is 08:00 GMT on the day before, not 09:00 (which would be only 23 hours).
    monkeypatch.setenv("ITHACA_TIME_ZONE", "Europe/London")
    code, out, _ = run(
        capsys,
        "calc",
        "holds",
        "--procedure",
        "2027-03-28T09:00",
        "--drug",
        "enoxaparin-therapeutic",
    )
    assert code == 0
    assert "last dose no later than: 2027-03-27 08:00" in out


def test_a_time_the_clock_skips_or_repeats_is_refused(capsys, monkeypatch):
    monkeypatch.setenv("ITHACA_TIME_ZONE", "Europe/London")
    code, _, err = run(
        capsys, "calc", "holds", "--procedure", "2027-03-28T01:30", "--drug", "heparin-iv"
    )
    assert code == 2
    assert "does not exist in Europe/London" in err
    code, _, err = run(
        capsys, "calc", "holds", "--procedure", "2027-10-31T01:30", "--drug", "heparin-iv"
    )
    assert code == 2
    assert "happens twice" in err
