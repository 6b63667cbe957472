"""The library in force: base data, the clinic overlay and the rules it must keep."""

from __future__ import annotations

import pytest

from ithaca.clinical.catalogue import build_catalogue
from ithaca.clinical.drugs import FillKind
from ithaca.clinical.errors import LibraryInvalid, UnknownDrug, UnknownPump
from ithaca.clinical.pumps import PumpKind
from ithaca.clinical.sourced import Sourced
from ithaca.clinical.sources import Confidence, Enforcement
from ithaca.datafiles import base_documents

CLINIC_HEADER = """\
[clinic]
name = "Test Clinic"
version = "1"
approved_by = "Dr A. Tester"
approved_on = "2026-01-01"
"""

REQUIRED_DRUGS = (
    "morphine",
    "hydromorphone",
    "fentanyl",
    "sufentanil",
    "ziconotide",
    "bupivacaine",
    "clonidine",
)

REQUIRED_PUMPS = (
    "synchromed-ii-20",
    "synchromed-ii-40",
    "prometra-ii-20",
    "prometra-ii-40",
    "isomed-20",
    "codman-3000",
    "external-tunnelled",
)


# A clinic value restates its own source and confidence: a changed number must not
# inherit the citation of the base number it replaces.
PERCENT_15 = """
[policy.residual_discrepancy_percent]
value = "15"
source = "ithaca-policy"
confidence = "U"
"""
PERCENT_16 = PERCENT_15.replace('"15"', '"16"')


def with_clinic(text: str):
    return build_catalogue(base_documents(), (CLINIC_HEADER + text).encode())


def test_the_base_library_loads_with_a_name_a_version_and_a_hash(catalogue):
    identity = catalogue.identity
    assert identity.name
    assert identity.version
    assert len(identity.content_hash) == 64
    assert identity.clinic is None
    assert identity.short_hash in identity.describe()


@pytest.mark.parametrize("drug_id", REQUIRED_DRUGS)
def test_every_drug_the_issue_requires_is_in_the_base_library(catalogue, drug_id):
    drug = catalogue.drug(drug_id)
    assert drug.id == drug_id
    assert drug.name


@pytest.mark.parametrize("pump_id", REQUIRED_PUMPS)
def test_every_pump_the_issue_requires_is_in_the_catalogue(catalogue, pump_id):
    pump = catalogue.pump(pump_id)
    assert pump.id == pump_id
    assert pump.name


def test_pump_kinds_are_as_catalogued(catalogue):
    assert catalogue.pump("synchromed-ii-20").kind is PumpKind.PROGRAMMABLE
    assert catalogue.pump("prometra-ii-40").kind is PumpKind.PROGRAMMABLE
    assert catalogue.pump("isomed-20").kind is PumpKind.CONSTANT_FLOW
    assert catalogue.pump("codman-3000").kind is PumpKind.CONSTANT_FLOW
    assert catalogue.pump("external-tunnelled").kind is PumpKind.EXTERNAL


def test_drug_and_pump_lookups_ignore_case_and_surrounding_space(catalogue):
    assert catalogue.drug(" Morphine ").id == "morphine"
    assert catalogue.pump("SynchroMed-II-20").id == "synchromed-ii-20"


def test_an_unknown_drug_is_refused_with_the_known_list(catalogue):
    with pytest.raises(UnknownDrug) as raised:
        catalogue.drug("oxycodone")
    assert "morphine" in raised.value.known
    assert "oxycodone" in str(raised.value)


def test_an_unknown_pump_is_refused_with_the_known_list(catalogue):
    with pytest.raises(UnknownPump) as raised:
        catalogue.pump("synchromed-iii")
    assert "synchromed-ii-20" in raised.value.known


def test_no_unconfirmed_limit_is_hard_in_the_base_data(catalogue):
    checked = 0
    for drug in catalogue.drugs.values():
        for limit in drug.limits:
            checked += 1
            if limit.provenance.confidence is Confidence.UNCONFIRMED:
                assert limit.enforcement is not Enforcement.HARD, (drug.id, limit.kind)
    assert checked > 10
    policy = catalogue.policy
    if policy.max_dose_change_ratio.provenance.confidence is Confidence.UNCONFIRMED:
        assert policy.max_dose_change_enforcement is not Enforcement.HARD


