"""Checking a program against the drug library, the pump and clinic policy."""

from __future__ import annotations

import pytest

from ithaca.clinical.catalogue import build_catalogue
from ithaca.clinical.checks import check_program, daily_dose_findings, unit_findings
from ithaca.clinical.findings import Finding, Severity, Verdict, verdict_of
from ithaca.clinical.programs import (
    PatientBolus,
    ReservoirDrug,
    at_fixed_rate,
    continuous,
    flexible,
)
from ithaca.datafiles import base_documents


def program_of(catalogue, q, pump, drug, strength, dose, bolus=None):
    return continuous(
        catalogue.pump(pump), [ReservoirDrug(catalogue.drug(drug), q(strength))], q(dose), bolus
    )


def by_code(check, code):
    return [f for f in check.findings if f.code == code]


def severities(check):
    return {f.severity for f in check.findings}


# --- the issue's example -----------------------------------------------------------------


def test_the_issues_ziconotide_jump_to_30_mcg_a_day_is_blocked(catalogue, q):
    # 30 mcg/day at 25 mcg/mL = 1.2 mL/day on a SynchroMed II 20 mL; now on 2.4 mcg/day.
    # 30 > 19.2 mcg/day label maximum (hard); step 30 − 2.4 = 27.6 > 2.4 label step (hard)
    program = program_of(catalogue, q, "synchromed-ii-20", "ziconotide", "25 mcg/mL", "30 mcg/day")
    check = check_program(program, catalogue, {"ziconotide": q("2.4 mcg/day")})
    assert check.verdict is Verdict.BLOCKED

    (daily,) = by_code(check, "daily_dose_above_limit")
    assert daily.severity is Severity.HARD
    assert daily.provenance is not None
    assert daily.provenance.source.id == "prialt-label"
    assert "19.2 mcg/day" in daily.message

    steps = by_code(check, "titration_step_above_limit")
    hard_steps = [f for f in steps if f.severity is Severity.HARD]
    assert hard_steps
    assert hard_steps[0].provenance.source.id == "prialt-label"
    assert "27.6 mcg/day" in hard_steps[0].message
    # the PACC 0.5 mcg/day step is crossed too, as a soft limit
    assert any(f.severity is Severity.SOFT for f in steps)


def test_a_ziconotide_jump_above_the_label_step_is_blocked(catalogue, q):
    # 2.4 -> 5.0 mcg/day: step 2.6 > 2.4 (hard), though 5.0 is well under 19.2
    program = program_of(catalogue, q, "synchromed-ii-20", "ziconotide", "25 mcg/mL", "5 mcg/day")
    check = check_program(
        program, catalogue, {"ziconotide": q("2.4 mcg/day")}, days_since_last_increase=7
    )
    assert check.verdict is Verdict.BLOCKED
    assert not by_code(check, "daily_dose_above_limit")
    assert any(f.severity is Severity.HARD for f in by_code(check, "titration_step_above_limit"))


# --- ziconotide first program ------------------------------------------------------------


def test_a_ziconotide_first_program_at_the_pacc_start_is_ok(catalogue, q):
    # 1.2 mcg/day ÷ 25 mcg/mL = 0.048 mL/day: exactly the SynchroMed II minimum rate
    program = program_of(catalogue, q, "synchromed-ii-20", "ziconotide", "25 mcg/mL", "1.2 mcg/day")
    check = check_program(program, catalogue)
    assert check.verdict is Verdict.OK
    assert Severity.SOFT not in severities(check)
    assert Severity.HARD not in severities(check)
    assert not by_code(check, "rate_below_pump_minimum")
    # the psychosis contraindication is always put to the clinician
    assert by_code(check, "contraindication_to_confirm")


def test_a_ziconotide_start_above_the_pacc_start_needs_an_override(catalogue, q):
    # 2.0 mcg/day > 1.2 (PACC, soft) but <= 2.4 (label, hard)
    program = program_of(catalogue, q, "synchromed-ii-20", "ziconotide", "25 mcg/mL", "2.0 mcg/day")
    check = check_program(program, catalogue)
    assert check.verdict is Verdict.NEEDS_OVERRIDE
    (start,) = by_code(check, "start_dose_above_limit")
    assert start.severity is Severity.SOFT
    assert start.provenance.source.id == "mcdowell-pope-2016"


