"""Oral morphine equivalent (OME) of systemic opioids, worked by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ithaca.clinical.errors import (
    NoConversionFactor,
    QuantityOutOfRange,
    UnknownFactorTable,
    UnknownOpioidRoute,
)
from ithaca.clinical.factors import Route
from ithaca.clinical.opioids import OpioidDose, oral_morphine_equivalent
from ithaca.clinical.quantities import DoseRate, Unit
from ithaca.clinical.sources import Confidence


def mg_day(text: str) -> DoseRate:
    return DoseRate(Decimal(text), Unit.MG_PER_DAY)


def test_oxycodone_and_a_fentanyl_patch_add_up_to_180_mg_ome(catalogue, q):
    # CDC 2022: oxycodone oral 80 mg/day × 1.5 = 120 mg/day OME
    #           fentanyl transdermal 25 mcg/h × 2.4 = 60 mg/day OME
    #           total 120 + 60 = 180 mg/day OME
    result = oral_morphine_equivalent(
        [
            OpioidDose("oxycodone", Route.ORAL, q("80 mg/day")),
            OpioidDose("fentanyl", Route.TRANSDERMAL, q("25 mcg/h")),
        ],
        catalogue,
    )
    oxy, fent = result.items
    assert oxy.factor == Decimal("1.5")
    assert oxy.ome == mg_day("120")
    assert fent.factor == Decimal("2.4")
    assert fent.per is Unit.MCG_PER_HOUR
    assert fent.ome == mg_day("60")
    assert result.total == mg_day("180")
    assert result.total.unit is Unit.MG_PER_DAY
    assert oxy.step == "oxycodone oral 80 mg/day × 1.5 = 120 mg/day OME"
    assert fent.step == "fentanyl transdermal 25 mcg/h × 2.4 = 60 mg/day OME"


def test_fentanyl_entered_per_day_gives_the_same_ome_as_per_hour(catalogue, q):
    # 0.6 mg/day = 600 mcg/day = 600 ÷ 24 = 25 mcg/h; 25 × 2.4 = 60 mg/day OME
    result = oral_morphine_equivalent(
        [OpioidDose("fentanyl", Route.TRANSDERMAL, q("0.6 mg/day"))], catalogue
    )
    assert result.total == mg_day("60")
    assert "0.6 mg/day = 25 mcg/h" in result.items[0].step


def test_opioid_names_ignore_case(catalogue, q):
    result = oral_morphine_equivalent(
        [OpioidDose(" Oxycodone ", Route.ORAL, q("10 mg/day"))], catalogue
    )
    # 10 × 1.5 = 15
    assert result.total == mg_day("15")


def test_methadone_carries_a_non_linear_warning(catalogue, q):
    # CDC 2022 single factor: 10 mg/day × 4.7 = 47 mg/day OME
    result = oral_morphine_equivalent(
        [OpioidDose("methadone", Route.ORAL, q("10 mg/day"))], catalogue
    )
    (item,) = result.items
    assert item.ome == mg_day("47")
    assert any("non-linear" in warning for warning in item.warnings)


@pytest.mark.parametrize(
    ("dose", "factor", "ome"),
    [
        # CDC 2016 tiers: ≤20 mg/day × 4, ≤40 × 8, ≤60 × 10, above × 12
        ("10 mg/day", "4", "40"),  # 10 × 4 = 40
        ("20 mg/day", "4", "80"),  # 20 is still in the first tier: 20 × 4 = 80
        ("30 mg/day", "8", "240"),  # 30 × 8 = 240
        ("40 mg/day", "8", "320"),  # 40 × 8 = 320
        ("50 mg/day", "10", "500"),  # 50 × 10 = 500
        ("80 mg/day", "12", "960"),  # 80 × 12 = 960
    ],
)
def test_the_cdc_2016_table_tiers_methadone_by_daily_dose(catalogue, q, dose, factor, ome):
    result = oral_morphine_equivalent(
        [OpioidDose("methadone", Route.ORAL, q(dose))], catalogue, "cdc-2016"
    )
    (item,) = result.items
    assert item.factor == Decimal(factor)
    assert item.ome == mg_day(ome)
    assert any("Tiered factor" in warning for warning in item.warnings)
    assert any("non-linear" in warning for warning in item.warnings)


def test_buprenorphine_is_never_converted_and_the_reason_is_given(catalogue, q):
    with pytest.raises(NoConversionFactor) as raised:
        oral_morphine_equivalent(
            [OpioidDose("buprenorphine", Route.TRANSDERMAL, q("35 mcg/h"))], catalogue
        )
    assert raised.value.opioid == "buprenorphine"
    assert "partial agonist" in raised.value.reason
    assert "partial agonist" in str(raised.value)


def test_an_opioid_by_a_route_without_a_factor_is_refused(catalogue, q):
    with pytest.raises(UnknownOpioidRoute) as raised:
        oral_morphine_equivalent(
            [OpioidDose("oxycodone", Route.PARENTERAL, q("10 mg/day"))], catalogue
        )
    assert "oxycodone:oral" in raised.value.known
    assert "Convert by hand" in str(raised.value)


def test_an_opioid_not_in_any_table_is_refused(catalogue, q):
    with pytest.raises(UnknownOpioidRoute):
        oral_morphine_equivalent([OpioidDose("pethidine", Route.ORAL, q("100 mg/day"))], catalogue)


def test_parenteral_morphine_is_three_times_oral_with_a_secondary_source(catalogue, q):
    # supplementary factor: parenteral 10 mg/day × 3 = 30 mg/day OME [S]
    result = oral_morphine_equivalent(
        [OpioidDose("morphine", Route.PARENTERAL, q("10 mg/day"))], catalogue
    )
    (item,) = result.items
    assert item.ome == mg_day("30")
    assert item.provenance.confidence is Confidence.SECONDARY
    assert item.provenance.source.id == "classic-300"
    assert item.warnings


def test_every_result_carries_the_cdc_caveats(catalogue, q):
    result = oral_morphine_equivalent(
        [OpioidDose("morphine", Route.ORAL, q("60 mg/day"))], catalogue
    )
    caveats = " ".join(result.caveats)
    assert "must not be used to convert a patient" in caveats
    assert "cancer pain" in caveats
    assert result.table.id == "cdc-2022"


def test_an_empty_regimen_totals_zero_mg_a_day(catalogue):
    result = oral_morphine_equivalent([], catalogue)
    assert result.total == mg_day("0")
    assert result.total.unit is Unit.MG_PER_DAY
    assert result.items == ()
    assert result.caveats  # the caveat is shown even on an empty total


def test_an_unknown_factor_table_is_refused(catalogue):
    with pytest.raises(UnknownFactorTable):
        oral_morphine_equivalent([], catalogue, "who-1986")


def test_a_zero_opioid_dose_is_refused(catalogue):
    with pytest.raises(QuantityOutOfRange):
        oral_morphine_equivalent(
            [OpioidDose("morphine", Route.ORAL, DoseRate(Decimal(0), Unit.MG_PER_DAY))],
            catalogue,
        )


def test_the_result_names_the_library_that_produced_it(catalogue):
    result = oral_morphine_equivalent([], catalogue)
    assert result.library == catalogue.identity


def test_the_cdc_2022_methadone_warning_names_the_aspn_source_behind_it(catalogue, q):
    result = oral_morphine_equivalent(
        [OpioidDose("methadone", Route.ORAL, q("20 mg/day"))], catalogue
    )
    (item,) = result.items
    (warning,) = item.warnings
    assert "75-90%" in warning
    assert "ASPN" in warning
    assert "J Pain Res 2021" in warning
    assert "[C]" in warning