def test_every_hard_limit_in_the_base_data_is_confirmed(catalogue):
    hard = [
        (drug.id, limit)
        for drug in catalogue.drugs.values()
        for limit in drug.limits
        if limit.enforcement is Enforcement.HARD
    ]
    assert hard  # ziconotide's label limits at least
    assert all(limit.provenance.confidence is Confidence.CONFIRMED for _, limit in hard)


def test_every_value_names_a_source_in_the_sources_file(catalogue):
    for drug in catalogue.drugs.values():
        for limit in drug.limits:
            assert limit.provenance.source.id in catalogue.sources
        for rule in drug.stability:
            assert rule.provenance.source.id in catalogue.sources


def test_a_clinic_cannot_make_an_unconfirmed_value_hard_without_recording_who_verified_it():
    with pytest.raises(LibraryInvalid) as raised:
        with_clinic('[policy.max_dose_change_ratio]\nenforcement = "hard"\n')
    assert "verified_by" in str(raised.value)


def test_a_clinic_can_make_an_unconfirmed_value_hard_once_it_records_who_verified_it():
    catalogue = with_clinic(
        "[policy.max_dose_change_ratio]\n"
        'enforcement = "hard"\n'
        'verified_by = "Dr B. Pharmacist"\n'
        'verified_on = "2026-02-01"\n'
    )
    assert catalogue.policy.max_dose_change_enforcement is Enforcement.HARD
    assert catalogue.policy.max_dose_change_ratio.provenance.verified_by == "Dr B. Pharmacist"


UNCONFIRMED_HARD_MORPHINE_LIMIT = """
[[drugs.morphine.limits]]
kind = "max_daily_dose"
value = "15 mg/day"
enforcement = "hard"
source = "pacc-recollection"
confidence = "U"
"""


def test_a_clinic_drug_limit_that_is_unconfirmed_and_hard_is_refused_without_verification():
    with pytest.raises(LibraryInvalid) as raised:
        with_clinic(UNCONFIRMED_HARD_MORPHINE_LIMIT)
    assert "drugs.morphine.limits[0].enforcement" in raised.value.where


def test_a_clinic_drug_limit_that_is_unconfirmed_and_hard_is_accepted_with_verification():
    catalogue = with_clinic(
        UNCONFIRMED_HARD_MORPHINE_LIMIT + 'verified_by = "Dr B"\nverified_on = "2026-02-01"\n'
    )
    (limit,) = catalogue.drug("morphine").limits  # a clinic list replaces the base list whole
    assert limit.enforcement is Enforcement.HARD
    assert "verified locally by Dr B on 2026-02-01" in limit.provenance.describe()


def test_verified_by_without_verified_on_is_refused():
    with pytest.raises(LibraryInvalid):
        with_clinic('[policy.max_dose_change_ratio]\nenforcement = "hard"\nverified_by = "Dr B"\n')


def test_a_verification_date_must_be_a_date():
    with pytest.raises(LibraryInvalid) as raised:
        with_clinic(
            '[policy.max_dose_change_ratio]\nenforcement = "hard"\n'
            'verified_by = "Dr B"\nverified_on = "last week"\n'
        )
    assert "YYYY-MM-DD" in str(raised.value)


def test_a_clinic_overlay_changes_the_version_string(catalogue):
    overlaid = with_clinic(PERCENT_15)
    assert overlaid.identity.version == f"{catalogue.identity.version} + Test Clinic 1"
    assert overlaid.identity.clinic is not None
    assert overlaid.identity.clinic.approved_by == "Dr A. Tester"


def test_a_clinic_overlay_changes_the_content_hash(catalogue):
    overlaid = with_clinic(PERCENT_15)
    assert overlaid.identity.content_hash != catalogue.identity.content_hash


def test_a_one_byte_change_in_the_clinic_file_changes_the_hash():
    a = with_clinic(PERCENT_15)
    b = with_clinic(PERCENT_16)
    assert a.identity.content_hash != b.identity.content_hash


def test_the_same_bytes_give_the_same_hash(catalogue):
    again = build_catalogue(base_documents())
    assert again.identity.content_hash == catalogue.identity.content_hash
    clinic = (CLINIC_HEADER + PERCENT_15).encode()
    first = build_catalogue(base_documents(), clinic)
    second = build_catalogue(base_documents(), clinic)
    assert first.identity.content_hash == second.identity.content_hash


