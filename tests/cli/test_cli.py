"""The command line: readable text, --json, exit statuses, and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ithaca.cli import main

REFILL_40 = [
    "calc",
    "refill",
    "--pump",
    "synchromed-ii-40",
    "--drug",
    "morphine:10mg/mL",
    "--daily-dose",
    "2mg",
    "--fill-volume",
    "40mL",
    "--filled-on",
    "2026-01-05",
]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    code, out, err = run(capsys, *args, "--json")
    assert code in (0, 1), err
    return json.loads(out)


def test_ome_json_gives_the_total_and_each_item_with_its_factor(capsys):
    doc = run_json(
        capsys,
        "calc",
        "ome",
        "--med",
        "oxycodone:oral:80mg/day",
        "--med",
        "fentanyl:transdermal:25mcg/h",
    )
    # 80 mg/day × 1.5 = 120; 25 mcg/h × 2.4 = 60; total 180 mg/day
    assert doc["total_ome_mg_per_day"] == "180"
    assert [i["ome_mg_per_day"] for i in doc["items"]] == ["120", "60"]
    assert doc["items"][1]["factor_per"] == "mcg/h"
    assert any("cancer" in c for c in doc["caveats"])
    assert doc["needs_local_signoff"] is True
    assert len(doc["library"]["sha256"]) == 64


def test_methadone_carries_its_non_linear_warning_in_json(capsys):
    doc = run_json(capsys, "calc", "ome", "--med", "methadone:oral:20mg/day")
    assert "non-linear" in doc["items"][0]["warnings"][0]


def test_intrathecal_json_gives_the_dose_in_mg_and_mcg_with_steps(capsys):
    doc = run_json(
        capsys,
        "calc",
        "intrathecal",
        "--ome",
        "300",
        "--drug",
        "morphine",
        "--ratio",
        "100",
        "--reduction",
        "20",
    )
    # 300 ÷ 100 = 3 mg/day; 3 × (1 − 0.20) = 2.4 mg/day = 2400 mcg/day
    assert doc["daily_dose_mg"] == "2.4"
    assert doc["daily_dose_mcg"] == "2400"
    assert doc["steps"][0].startswith("IT morphine = 300 mg/day ÷ 100")
    assert {o["hours"] for o in doc["observation"]} >= {24, 6}


def test_refill_json_gives_every_date_and_names_the_limiting_factor(capsys):
    doc = run_json(capsys, *REFILL_40)
    # 2 mg/day ÷ 10 mg/mL = 0.2 mL/day; 40 mL ÷ 0.2 = 200 days -> 2026-07-24; stability 90 days -> 04-05
    assert doc["daily_volume_ml"] == "0.2"
    assert doc["empty_date"] == "2026-07-24"
    assert doc["low_reservoir_alarm_date"] is None
    assert doc["stability_limit_date"] == "2026-04-05"
    assert doc["next_refill_due"] == "2026-04-05"
    assert doc["limiting_factor"] == "stability"


def test_refill_with_a_low_alarm_names_it_when_it_comes_first(capsys):
    doc = run_json(
        capsys,
        "calc",
        "refill",
        "--pump",
        "synchromed-ii-20",
        "--drug",
        "morphine:10mg/mL",
        "--daily-dose",
        "5mg",
        "--fill-volume",
        "20mL",
        "--filled-on",
        "2026-01-05",
        "--low-alarm",
        "2mL",
    )
    # 0.5 mL/day; (20 − 2) ÷ 0.5 = 36 days -> 2026-02-10; empty after 40 days -> 2026-02-14
    assert doc["low_reservoir_alarm_date"] == "2026-02-10"
    assert doc["limiting_factor"] == "low_reservoir_alarm"


def test_first_fill_of_ziconotide_is_limited_to_the_labelled_14_days(capsys):
    doc = run_json(
        capsys,
        "calc",
        "refill",
        "--pump",
        "synchromed-ii-20",
        "--drug",
        "ziconotide:25mcg/mL",
        "--daily-dose",
        "1.2mcg",
        "--fill-volume",
        "20mL",
        "--filled-on",
        "2026-01-05",
        "--first-fill",
    )
    assert doc["stability_limit_date"] == "2026-01-19"
    assert doc["limiting_factor"] == "stability"


def test_refill_trajectory_runs_from_the_fill_to_empty(capsys):
    doc = run_json(capsys, *REFILL_40, "--trajectory")
    assert doc["trajectory"][0] == {"date": "2026-01-05", "volume_ml": "40"}
    assert doc["trajectory"][-1] == {"date": "2026-07-24", "volume_ml": "0"}


def test_residual_json_gives_discrepancy_percent_and_flag(capsys):
    doc = run_json(capsys, "calc", "residual", "--expected", "12mL", "--measured", "9mL")
    # 12 − 9 = 3 mL; 3 ÷ 12 = 25% > 20%
    assert doc["discrepancy_ml"] == "3"
    assert doc["discrepancy_percent"] == "25"
    assert doc["flagged"] is True


def test_residual_can_be_computed_from_the_program_and_the_last_fill(capsys):
    doc = run_json(
        capsys,
        "calc",
        "residual",
        "--pump",
        "synchromed-ii-20",
        "--drug",
        "morphine:10mg/mL",
        "--daily-dose",
        "5mg",
        "--fill-volume",
        "20mL",
        "--filled-on",
        "2026-01-05",
        "--on",
        "2026-02-02",
        "--bolus-scenario",
        "none",
        "--measured",
        "6mL",
    )
    # 0.5 mL/day × 28 days = 14 mL delivered; 20 − 14 = 6 mL expected
    assert doc["inputs"]["expected_ml"] == "6"
    assert doc["flagged"] is False


def test_the_issue_ziconotide_example_is_blocked_with_sourced_findings(capsys):
    code, out, _ = run(
        capsys,
        "check",
        "program",
        "--pump",
        "synchromed-ii-20",
        "--drug",
        "ziconotide:25mcg/mL",
        "--daily-dose",
        "30mcg",
        "--current-daily-dose",
        "2.4mcg",
        "--json",
    )
    doc = json.loads(out)
    assert code == 1
    assert doc["verdict"] == "blocked"
    hard = [f for f in doc["findings"] if f["severity"] == "hard"]
    assert {f["code"] for f in hard} == {"daily_dose_above_limit", "titration_step_above_limit"}
    assert all(
        f["source"]["id"] == "prialt-label" and f["source"]["confidence"] == "C" for f in hard
    )


def test_a_program_within_limits_is_ok_and_exits_zero(capsys):
    code, out, _ = run(
        capsys,
        "check",
        "program",
        "--pump",
        "synchromed-ii-40",
        "--drug",
        "morphine:10mg/mL",
        "--daily-dose",
        "2mg",
    )
    assert code == 0
    assert out.startswith("Program check: OK")
    assert "NEEDS LOCAL CLINICAL SIGN-OFF" in out


def test_a_soft_limit_says_it_needs_an_override_but_exits_zero(capsys):
    code, out, _ = run(
        capsys,
        "check",
        "program",
        "--pump",
        "synchromed-ii-40",
        "--drug",
        "morphine:10mg/mL",
        "--daily-dose",
        "22mg",
    )
    assert code == 0
    assert "NEEDS OVERRIDE" in out
    assert "second person" in out


def test_check_program_reads_a_flexible_schedule_and_a_patient_bolus(capsys):
    doc = run_json(
        capsys,
        "check",
        "program",
        "--pump",
        "prometra-ii-20",
        "--drug",
        "morphine:10mg/mL",
        "--step",
        "00:00=1mg",
        "--step",
        "12:00=3mg",
        "--bolus-dose",
        "0.1mg",
        "--bolus-lockout",
        "240",
        "--bolus-max",
        "4",
    )
    # basal: 1 mg/day for 12 h + 3 mg/day for 12 h = 2 mg/day; boluses 4 × 0.1 = 0.4 -> 2.4 mg/day
    drug = doc["per_drug"][0]
    assert drug["min_daily_dose"] == "2 mg/day"
    assert drug["max_daily_dose"] == "2.4 mg/day"
    assert doc["inputs"]["mode"] == "flexible"


def test_check_program_on_a_constant_flow_pump_takes_the_labelled_rate(capsys):
    doc = run_json(
        capsys,
        "check",
        "program",
        "--pump",
        "isomed-20",
        "--drug",
        "morphine:10mg/mL",
        "--fixed-rate",
        "0.5mL/day",
    )
    assert doc["per_drug"][0]["min_daily_dose"] == "5 mg/day"
    assert "constant_flow_pump" in {f["code"] for f in doc["findings"]}


def test_a_clinic_library_file_changes_the_version_and_hash_reported(capsys, tmp_path: Path):
    clinic = tmp_path / "clinic.toml"
    clinic.write_text(
        '[clinic]\nname = "St Elsewhere pain clinic"\nversion = "3"\napproved_by = "Dr A"\n'
        'approved_on = "2026-11-01"\n\n[policy.max_refill_interval_days]\nvalue = 60\n'
        'source = "ithaca-policy"\nconfidence = "U"\n',
        encoding="utf-8",
    )
    base = run_json(capsys, *REFILL_40)
    doc = run_json(capsys, "--library", str(clinic), *REFILL_40)
    assert doc["library"]["version"] == "2026.11.0 + St Elsewhere pain clinic 3"
    assert doc["library"]["sha256"] != base["library"]["sha256"]
    assert doc["clinic_max_interval_date"] == "2026-03-06"  # 2026-01-05 + 60 days
    assert doc["limiting_factor"] == "clinic_max_interval"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["calc", "ome", "--med", "heroin:oral:10mg/day"], "no factor for heroin"),
        (
            ["calc", "ome", "--med", "buprenorphine:transdermal:10mcg/h"],
            "will not convert buprenorphine",
        ),
        (["calc", "ome", "--med", "oxycodone:oral:80mgs/day"], "'mgs/day' is not a unit"),
        (["calc", "ome", "--med", "oxycodone:oral:80m g/day"], "'m g/day' is not a unit"),
        (["calc", "ome", "--med", "oxycodone:oral:80mg"], "no time base"),
        (["calc", "ome", "--med", "oxycodone:oral:-5mg/day"], "must be above zero"),
        (["calc", "ome", "--med", "oxycodone:oral:0mg/day"], "must be above zero"),
        (["calc", "ome", "--med", "oxycodone:oral:.5mg/day"], "leading zero"),
        (
            ["calc", "intrathecal", "--ome", "300", "--drug", "aspirin", "--ratio", "100"],
            "not in the library",
        ),
        (
            ["calc", "intrathecal", "--ome", "300", "--drug", "morphine", "--ratio", "0"],
            "above zero",
        ),
        (
            ["calc", "intrathecal", "--ome", "0", "--drug", "morphine", "--ratio", "100"],
            "above zero",
        ),
        (
            [*REFILL_40[:6], "--daily-dose", "10mg/mL", *REFILL_40[8:]],
            "is a concentration, but a daily dose",
        ),
        ([*REFILL_40[:8], "--fill-volume", "41mL", *REFILL_40[10:]], "exceeds the 40 mL reservoir"),
        ([*REFILL_40[:8], "--fill-volume", "-4mL", *REFILL_40[10:]], "must be above zero"),
        (
            [*REFILL_40[:4], "--drug", "morfine:10mg/mL", *REFILL_40[6:]],
            "'morfine' is not in the library",
        ),
        ([*REFILL_40[:10], "--filled-on", "05/01/2026"], "is not a date"),
        (["calc", "residual", "--expected", "12mL", "--measured", "-1mL"], "cannot be negative"),
        (["calc", "residual", "--measured", "9mL"], "give --expected"),
        (
            [
                "check",
                "program",
                "--pump",
                "synchromed-ii-20",
                "--drug",
                "ziconotide:25mcg/mL",
                "--daily-dose",
                "30mcg/mL",
            ],
            "is a concentration",
        ),
        (
            [
                "check",
                "program",
                "--pump",
                "synchromed-ii-20",
                "--drug",
                "morphine",
                "--daily-dose",
                "2mg",
            ],
            "should read DRUG:CONCENTRATION",
        ),
        (
            ["check", "program", "--pump", "synchromed-ii-20", "--drug", "morphine:10mg/mL"],
            "one of the arguments",
        ),
        (["--library", "/no/such/file.toml", "library", "show"], "cannot be read"),
        (["calc", "ome"], "required"),
    ],
)
def test_bad_input_is_one_line_on_stderr_with_exit_status_2(capsys, args, expected):
    code = exit_status(args)
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert expected in err
    assert err.count("\n") == 1
    assert "Traceback" not in err


def exit_status(args: list[str]) -> int:
    """main()'s status, whether it returns it or argparse exits with it."""
    try:
        return main(args)
    except SystemExit as exc:
        return int(exc.code or 0)


