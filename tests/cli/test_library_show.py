"""`ithaca library show`: the library in force, its policy, the pathway and eligibility rules,
each with its source; split out of test_cli.py to keep one file a concept."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_cli import run, run_json


def test_library_show_lists_version_hash_drugs_pumps_and_sources(capsys):
    doc = run_json(capsys, "library", "show")
    assert doc["library"]["version"] == "2026.11.0"
    assert {"morphine", "ziconotide", "clonidine"} <= set(doc["drugs"])
    assert {"synchromed-ii-20", "prometra-ii-40", "external-tunnelled"} <= set(doc["pumps"])
    assert doc["pumps"]["synchromed-ii-20"]["max_rate"]["known"] is False
    assert "prialt-label" in doc["sources"]
    code, out, _ = run(capsys, "library", "show")
    assert code == 0
    assert "sha256:" in out


def test_library_show_lists_the_clinic_policy_with_its_sources(capsys):
    doc = run_json(capsys, "library", "show")
    policy = doc["policy"]
    assert policy["residual_discrepancy_percent"]["value"] == "20"
    assert policy["residual_discrepancy_percent"]["source"]["id"] == "residual-textbook"
    assert policy["max_dose_change_ratio"]["value"] == "10"
    assert policy["max_dose_change_ratio"]["enforcement"] == "soft"
    assert policy["max_dose_change_ratio"]["source"]["confidence"] == "U"
    assert policy["max_refill_interval_days"]["known"] is False
    assert "set the clinic's maximum interval" in policy["max_refill_interval_days"]["note"]
    assert policy["bolus_planning"]["value"] == "maximum"
    assert policy["bolus_planning"]["source"]["id"] == "prometra-ptc-guide"
    cap = doc["pumps"]["synchromed-ii-20"]["notes"][1]
    assert "(CAP)" in cap["text"]
    assert cap["source"]["id"] == "medtronic-referral-page"
    code, out, _ = run(capsys, "library", "show")
    assert code == 0
    assert "Clinic policy" in out
    assert "residual discrepancy threshold: 20%" in out
    assert "dose-change guard: × 10 [soft]" in out
    assert "maximum refill interval: not set" in out
    assert "bolus planning: every allowed bolus" in out
    assert "note: Never refill through the catheter access port (CAP)" in out


# --- library show: the pathway and eligibility rule sets ---------------------------------


def test_library_show_lists_the_pathway_rules_with_their_sources(capsys):
    pathway = run_json(capsys, "library", "show")["pathway"]
    assert pathway["version"] == "2026.11.0"
    assert pathway["screening"]["pain_threshold"]["value"] == "5"
    assert pathway["screening"]["pain_threshold"]["source"]["id"] == "smith-2002"
    assert pathway["screening"]["ome_threshold"]["value"] == "200 mg/day"
    assert pathway["stage_targets"]["referred"]["days"] == 14
    assert all(
        t["basis"] == "clinic policy, not guideline" for t in pathway["stage_targets"].values()
    )
    trial = pathway["trial"]
    assert trial["single_shot_observation_hours"]["value"] == "6"
    assert trial["first_morphine_dose_observation_hours"]["value"] == "24"
    assert trial["success_percent"]["value"] == "50"
    assert trial["success_percent"]["source"]["confidence"] == "U"
    assert "consent" in {item["id"] for item in pathway["checklist"]}
    follow = {f["kind"]: f["days_after_implant"] for f in pathway["follow_ups"]}
    assert follow["respiratory_review"] == [1, 3]
    code, out, _ = run(capsys, "library", "show")
    assert code == 0
    assert "Pathway rules: ithaca default pathway rules 2026.11.0" in out
    assert "stage targets (clinic policy, not guideline; shown, never enforced):" in out
    assert "    Referred: 14 days ithaca default policy" in out
    assert "observe at least 24 h after the first intrathecal morphine dose" in out
    assert "success: a 50% fall in pain (shown, never enforced)" in out
    assert "respiratory review: days 1, 3" in out


def test_library_show_lists_the_eligibility_rules_and_the_hold_table(capsys):
    eligibility = run_json(capsys, "library", "show")["eligibility"]
    life = eligibility["life_expectancy_months"]
    assert life["implanted_above"]["value"] == 3
    assert life["temporary_percutaneous_below"]["value"] == 1
    assert life["implanted_above"]["source"]["confidence"] == "C"
    assert eligibility["platelets"]["known"] is False
    assert "platelet threshold" in eligibility["platelets"]["note"]
    assert eligibility["procedure_risk"]["value"] == "high"
    assert eligibility["holds"]["warfarin"]["days"] == {"low": 5, "high": 5}
    assert eligibility["holds"]["apixaban"]["unconfirmed"] is True
    code, out, _ = run(capsys, "library", "show")
    assert code == 0
    assert "Eligibility rules: ithaca eligibility rules 2026.11.0" in out
    assert "    implanted pump above 3 months Medtronic" in out
    assert "    temporary percutaneous catheter below 1 month AHCPR" in out
    assert "  platelet count: not set: No guideline" in out
    assert "    warfarin [C] Warfarin, anticoagulant: stop 5 days before the implant" in out
    assert "apixaban [U]" in out


def test_library_show_gives_a_clinic_count_threshold_with_its_source(capsys, tmp_path: Path):
    clinic = tmp_path / "clinic.toml"
    clinic.write_text(
        '[clinic]\nname = "Test clinic"\nversion = "1"\napproved_by = "Dr A"\n'
        'approved_on = "2026-11-01"\n\n[eligibility.platelets]\nvalue = "77"\n'
        'unit = "10^9/L"\nenforcement = "advisory"\nsource = "ithaca-policy"\nconfidence = "U"\n',
        encoding="utf-8",
    )
    # 77 is a test value, not a recommendation
    doc = run_json(capsys, "--library", str(clinic), "library", "show")
    platelets = doc["eligibility"]["platelets"]
    assert platelets == {
        "known": True,
        "value": "77",
        "unit": "10^9/L",
        "enforcement": "advisory",
        "source": platelets["source"],
        "comment": None,
    }
    assert platelets["source"]["id"] == "ithaca-policy"
    _, out, _ = run(capsys, "--library", str(clinic), "library", "show")
    assert "  platelet count: at least 77 ×10^9/L [advisory] ithaca default policy" in out