def test_a_clinic_overlay_value_replaces_the_base_value_and_its_source():
    overlaid = with_clinic(PERCENT_15)
    percent = overlaid.policy.residual_discrepancy_percent
    assert percent.value == 15
    assert percent.provenance.source.id == "ithaca-policy"
    assert percent.provenance.confidence is Confidence.UNCONFIRMED


def test_a_clinic_value_that_does_not_restate_its_source_is_refused():
    # otherwise 15% would be shown as resting on the textbook that says 20%
    with pytest.raises(LibraryInvalid) as raised:
        with_clinic('[policy.residual_discrepancy_percent]\nvalue = "15"\n')
    assert "residual_discrepancy_percent" in raised.value.where


def test_a_clinic_overlay_can_give_a_value_the_base_records_as_unknown():
    # The base says the SynchroMed II low-reservoir alarm is unknown; a clinic that enters
    # the volume it programs must get that volume, not the base's 'unknown'.
    overlaid = with_clinic(
        '[pumps.synchromed-ii-20.low_reservoir_alarm]\nvalue = "2 mL"\n'
        'source = "ithaca-policy"\nconfidence = "U"\n'
    )
    alarm = overlaid.pump("synchromed-ii-20").low_reservoir_alarm
    assert isinstance(alarm, Sourced)
    assert str(alarm.value) == "2 mL"


def test_a_toml_float_for_a_clinical_number_is_refused():
    with pytest.raises(LibraryInvalid) as raised:
        with_clinic(PERCENT_15.replace('"15"', "15.0"))
    assert "never as a float" in str(raised.value)


def test_a_toml_float_for_a_dose_limit_is_refused():
    with pytest.raises(LibraryInvalid) as raised:
        with_clinic(
            "[[drugs.morphine.limits]]\n"
            'kind = "max_daily_dose"\nvalue = 20.0\nenforcement = "soft"\n'
            'source = "infumorph-label"\nconfidence = "C"\n'
        )
    assert "drugs.morphine.limits[0].value" in raised.value.where


def test_a_dose_limit_in_a_unit_outside_the_closed_list_is_refused():
    with pytest.raises(LibraryInvalid):
        with_clinic(
            "[[drugs.morphine.limits]]\n"
            'kind = "max_daily_dose"\nvalue = "20 mgs/day"\nenforcement = "soft"\n'
            'source = "infumorph-label"\nconfidence = "C"\n'
        )


def test_an_unknown_source_id_is_refused():
    with pytest.raises(LibraryInvalid) as raised:
        with_clinic('[policy.residual_discrepancy_percent]\nsource = "no-such-paper"\n')
    assert "no-such-paper" in str(raised.value)


def test_a_confidence_mark_outside_c_s_u_is_refused():
    with pytest.raises(LibraryInvalid):
        with_clinic('[policy.residual_discrepancy_percent]\nconfidence = "A"\n')


def test_a_clinic_may_add_a_source_and_cite_it():
    overlaid = with_clinic(
        '[sources.local-protocol]\ncitation = "Test Clinic IT protocol v1"\nyear = 2026\n\n'
        '[policy.residual_discrepancy_percent]\nvalue = "15"\nsource = "local-protocol"\n'
        'confidence = "C"\n'
    )
    provenance = overlaid.policy.residual_discrepancy_percent.provenance
    assert provenance.source.id == "local-protocol"


@pytest.mark.parametrize("section", ["library", "catalogue", "factors"])
def test_a_clinic_file_may_not_set_the_library_identity_sections(section):
    with pytest.raises(LibraryInvalid) as raised:
        with_clinic(f'[{section}]\nversion = "9.9.9"\n')
    assert section in raised.value.where


def test_a_clinic_file_may_not_invent_a_section():
    with pytest.raises(LibraryInvalid):
        with_clinic('[shortcuts]\nskip_checks = "yes"\n')


def test_a_clinic_file_without_a_clinic_table_is_refused():
    with pytest.raises(LibraryInvalid):
        build_catalogue(base_documents(), b'[policy.residual_discrepancy_percent]\nvalue = "15"\n')