def test_the_installed_command_runs_and_exits_1_on_a_blocked_program():
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "ithaca"),
            "check",
            "program",
            "--pump",
            "synchromed-ii-20",
            "--drug",
            "ziconotide:25mcg/mL",
            "--daily-dose",
            "30mcg",
            "--current-daily-dose",
            "2.4mcg",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "Program check: BLOCKED" in result.stdout


# --- calc refill checks the program it refills -----------------------------------------

ZICONOTIDE_BELOW_SYNCHROMED_MINIMUM = [
    "calc",
    "refill",
    "--pump",
    "synchromed-ii-20",
    "--drug",
    "ziconotide:25mcg/mL",
    "--daily-dose",
    "0.5mcg",  # ÷ 25 mcg/mL = 0.02 mL/day, below the 0.048 mL/day minimum [C]
    "--fill-volume",
    "20mL",
    "--filled-on",
    "2026-01-05",
]


def test_calc_refill_of_a_blocked_program_says_so_and_exits_1(capsys):
    code, out, _ = run(capsys, *ZICONOTIDE_BELOW_SYNCHROMED_MINIMUM, "--json")
    doc = json.loads(out)
    assert code == 1
    assert doc["program_verdict"] == "blocked"
    codes = {f["code"]: f for f in doc["program_findings"]}
    assert codes["rate_below_pump_minimum"]["severity"] == "hard"
    assert all(f["severity"] != "info" for f in doc["program_findings"])
    code, out, _ = run(capsys, *ZICONOTIDE_BELOW_SYNCHROMED_MINIMUM)
    assert code == 1
    assert "Program check: BLOCKED" in out
    assert "below the Medtronic SynchroMed II, 20 mL (model 8637-20) minimum" in out