def test_a_ziconotide_start_at_the_label_start_is_not_blocked(catalogue, q):
    # 2.4 mcg/day is the label's start ceiling: not above it
    program = program_of(catalogue, q, "synchromed-ii-20", "ziconotide", "25 mcg/mL", "2.4 mcg/day")
    check = check_program(program, catalogue)
    assert check.verdict is Verdict.NEEDS_OVERRIDE


def test_a_ziconotide_start_above_the_label_start_is_blocked(catalogue, q):
    # 3 mcg/day > 2.4 mcg/day (label, hard)
    program = program_of(catalogue, q, "synchromed-ii-20", "ziconotide", "25 mcg/mL", "3 mcg/day")
    check = check_program(program, catalogue)
    assert check.verdict is Verdict.BLOCKED
    hard = [f for f in by_code(check, "start_dose_above_limit") if f.severity is Severity.HARD]
    assert len(hard) == 1
    assert hard[0].provenance.source.id == "prialt-label"


def test_a_ziconotide_dose_exactly_at_the_label_maximum_is_not_blocked_at_any_strength(
    catalogue, q
):
    # 19.2 mcg/day ÷ 18 mcg/mL = 1.0666... mL/day; 18 × 1.0666... must give back 19.2,
    # not 19.20000000000000000000000001, and 19.2 is not above the 19.2 maximum.
    program = program_of(
        catalogue, q, "synchromed-ii-20", "ziconotide", "18 mcg/mL", "19.2 mcg/day"
    )
    check = check_program(program, catalogue, {"ziconotide": q("19.2 mcg/day")})
    assert not by_code(check, "daily_dose_above_limit")
    assert check.verdict is Verdict.OK


def test_finding_messages_show_the_dose_as_prescribed_not_a_rounding_tail(catalogue, q):
    # 0.5 -> 5 mg/day morphine at 30 mg/mL: the message should say 5 mg/day
    program = program_of(catalogue, q, "synchromed-ii-20", "morphine", "30 mg/mL", "5 mg/day")
    check = check_program(program, catalogue, {"morphine": q("0.5 mg/day")})
    (guard,) = by_code(check, "dose_change_beyond_guard")
    assert "to 5 mg/day" in guard.message
    assert "0000000" not in guard.message


# --- morphine ------------------------------------------------------------------------------


def test_morphine_above_the_label_caution_needs_an_override(catalogue, q):
    # 22 mg/day > 20 mg/day (Infumorph caution, soft) and > 15 (PACC recollection, advisory)
    program = program_of(catalogue, q, "synchromed-ii-20", "morphine", "10 mg/mL", "22 mg/day")
    check = check_program(program, catalogue)
    assert check.verdict is Verdict.NEEDS_OVERRIDE
    above = {f.severity: f for f in by_code(check, "daily_dose_above_limit")}
    assert above[Severity.SOFT].provenance.source.id == "infumorph-label"
    assert above[Severity.WARNING].provenance.source.id == "pacc-recollection"


def test_morphine_within_the_labelled_range_is_ok(catalogue, q):
    program = program_of(catalogue, q, "synchromed-ii-20", "morphine", "10 mg/mL", "2 mg/day")
    check = check_program(program, catalogue)
    assert check.verdict is Verdict.OK


def test_a_morphine_concentration_above_25_mg_per_ml_needs_an_override_and_warns_of_granuloma(
    catalogue, q
):
    # 30 mg/mL > 25 (highest labelled strength, soft) and > 20 (granuloma guide, advisory)
    program = program_of(catalogue, q, "synchromed-ii-20", "morphine", "30 mg/mL", "3 mg/day")
    check = check_program(program, catalogue)
    assert check.verdict is Verdict.NEEDS_OVERRIDE
    above = {f.severity: f for f in by_code(check, "concentration_above_limit")}
    assert above[Severity.SOFT].provenance.source.id == "infumorph-label"
    assert above[Severity.WARNING].provenance.source.id == "granuloma-practice-guide"
    assert "granuloma" in above[Severity.WARNING].message
    assert by_code(check, "not_a_labelled_strength")