@pytest.mark.parametrize("missing", ["name", "version", "approved_by", "approved_on"])
def test_a_clinic_file_must_say_who_approved_it_and_when(missing):
    lines = [line for line in CLINIC_HEADER.splitlines() if not line.startswith(missing + " ")]
    clinic = "\n".join(lines) + "\n" + PERCENT_15
    with pytest.raises(LibraryInvalid) as raised:
        build_catalogue(base_documents(), clinic.encode())
    assert missing in raised.value.where


def test_a_clinic_file_that_is_not_toml_is_refused():
    with pytest.raises(LibraryInvalid) as raised:
        build_catalogue(base_documents(), b"[clinic\nname = 1")
    assert "not valid TOML" in str(raised.value)


def test_a_missing_base_file_is_refused():
    documents = dict(base_documents())
    del documents["pumps.toml"]
    with pytest.raises(LibraryInvalid) as raised:
        build_catalogue(documents)
    assert "pumps.toml" in str(raised.value)


def test_the_base_files_themselves_are_held_to_the_float_rule():
    documents = dict(base_documents())
    documents["clinic_policy.toml"] = documents["clinic_policy.toml"].replace(
        b'value = "20"', b"value = 20.0"
    )
    with pytest.raises(LibraryInvalid):
        build_catalogue(documents)


# Ziconotide stability (Prialt label, reference 4.5 [C]): 25 mcg/mL first fill 14 days,
# refill 84; 100 mcg/mL refill 84; 100 mcg/mL diluted with saline 40 (the table does not
# say it applies to a first fill); 100 mcg/mL first fill is not in the reference.
@pytest.mark.parametrize(
    ("strength", "fill", "days"),
    [
        ("25 mcg/mL", FillKind.INITIAL, 14),
        ("25 mcg/mL", FillKind.REFILL, 84),
        ("100 mcg/mL", FillKind.REFILL, 84),
        ("50 mcg/mL", FillKind.REFILL, 40),
        ("0.05 mg/mL", FillKind.REFILL, 40),
        ("0.025 mg/mL", FillKind.INITIAL, 14),
    ],
)
def test_ziconotide_stability_follows_the_label_table(catalogue, q, strength, fill, days):
    rule = catalogue.drug("ziconotide").stability_for(q(strength), fill)
    assert rule is not None
    assert rule.max_days == days
    assert rule.provenance.source.id == "prialt-label"


def test_a_ziconotide_100_mcg_per_ml_first_fill_has_no_stability_rule(catalogue, q):
    assert catalogue.drug("ziconotide").stability_for(q("100 mcg/mL"), FillKind.INITIAL) is None


def test_morphine_has_one_stability_rule_for_any_strength(catalogue, q):
    # UW refill guide [S]: stable up to 90 days
    for strength in ("10 mg/mL", "25 mg/mL", "5 mg/mL"):
        rule = catalogue.drug("morphine").stability_for(q(strength), FillKind.INITIAL)
        assert rule is not None
        assert rule.max_days == 90
        assert rule.provenance.confidence is Confidence.SECONDARY


def test_a_drug_without_stability_data_has_no_rule(catalogue, q):
    assert catalogue.drug("hydromorphone").stability_for(q("10 mg/mL"), FillKind.REFILL) is None


# --- a clinic value carries its own source ------------------------------------------------

LOCAL_SOURCE = '[sources.local-protocol]\ncitation = "Test Clinic IT protocol v1"\nyear = 2026\n\n'


def test_a_clinic_ratio_without_its_own_source_is_refused():
    # otherwise a clinic's 50:1 would be shown as resting on the Huntsman series' 100:1 [C]
    with pytest.raises(LibraryInvalid) as raised:
        with_clinic('[ratios.huntsman-100]\nratio = "50"\n')
    assert "ratios.huntsman-100" in raised.value.where
    assert "source and confidence" in str(raised.value)


def test_a_clinic_ratio_with_its_own_source_and_confidence_carries_the_clinics_source():
    overlaid = with_clinic(
        LOCAL_SOURCE + '[ratios.huntsman-100]\nratio = "50"\ndescription = "Local 50:1"\n'
        'source = "local-protocol"\nconfidence = "U"\n'
    )
    ratio = overlaid.factors.ratios["huntsman-100"]
    assert ratio.ratio == 50
    assert ratio.provenance.source.id == "local-protocol"
    assert ratio.provenance.confidence is Confidence.UNCONFIRMED


