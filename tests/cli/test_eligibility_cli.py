"""`ithaca check eligibility`: every finding with its source, exit 1 on a FAIL."""

from __future__ import annotations

import json

import pytest

from ithaca.cli import main

FULL = [
    "check",
    "eligibility",
    "--life-expectancy-months",
    "5",
    "--active-infection",
    "no",
    "--anticoagulant",
    "warfarin",
    "--procedure",
    "2027-03-03T09:00",
    "--platelets",
    "150",
    "--neutrophils",
    "2.1",
    "--imaging-reviewed",
    "--csf-flow-obstruction",
    "no",
    "--epidural-disease",
    "no",
    "--planned-drug",
    "morphine",
    "--psychosis-history",
    "no",
    "--can-attend-refills",
    "yes",
    "--travel-minutes",
    "45",
    "--has-transport",
    "yes",
    "--caregiver-available",
    "yes",
    "--can-respond-to-alarms",
    "yes",
]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        code = main(list(args))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_a_full_assessment_is_a_caution_with_every_finding_and_the_dated_hold(capsys):
    code, out, err = run(capsys, *FULL, "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["check"] == "eligibility"
    assert doc["outcome"] == "caution"  # no clinic count threshold is set: the counts are reviewed
    assert doc["suggested_system"] == "implanted"  # 5 months is more than 3 [C]
    outcomes = {f["rule"]: f["outcome"] for f in doc["findings"]}
    assert outcomes["life-expectancy"] == "pass"
    assert outcomes["active-infection"] == "pass"
    assert outcomes["anticoagulant-hold:warfarin"] == "caution"
    assert outcomes["platelets"] == "caution"
    assert outcomes["refill-access"] == "pass"
    assert doc["before_implant"][0] == {
        "text": "Warfarin: last dose on 2027-02-25; check a normal INR before the procedure",
        "due": "2027-02-25",
    }
    assert doc["inputs"]["platelets"] == "150"
    assert doc["inputs"]["travel_minutes"] == 45
    assert doc["inputs"]["planned_implant_start"] == "2027-03-03T09:00+00:00"
    assert doc["rules"] == {"name": "ithaca eligibility rules", "version": "2026.11.0"}
    assert "need local clinical sign-off" in doc["signoff"]
    assert "Every clinical rule set" in doc["library_signoff"]
    assert len(doc["library"]["sha256"]) == 64
    assert doc["needs_local_signoff"] is True


def test_the_text_lists_every_finding_with_its_source_and_the_before_implant_list(capsys):
    code, out, _ = run(capsys, *FULL)
    assert code == 0
    assert out.startswith("Eligibility for intrathecal drug delivery: CAUTION\n")
    assert "Suggested system: a fully implanted pump" in out
    assert "Planned implant start: 2027-03-03 09:00 (local time)" in out
    assert "  [PASS] life-expectancy: expected survival 5 months is more than 3" in out
    assert "  [CAUTION] anticoagulant-hold:warfarin: Warfarin: stop 5 days" in out
    assert "source: none: no clinic value is set" in out  # platelets: no threshold
    assert "[C]" in out
    assert "[U]" in out
    assert "  2027-02-25  Warfarin: last dose on 2027-02-25" in out
    assert "Rules: ithaca eligibility rules 2026.11.0." in out
    assert out.count("[PASS]") + out.count("[CAUTION]") + out.count("[FAIL]") == 11
    lines = out.rstrip("\n").split("\n")
    assert lines[-1].startswith("NEEDS LOCAL CLINICAL SIGN-OFF.")


def test_an_active_infection_fails_and_exits_1(capsys):
    code, out, _ = run(capsys, "check", "eligibility", "--active-infection", "yes")
    assert code == 1
    assert out.startswith("Eligibility for intrathecal drug delivery: FAIL\n")
    assert "[FAIL] active-infection: active infection is a device contraindication" in out
    code, out, _ = run(capsys, "check", "eligibility", "--active-infection", "yes", "--json")
    assert code == 1
    assert json.loads(out)["outcome"] == "fail"


def test_ziconotide_with_psychosis_fails(capsys):
    code, out, _ = run(
        capsys,
        "check",
        "eligibility",
        "--planned-drug",
        "ziconotide",
        "--psychosis-history",
        "yes",
        "--json",
    )
    assert code == 1
    doc = json.loads(out)
    assert {f["rule"]: f["outcome"] for f in doc["findings"]}["ziconotide-psychosis"] == "fail"


def test_nothing_recorded_is_a_caution_never_a_pass(capsys):
    code, out, _ = run(capsys, "check", "eligibility", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["outcome"] == "caution"
    assert doc["suggested_system"] is None
    assert all(v is None for k, v in doc["inputs"].items() if k != "imaging_reviewed")
    reasons = {f["rule"]: f["reason"] for f in doc["findings"]}
    assert reasons["active-infection"].startswith("not recorded")


def test_unknown_is_not_recorded_and_none_records_no_anticoagulant(capsys):
    code, out, _ = run(
        capsys,
        "check",
        "eligibility",
        "--active-infection",
        "unknown",
        "--anticoagulant",
        "none",
        "--json",
    )
    assert code == 0
    doc = json.loads(out)
    assert doc["inputs"]["active_infection"] is None
    assert doc["inputs"]["anticoagulants"] == []
    assert {f["rule"]: f["outcome"] for f in doc["findings"]}["anticoagulants"] == "pass"


def test_a_date_alone_is_kept_as_a_date_when_no_hold_is_in_hours(capsys):
    code, out, _ = run(
        capsys,
        "check",
        "eligibility",
        "--anticoagulant",
        "warfarin",
        "--procedure",
        "2027-03-03",
        "--json",
    )
    assert code == 0
    doc = json.loads(out)
    assert doc["inputs"]["planned_implant_start"] == "2027-03-03"
    assert doc["before_implant"][0]["due"] == "2027-02-25"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--active-infection", "maybe"], "--active-infection: 'maybe' is not an answer"),
        (["--has-transport", "y"], "--has-transport: 'y' is not an answer"),
        (["--can-respond-to-alarms", "true"], "--can-respond-to-alarms:"),
        (["--platelets", ".5"], "--platelets: '.5' is not a valid quantity: write a leading zero"),
        (["--platelets", "-5"], "--platelets: '-5' cannot be negative"),
        (["--neutrophils", "2,1"], "--neutrophils:"),
        (["--life-expectancy-months", "2.5"], "--life-expectancy-months: '2.5' must be a whole"),
        (["--travel-minutes", "45min"], "--travel-minutes:"),
        (["--anticoagulant", "wafarin"], "--anticoagulant: 'wafarin' is not in the"),
        (["--anticoagulant", "none", "--anticoagulant", "warfarin"], "'none' cannot be given"),
        (["--planned-drug", "morfine"], "--planned-drug: 'morfine' is not in the library"),
        (
            ["--anticoagulant", "heparin-iv", "--procedure", "2027-03-03"],
            "--procedure: the planned start time is needed",
        ),
        (["--procedure", "tomorrow"], "--procedure: 'tomorrow' is not a local date and time"),
    ],
)
def test_bad_input_is_one_line_naming_the_option_with_exit_status_2(capsys, args, expected):
    code, out, err = run(capsys, "check", "eligibility", *args)
    assert code == 2
    assert out == ""
    assert expected in err
    assert err.count("\n") == 1
    assert "Traceback" not in err