def test_a_rate_below_the_synchromed_minimum_is_blocked(catalogue, q):
    # 1 mg/day ÷ 25 mg/mL = 0.04 mL/day < 0.048 mL/day minimum
    program = program_of(catalogue, q, "synchromed-ii-20", "morphine", "25 mg/mL", "1 mg/day")
    check = check_program(program, catalogue)
    assert check.verdict is Verdict.BLOCKED
    (low,) = by_code(check, "rate_below_pump_minimum")
    assert low.severity is Severity.HARD
    assert "0.04 mL/day" in low.message
    assert "0.048 mL/day" in low.message


def test_a_ziconotide_start_just_under_the_pump_minimum_is_blocked(catalogue, q):
    # 1.1 mcg/day ÷ 25 mcg/mL = 0.044 mL/day < 0.048
    program = program_of(catalogue, q, "synchromed-ii-20", "ziconotide", "25 mcg/mL", "1.1 mcg/day")
    check = check_program(program, catalogue)
    assert check.verdict is Verdict.BLOCKED
    assert by_code(check, "rate_below_pump_minimum")


def test_every_flexible_step_is_checked_against_the_pump_minimum(catalogue, q):
    # at 25 mg/mL: 00:00 2 mg/day = 0.08 mL/day (fine), 22:00 1 mg/day = 0.04 mL/day (too low)
    program = flexible(
        catalogue.pump("synchromed-ii-20"),
        [ReservoirDrug(catalogue.drug("morphine"), q("25 mg/mL"))],
        [(0, q("2 mg/day")), (22 * 60, q("1 mg/day"))],
    )
    check = check_program(program, catalogue)
    (low,) = by_code(check, "rate_below_pump_minimum")
    assert "22:00" in low.message


# --- the ten-fold guard --------------------------------------------------------------------


def test_a_ten_fold_rise_is_caught_by_the_guard(catalogue, q):
    # 0.5 -> 5 mg/day: 5 ÷ 0.5 = 10, at the guard of × 10
    program = program_of(catalogue, q, "synchromed-ii-20", "morphine", "10 mg/mL", "5 mg/day")
    check = check_program(program, catalogue, {"morphine": q("0.5 mg/day")})
    (guard,) = by_code(check, "dose_change_beyond_guard")
    assert guard.severity is Severity.SOFT
    assert "rise" in guard.message
    assert check.verdict is Verdict.NEEDS_OVERRIDE


def test_a_rise_just_under_ten_fold_passes_the_guard(catalogue, q):
    # 0.5 -> 4.9 mg/day: 4.9 ÷ 0.5 = 9.8 < 10
    program = program_of(catalogue, q, "synchromed-ii-20", "morphine", "10 mg/mL", "4.9 mg/day")
    check = check_program(program, catalogue, {"morphine": q("0.5 mg/day")})
    assert not by_code(check, "dose_change_beyond_guard")
    assert check.verdict is Verdict.OK


def test_a_ten_fold_fall_is_caught_by_the_guard_too(catalogue, q):
    # 5 -> 0.5 mg/day: 0.5 ÷ 5 = 0.1, a tenth
    program = program_of(catalogue, q, "synchromed-ii-20", "morphine", "5 mg/mL", "0.5 mg/day")
    check = check_program(program, catalogue, {"morphine": q("5 mg/day")})
    (guard,) = by_code(check, "dose_change_beyond_guard")
    assert "fall" in guard.message


def test_the_guard_compares_doses_across_units(catalogue, q):
    # current 500 mcg/day = 0.5 mg/day; new 5 mg/day: × 10
    program = program_of(catalogue, q, "synchromed-ii-20", "morphine", "10 mg/mL", "5 mg/day")
    check = check_program(program, catalogue, {"morphine": q("500 mcg/day")})
    assert by_code(check, "dose_change_beyond_guard")


# --- units, titration interval, missing limits, labels ------------------------------------