def test_calc_refill_of_a_program_in_force_is_not_rechecked_as_a_starting_dose(capsys):
    # 6 mcg/day is above the 2.4 mcg/day label start, but a refill is not a start
    doc = run_json(
        capsys,
        "calc",
        "refill",
        "--pump",
        "synchromed-ii-20",
        "--drug",
        "ziconotide:25mcg/mL",
        "--daily-dose",
        "6mcg",
        "--fill-volume",
        "20mL",
        "--filled-on",
        "2026-01-05",
    )
    assert doc["program_verdict"] == "ok"
    assert "start_dose_above_limit" not in {f["code"] for f in doc["program_findings"]}


def test_calc_refill_shows_the_pumps_notes(capsys):
    doc = run_json(capsys, *REFILL_40)
    assert doc["program_verdict"] == "ok"
    notes = doc["pump_notes"]
    assert any("catheter access port (CAP)" in n["text"] for n in notes)
    assert all(n["source"]["confidence"] == "C" for n in notes)
    code, out, _ = run(capsys, *REFILL_40)
    assert code == 0
    assert "Pump notes:" in out
    assert "catheter access port (CAP)" in out


def test_calc_refill_with_a_longer_pharmacist_interval_needs_an_override(capsys):
    code, out, _ = run(
        capsys,
        "calc",
        "refill",
        "--pump",
        "synchromed-ii-20",
        "--drug",
        "ziconotide:25mcg/mL",
        "--daily-dose",
        "1.2mcg",
        "--fill-volume",
        "20mL",
        "--filled-on",
        "2026-01-05",
        "--first-fill",
        "--stability-days",
        "30",
    )
    assert code == 0
    assert "[SOFT] The pharmacist's 30 days replaces the library's 14 days" in out
    assert "Needs override:" in out