@pytest.mark.parametrize(
    "table",
    [
        '[ratio_bounds]\nlowest_published = "50"\n',
        '[hydromorphone_ratios.textbook-6]\nratio = "4"\n',
        '[pumps.prometra-ii-20.reservoir]\nvalue = "25 mL"\n',
        "[pumps.synchromed-ii-20.patient_bolus]\nlimits_known = true\n",
        '[no_factor.buprenorphine]\nreason = "a local reason"\n',
        '[policy.bolus_planning]\nvalue = "none"\n',
        '[tables.cdc-2022]\nfactors = [{ opioid = "morphine", route = "oral", factor = "1", per = "mg/day" }]\n',
    ],
)
def test_every_clinic_table_that_sets_a_value_must_name_its_own_source(table):
    with pytest.raises(LibraryInvalid) as raised:
        with_clinic(table)
    assert "source and confidence" in str(raised.value)


def test_a_clinic_list_of_drug_limits_does_not_replace_the_rest_of_the_drug():
    # `limits` under a drug is a list of sourced tables, not one value: the drug keeps the rest
    catalogue = with_clinic(
        UNCONFIRMED_HARD_MORPHINE_LIMIT + 'verified_by = "Dr B"\nverified_on = "2026-02-01"\n'
    )
    morphine = catalogue.drug("morphine")
    assert morphine.name == "Morphine, preservative-free"
    assert morphine.stability


def test_a_clinic_that_changes_labelled_strengths_must_give_their_source():
    with pytest.raises(LibraryInvalid) as raised:
        with_clinic('[drugs.morphine]\nlabelled_concentrations = ["10 mg/mL", "50 mg/mL"]\n')
    assert "labelled_concentrations_source" in raised.value.where


def test_labelled_strengths_set_by_a_clinic_carry_the_clinics_source():
    catalogue = with_clinic(
        LOCAL_SOURCE + "[drugs.morphine]\n"
        'labelled_concentrations = ["10 mg/mL", "50 mg/mL"]\n'
        'labelled_concentrations_source = { source = "local-protocol", confidence = "S" }\n'
    )
    provenance = catalogue.drug("morphine").labelled_provenance
    assert provenance is not None
    assert provenance.source.id == "local-protocol"


def test_a_clinic_may_record_a_value_as_unknown_without_a_source():
    catalogue = with_clinic(
        '[pumps.prometra-ii-20.low_reservoir_alarm]\nunknown = "Set per patient here."\n'
    )
    assert not isinstance(catalogue.pump("prometra-ii-20").low_reservoir_alarm, Sourced)


# --- validation messages ------------------------------------------------------------------


def test_a_clinic_approval_date_must_be_an_iso_date():
    header = CLINIC_HEADER.replace('"2026-01-01"', '"1 Jan 2026"')
    with pytest.raises(LibraryInvalid) as raised:
        build_catalogue(base_documents(), (header + PERCENT_15).encode())
    assert "approved_on" in raised.value.where
    assert "YYYY-MM-DD" in str(raised.value)


def test_an_integer_where_a_number_string_is_needed_says_to_write_it_as_a_string():
    with pytest.raises(LibraryInvalid) as raised:
        with_clinic(PERCENT_15.replace('"15"', "20"))
    assert 'write the number as a string, e.g. "20"' in str(raised.value)
    assert "float" not in str(raised.value)


def test_a_clinic_file_without_a_clinic_table_says_what_the_table_needs():
    with pytest.raises(LibraryInvalid) as raised:
        build_catalogue(base_documents(), PERCENT_15.encode())
    message = str(raised.value)
    assert "[clinic] table" in message
    for key in ("name", "version", "approved_by", "approved_on"):
        assert key in message


def test_the_fentanyl_gap_says_what_the_checks_actually_do(catalogue):
    gaps = " ".join(catalogue.drug("fentanyl").gaps)
    assert "warns that no daily dose limit is set" in gaps
    assert "advisory ranges" not in gaps


# --- opioid factor tables and sources -----------------------------------------------------


def test_every_factor_table_carries_both_caveats(catalogue):
    for table in catalogue.factors.tables.values():
        caveats = " ".join(table.caveats).lower()
        assert "convert" in caveats, table.id
        assert "cancer" in caveats, table.id