def test_a_morphine_dose_entered_in_micrograms_is_flagged_as_an_unusual_unit(catalogue, q):
    # morphine is prescribed in mg; 2000 mcg/day = 2 mg/day
    (finding,) = unit_findings(catalogue.drug("morphine"), q("2000 mcg/day"))
    assert finding.code == "unusual_unit"
    assert finding.severity is Severity.WARNING
    assert "2 mg/day" in finding.message


def test_a_ziconotide_dose_entered_in_milligrams_is_flagged_as_an_unusual_unit(catalogue, q):
    (finding,) = unit_findings(catalogue.drug("ziconotide"), q("0.0024 mg/day"))
    assert finding.code == "unusual_unit"


def test_a_dose_in_the_drugs_own_mass_unit_is_not_flagged(catalogue, q):
    assert unit_findings(catalogue.drug("morphine"), q("2 mg/day")) == []
    assert unit_findings(catalogue.drug("ziconotide"), q("0.1 mcg/h")) == []


def test_a_morphine_strength_entered_in_micrograms_is_flagged_in_the_check(catalogue, q):
    # 10000 mcg/mL = 10 mg/mL
    program = program_of(catalogue, q, "synchromed-ii-20", "morphine", "10000 mcg/mL", "2 mg/day")
    check = check_program(program, catalogue)
    assert by_code(check, "unusual_unit")


def test_a_ziconotide_increase_too_soon_needs_an_override(catalogue, q):
    # 2.4 -> 2.8 mcg/day: step 0.4 <= 0.5 (PACC) and <= 2.4 (label), but 3 days < 7
    program = program_of(catalogue, q, "synchromed-ii-20", "ziconotide", "25 mcg/mL", "2.8 mcg/day")
    check = check_program(
        program, catalogue, {"ziconotide": q("2.4 mcg/day")}, days_since_last_increase=3
    )
    assert not by_code(check, "titration_step_above_limit")
    (soon,) = by_code(check, "increase_too_soon")
    assert soon.severity is Severity.SOFT
    assert check.verdict is Verdict.NEEDS_OVERRIDE


def test_a_ziconotide_increase_a_week_later_is_ok(catalogue, q):
    program = program_of(catalogue, q, "synchromed-ii-20", "ziconotide", "25 mcg/mL", "2.8 mcg/day")
    check = check_program(
        program, catalogue, {"ziconotide": q("2.4 mcg/day")}, days_since_last_increase=7
    )
    assert not by_code(check, "increase_too_soon")
    assert check.verdict is Verdict.OK


def test_an_unchecked_increase_interval_is_said_so(catalogue, q):
    program = program_of(catalogue, q, "synchromed-ii-20", "ziconotide", "25 mcg/mL", "2.8 mcg/day")
    check = check_program(program, catalogue, {"ziconotide": q("2.4 mcg/day")})
    (note,) = by_code(check, "increase_interval_not_checked")
    assert note.severity is Severity.INFO


def test_a_dose_decrease_is_not_a_titration_step(catalogue, q):
    program = program_of(catalogue, q, "synchromed-ii-20", "ziconotide", "25 mcg/mL", "2.0 mcg/day")
    check = check_program(
        program, catalogue, {"ziconotide": q("2.4 mcg/day")}, days_since_last_increase=1
    )
    assert not by_code(check, "titration_step_above_limit")
    assert not by_code(check, "increase_too_soon")


def test_fentanyl_without_a_sourced_daily_limit_is_flagged(catalogue, q):
    program = program_of(catalogue, q, "synchromed-ii-20", "fentanyl", "50 mcg/mL", "50 mcg/day")
    check = check_program(program, catalogue)
    (missing,) = by_code(check, "no_daily_dose_limit")
    assert missing.severity is Severity.WARNING
    assert missing.drug == "fentanyl"


def test_hydromorphone_in_a_synchromed_is_flagged_off_label(catalogue, q):
    program = program_of(catalogue, q, "synchromed-ii-20", "hydromorphone", "2 mg/mL", "0.5 mg/day")
    check = check_program(program, catalogue)
    (off_label,) = by_code(check, "off_label_in_pump")
    assert off_label.severity is Severity.WARNING
    assert off_label.provenance.source.id == "medtronic-hcp-synchromed"