# --- calc intrathecal gives a verdict ----------------------------------------------------


def test_calc_intrathecal_gives_a_verdict_and_the_override_line(capsys):
    args = ["calc", "intrathecal", "--ome", "300", "--drug", "morphine", "--ratio", "50"]
    doc = run_json(capsys, *args)
    # 50:1 is below the lowest published 75:1 (soft)
    assert doc["verdict"] == "needs_override"
    code, out, _ = run(capsys, *args)
    assert code == 0
    assert "Verdict: NEEDS OVERRIDE" in out
    assert "Needs override: record a reason, and a second person must check it." in out


def test_calc_intrathecal_within_limits_is_ok(capsys):
    doc = run_json(
        capsys, "calc", "intrathecal", "--ome", "300", "--drug", "morphine", "--ratio", "100"
    )
    assert doc["verdict"] == "ok"


def test_calc_intrathecal_exits_1_when_a_hard_limit_blocks_the_dose(capsys, tmp_path: Path):
    clinic = tmp_path / "clinic.toml"
    clinic.write_text(
        '[clinic]\nname = "Strict"\nversion = "1"\napproved_by = "Dr A"\n'
        'approved_on = "2026-11-01"\n\n[[drugs.morphine.limits]]\nkind = "max_daily_dose"\n'
        'value = "2 mg/day"\nenforcement = "hard"\nsource = "infumorph-label"\nconfidence = "C"\n',
        encoding="utf-8",
    )
    args = ["--library", str(clinic), "calc", "intrathecal", "--ome", "300", "--drug", "morphine"]
    code, out, _ = run(capsys, *args, "--ratio", "100", "--json")
    assert code == 1
    assert json.loads(out)["verdict"] == "blocked"


# --- library show: the clinic policy and pump notes --------------------------------------