def test_a_factor_table_without_caveats_is_refused():
    with pytest.raises(LibraryInvalid) as raised:
        with_clinic(
            '[tables.local]\nname = "Local"\nsource = "cdc-2022"\nconfidence = "C"\n'
            'factors = [{ opioid = "morphine", route = "oral", factor = "1", per = "mg/day" }]\n'
        )
    assert "caveats" in raised.value.where


def test_the_commonly_quoted_hydromorphone_ratio_names_its_own_unconfirmed_source(catalogue):
    ratio = catalogue.factors.hydromorphone_ratios["common-5"]
    assert ratio.provenance.source.id == "hydromorphone-5-commonly-quoted"
    assert ratio.provenance.confidence is Confidence.UNCONFIRMED
    assert "no source retrieved" in ratio.provenance.source.citation


@pytest.mark.parametrize("pump_id", ["isomed-20", "codman-3000"])
def test_the_constant_flow_note_cites_the_fixed_rate_design_point(catalogue, pump_id):
    (note,) = catalogue.pump(pump_id).notes
    assert note.provenance.source.id == "fixed-rate-design-point"
    assert note.provenance.source.reference_section == "4.3"
    assert note.provenance.confidence is Confidence.SECONDARY


def test_the_isomed_battery_is_recorded_as_not_retrieved(catalogue):
    battery = catalogue.pump("isomed-20").battery
    assert not isinstance(battery, Sourced)
    assert battery.note == "Not retrieved for IsoMed."


def test_no_library_value_rests_on_ithaca_policy_except_the_recorded_defaults(catalogue):
    ratios = [*catalogue.factors.ratios.values(), *catalogue.factors.hydromorphone_ratios.values()]
    assert all(r.provenance.source.id != "ithaca-policy" for r in ratios)
    for pump in catalogue.pumps.values():
        assert all(n.provenance.source.id != "ithaca-policy" for n in pump.notes)


# --- ziconotide diluted stability ---------------------------------------------------------


def test_a_diluted_ziconotide_first_fill_has_no_stability_rule(catalogue, q):
    # the label's 40 days for 100 mcg/mL diluted with saline is not said to cover a first fill
    assert catalogue.drug("ziconotide").stability_for(q("50 mcg/mL"), FillKind.INITIAL) is None


def test_a_ziconotide_strength_above_the_highest_labelled_is_not_diluted(catalogue, q):
    # 200 mcg/mL is stronger than any product: compounded, not diluted, so no 40-day rule
    assert catalogue.drug("ziconotide").stability_for(q("200 mcg/mL"), FillKind.REFILL) is None


def test_a_ziconotide_strength_below_the_lowest_labelled_is_diluted(catalogue, q):
    rule = catalogue.drug("ziconotide").stability_for(q("10 mcg/mL"), FillKind.REFILL)
    assert rule is not None
    assert rule.diluted
    assert rule.max_days == 40


# --- patient bolus device limits ----------------------------------------------------------


def test_whether_bolus_device_limits_are_known_is_read_from_the_catalogue(catalogue):
    assert catalogue.pump("synchromed-ii-20").patient_bolus.limits_known is False
    assert catalogue.pump("external-tunnelled").patient_bolus.limits_known is False
    assert catalogue.pump("codman-3000").patient_bolus.capable is False


def test_a_bolus_capable_pump_must_say_whether_its_limits_are_known():
    with pytest.raises(LibraryInvalid) as raised:
        with_clinic(
            "[pumps.synchromed-ii-20.patient_bolus]\n"
            'capable = true\ndevice = "myPTM"\nsource = "pump-modes-overview"\nconfidence = "S"\n'
        )
    assert "limits_known" in raised.value.where


def test_a_clinic_service_life_without_its_own_source_is_refused():
    clinic = (
        b'[clinic]\nname = "C"\nversion = "1"\napproved_by = "P"\napproved_on = "2026-11-01"\n\n'
        b"[pumps.synchromed-ii-40.service_life]\neri_to_stop_days = 60\n"
    )
    with pytest.raises(LibraryInvalid):
        build_catalogue(base_documents(), clinic)


def test_the_synchromed_service_life_is_read_with_its_confirmed_source():
    life = build_catalogue(base_documents()).pump("synchromed-ii-20").service_life
    assert (life.typical_life_years_min, life.eri_to_stop_days, life.plan_before_stop_months) == (
        5,
        90,
        6,
    )
    assert life.provenance.source.id == "medtronic-uk-replacement"