def test_morphine_in_a_synchromed_is_on_label(catalogue, q):
    program = program_of(catalogue, q, "synchromed-ii-20", "morphine", "10 mg/mL", "2 mg/day")
    assert not by_code(check_program(program, catalogue), "off_label_in_pump")


def test_an_admixture_is_checked_drug_by_drug(catalogue, q):
    # morphine 2 mg/day at 10 mg/mL = 0.2 mL/day; bupivacaine 120 mg/mL × 0.2 = 24 mg/day
    # > 20 mg/day (textbook, soft); 120 mg/mL > 30 (advisory)
    program = continuous(
        catalogue.pump("synchromed-ii-20"),
        [
            ReservoirDrug(catalogue.drug("morphine"), q("10 mg/mL")),
            ReservoirDrug(catalogue.drug("bupivacaine"), q("120 mg/mL")),
        ],
        q("2 mg/day"),
    )
    check = check_program(program, catalogue)
    bupi = [f for f in by_code(check, "daily_dose_above_limit") if f.drug == "bupivacaine"]
    assert [f.severity for f in bupi] == [Severity.SOFT]
    assert check.verdict is Verdict.NEEDS_OVERRIDE


def test_daily_limits_count_every_allowed_bolus(catalogue, q):
    # basal 18 mg/day at 10 mg/mL; bolus 1 mg × 4 = 4 mg; maximum 22 mg/day > 20 (soft)
    bolus = PatientBolus(q("1 mg"), lockout_minutes=60, max_per_day=4)
    program = program_of(
        catalogue, q, "synchromed-ii-20", "morphine", "10 mg/mL", "18 mg/day", bolus
    )
    check = check_program(program, catalogue)
    soft = [f for f in by_code(check, "daily_dose_above_limit") if f.severity is Severity.SOFT]
    assert soft
    assert "with every allowed bolus" in soft[0].message


def test_a_constant_flow_pump_check_says_the_rate_is_fixed(catalogue, q):
    program = at_fixed_rate(
        catalogue.pump("isomed-20"),
        [ReservoirDrug(catalogue.drug("morphine"), q("2 mg/mL"))],
        q("1 mL/day"),
    )
    check = check_program(program, catalogue)
    assert by_code(check, "constant_flow_pump")
    assert by_code(check, "pump_minimum_rate_unknown")


def test_daily_dose_findings_name_no_limit_for_a_drug_without_one(catalogue, q):
    findings = daily_dose_findings(catalogue.drug("fentanyl"), q("50 mcg/day"))
    assert [f.code for f in findings] == ["no_daily_dose_limit"]


@pytest.mark.parametrize(
    ("found", "verdict"),
    [
        ([], Verdict.OK),
        ([Severity.INFO, Severity.WARNING], Verdict.OK),
        ([Severity.WARNING, Severity.SOFT], Verdict.NEEDS_OVERRIDE),
        ([Severity.SOFT, Severity.HARD, Severity.INFO], Verdict.BLOCKED),
    ],
)
def test_the_verdict_is_set_by_the_gravest_finding(found, verdict):
    assert verdict_of(Finding("x", s, "message") for s in found) is verdict


def test_the_check_names_the_library_that_produced_it(catalogue, q):
    program = program_of(catalogue, q, "synchromed-ii-20", "morphine", "10 mg/mL", "2 mg/day")
    assert check_program(program, catalogue).library == catalogue.identity


# --- the dose as typed ---------------------------------------------------------------------


def test_a_morphine_dose_typed_in_mcg_is_flagged_as_a_possible_mg_mcg_mix_up(catalogue, q):
    # 2000 mcg/day is 2 mg/day: right, but morphine is prescribed in mg, so say so.
    check = check_program(
        program_of(catalogue, q, "synchromed-ii-40", "morphine", "10 mg/mL", "2000 mcg/day"),
        catalogue,
    )
    [finding] = by_code(check, "unusual_unit")
    assert finding.severity is Severity.WARNING
    assert "2 mg/day" in finding.message


def test_a_bolus_typed_in_mcg_for_morphine_is_flagged_too(catalogue, q):
    bolus = PatientBolus(q("100 mcg"), lockout_minutes=240, max_per_day=4)
    program = program_of(catalogue, q, "prometra-ii-20", "morphine", "10 mg/mL", "2 mg/day", bolus)
    assert by_code(check_program(program, catalogue), "unusual_unit")


def test_a_morphine_dose_typed_in_mg_raises_no_unit_warning(catalogue, q):
    check = check_program(
        program_of(catalogue, q, "synchromed-ii-40", "morphine", "10 mg/mL", "2 mg/day"), catalogue
    )
    assert not by_code(check, "unusual_unit")


# --- pump rate limits and their confidence ------------------------------------------------

CLINIC = """\
[clinic]
name = "Test Clinic"
version = "1"
approved_by = "Dr A. Tester"
approved_on = "2026-01-01"
"""

PROMETRA_U_MIN_RATE = """
[pumps.prometra-ii-20.min_rate]
value = "0.1 mL/day"
source = "ithaca-policy"
confidence = "U"
"""


def prometra_below_its_minimum(clinic_text, q):
    catalogue = build_catalogue(base_documents(), (CLINIC + clinic_text).encode())
    # 0.5 mg/day ÷ 10 mg/mL = 0.05 mL/day, below the clinic's 0.1 mL/day
    program = program_of(catalogue, q, "prometra-ii-20", "morphine", "10 mg/mL", "0.5 mg/day")
    check = check_program(program, catalogue)
    (low,) = by_code(check, "rate_below_pump_minimum")
    return check, low


def test_an_unconfirmed_unverified_pump_minimum_is_a_soft_limit_not_a_block(q):
    check, low = prometra_below_its_minimum(PROMETRA_U_MIN_RATE, q)
    assert low.severity is Severity.SOFT
    assert "unconfirmed [U]" in low.message
    assert check.verdict is Verdict.NEEDS_OVERRIDE


def test_a_verified_unconfirmed_pump_minimum_may_block(q):
    verified = PROMETRA_U_MIN_RATE + 'verified_by = "Dr B"\nverified_on = "2026-02-01"\n'
    check, low = prometra_below_its_minimum(verified, q)
    assert low.severity is Severity.HARD
    assert check.verdict is Verdict.BLOCKED


def test_a_secondary_pump_maximum_still_blocks(q):
    clinic = (
        "[pumps.prometra-ii-20.max_rate]\n"
        'value = "0.1 mL/day"\nsource = "prometra-manual"\nconfidence = "S"\n'
    )
    catalogue = build_catalogue(base_documents(), (CLINIC + clinic).encode())
    # 2 mg/day ÷ 10 mg/mL = 0.2 mL/day > 0.1
    program = program_of(catalogue, q, "prometra-ii-20", "morphine", "10 mg/mL", "2 mg/day")
    (high,) = by_code(check_program(program, catalogue), "rate_above_pump_maximum")
    assert high.severity is Severity.HARD


# --- patient bolus device limits ----------------------------------------------------------


def test_a_bolus_on_a_pump_whose_device_limits_are_unknown_says_so(catalogue, q):
    bolus = PatientBolus(q("0.1 mg"), lockout_minutes=240, max_per_day=4)
    program = program_of(
        catalogue, q, "synchromed-ii-20", "morphine", "10 mg/mL", "2 mg/day", bolus
    )
    (finding,) = by_code(check_program(program, catalogue), "bolus_device_limits_unknown")
    assert "myPTM" in finding.message


def test_a_clinic_that_records_the_bolus_device_limits_hears_no_more_of_it(q):
    clinic = (
        "[pumps.synchromed-ii-20.patient_bolus]\n"
        'capable = true\ndevice = "myPTM"\nlimits_known = true\n'
        'limits = "from the myPTM clinician manual"\nsource = "ithaca-policy"\nconfidence = "U"\n'
    )
    catalogue = build_catalogue(base_documents(), (CLINIC + clinic).encode())
    bolus = PatientBolus(q("0.1 mg"), lockout_minutes=240, max_per_day=4)
    program = program_of(
        catalogue, q, "synchromed-ii-20", "morphine", "10 mg/mL", "2 mg/day", bolus
    )
    assert not by_code(check_program(program, catalogue), "bolus_device_limits_unknown")
