"""An intrathecal starting dose from an oral morphine equivalent, worked by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ithaca.clinical.errors import ConversionNotSupported, QuantityOutOfRange, UnknownRatio
from ithaca.clinical.findings import Severity
from ithaca.clinical.intrathecal import intrathecal_start
from ithaca.clinical.quantities import DoseRate, Unit


def codes(result):
    return {f.code: f for f in result.findings}


def test_300_mg_ome_at_100_to_1_less_20_percent_gives_2_point_4_mg_a_day(catalogue, q):
    # 300 mg/day ÷ 100 = 3 mg/day; 3 × (1 − 0.20) = 3 × 0.8 = 2.4 mg/day = 2400 mcg/day
    result = intrathecal_start(q("300 mg/day"), "morphine", catalogue, "100", Decimal(20))
    assert result.daily_dose == DoseRate(Decimal("2.4"), Unit.MG_PER_DAY)
    assert result.daily_dose.unit is Unit.MG_PER_DAY
    assert result.daily_dose_mg == Decimal("2.4")
    assert result.daily_dose_mcg == Decimal(2400)
    assert result.steps == (
        "IT morphine = 300 mg/day ÷ 100 = 3 mg/day",
        "less 20% cross-tolerance reduction: × 0.8 = 2.4 mg/day",
        "rounded down to the nearest 1 mcg/day: 2.4 mg/day (2400 mcg/day)",
    )


def test_a_reduction_is_flagged_as_unsourced(catalogue, q):
    result = intrathecal_start(q("300 mg/day"), "morphine", catalogue, "100", Decimal(20))
    finding = codes(result)["reduction_unsourced"]
    assert finding.severity is Severity.WARNING
    assert "20%" in finding.message


def test_no_reduction_is_applied_unless_asked(catalogue, q):
    # 300 ÷ 300 = 1 mg/day, no reduction step
    result = intrathecal_start(q("300 mg/day"), "morphine", catalogue, "300")
    assert result.daily_dose == DoseRate(Decimal(1), Unit.MG_PER_DAY)
    assert result.reduction_percent == 0
    assert not any("reduction" in step for step in result.steps)
    assert "reduction_unsourced" not in codes(result)


def test_a_named_ratio_resolves_to_its_number(catalogue, q):
    # huntsman-100 = 100:1; 300 ÷ 100 = 3 mg/day
    result = intrathecal_start(q("300 mg/day"), "morphine", catalogue, "huntsman-100")
    assert result.ratio == Decimal(100)
    assert result.named_ratio is not None
    assert result.named_ratio.id == "huntsman-100"
    assert result.daily_dose == DoseRate(Decimal(3), Unit.MG_PER_DAY)
    assert codes(result)["ratio_source"].provenance.source.id == "sindt-2021"


def test_a_number_equal_to_a_named_ratio_is_recognised_as_that_ratio(catalogue, q):
    result = intrathecal_start(q("300 mg/day"), "morphine", catalogue, "300")
    assert result.named_ratio is not None
    assert result.named_ratio.id == "classic-300"
    assert "custom_ratio" not in codes(result)


def test_a_ratio_not_in_the_library_is_the_prescribers_choice_and_is_flagged(catalogue, q):
    # 270 ÷ 90 = 3 mg/day
    result = intrathecal_start(q("270 mg/day"), "morphine", catalogue, "90")
    assert result.daily_dose == DoseRate(Decimal(3), Unit.MG_PER_DAY)
    finding = codes(result)["custom_ratio"]
    assert finding.severity is Severity.WARNING
    # 90 is inside the published 75-150 range: no soft finding
    assert "ratio_below_published" not in codes(result)


def test_a_ratio_below_the_lowest_published_needs_an_override(catalogue, q):
    # 300 ÷ 50 = 6 mg/day: a higher dose than any ratio in the Huntsman series (lowest 75:1)
    result = intrathecal_start(q("300 mg/day"), "morphine", catalogue, "50")
    assert result.daily_dose == DoseRate(Decimal(6), Unit.MG_PER_DAY)
    finding = codes(result)["ratio_below_published"]
    assert finding.severity is Severity.SOFT
    assert finding.provenance is not None
    assert finding.provenance.source.id == "sindt-2021"


def test_the_lowest_published_ratio_itself_is_not_below_it(catalogue, q):
    result = intrathecal_start(q("300 mg/day"), "morphine", catalogue, "75")
    assert "ratio_below_published" not in codes(result)


@pytest.mark.parametrize("reduction", ["100", "120", "-10", "-0.5"])
def test_a_reduction_of_100_percent_or_more_or_below_zero_is_refused(catalogue, q, reduction):
    with pytest.raises(QuantityOutOfRange):
        intrathecal_start(q("300 mg/day"), "morphine", catalogue, "100", Decimal(reduction))


@pytest.mark.parametrize("ratio", ["0", "-100"])
def test_a_ratio_of_zero_or_below_is_refused(catalogue, q, ratio):
    with pytest.raises(QuantityOutOfRange):
        intrathecal_start(q("300 mg/day"), "morphine", catalogue, ratio)


def test_an_unknown_named_ratio_is_refused_with_the_known_names(catalogue, q):
    with pytest.raises(UnknownRatio) as raised:
        intrathecal_start(q("300 mg/day"), "morphine", catalogue, "krames")
    assert "huntsman-100" in raised.value.known


def test_hydromorphone_without_a_ratio_is_refused_with_the_published_options(catalogue, q):
    with pytest.raises(ConversionNotSupported) as raised:
        intrathecal_start(q("300 mg/day"), "hydromorphone", catalogue, "100")
    message = str(raised.value)
    for option in ("textbook-6", "obstetric-2", "common-5"):
        assert option in message
    assert "threefold" in message


def test_hydromorphone_with_the_textbook_ratio_is_it_morphine_divided_by_six(catalogue, q):
    # IT morphine = 300 ÷ 100 = 3 mg/day; IT hydromorphone = 3 ÷ 6 = 0.5 mg/day
    result = intrathecal_start(
        q("300 mg/day"), "hydromorphone", catalogue, "100", hydromorphone_ratio="textbook-6"
    )
    assert result.drug == "hydromorphone"
    assert result.daily_dose == DoseRate(Decimal("0.5"), Unit.MG_PER_DAY)
    assert "IT hydromorphone = IT morphine ÷ 6 = 0.5 mg/day" in result.steps
    finding = codes(result)["hydromorphone_ratio_review"]
    assert finding.severity is Severity.SOFT
    assert finding.provenance is not None
    assert finding.provenance.source.id == "textbook-it-chapter"


def test_ziconotide_is_never_converted_from_morphine(catalogue, q):
    with pytest.raises(ConversionNotSupported) as raised:
        intrathecal_start(q("300 mg/day"), "ziconotide", catalogue, "100")
    assert raised.value.drug == "ziconotide"


def test_the_dose_is_rounded_down_to_the_nearest_microgram_a_day(catalogue, q):
    # 100 ÷ 300 = 0.33333... mg/day = 333.333... mcg/day -> 333 mcg/day = 0.333 mg/day
    result = intrathecal_start(q("100 mg/day"), "morphine", catalogue, "300")
    assert result.daily_dose == DoseRate(Decimal("0.333"), Unit.MG_PER_DAY)
    assert result.daily_dose_mcg == Decimal(333)
    assert result.steps[-1] == "rounded down to the nearest 1 mcg/day: 0.333 mg/day (333 mcg/day)"


def test_rounding_never_goes_up_even_when_the_next_microgram_is_nearer(catalogue, q):
    # 200 ÷ 300 = 0.66666... mg/day = 666.67 mcg/day -> 666 mcg/day, not 667
    result = intrathecal_start(q("200 mg/day"), "morphine", catalogue, "300")
    assert result.daily_dose_mcg == Decimal(666)


def test_an_ome_entered_in_micrograms_gives_the_same_dose(catalogue, q):
    # 300000 mcg/day = 300 mg/day; ÷ 300 = 1 mg/day
    result = intrathecal_start(q("300000 mcg/day"), "morphine", catalogue, "300")
    assert result.ome == DoseRate(Decimal(300), Unit.MG_PER_DAY)
    assert result.daily_dose == DoseRate(Decimal(1), Unit.MG_PER_DAY)


def test_a_dose_that_rounds_to_nothing_is_refused(catalogue, q):
    # 0.1 mg/day ÷ 300 = 0.333 mcg/day -> 0 mcg/day
    with pytest.raises(QuantityOutOfRange):
        intrathecal_start(q("0.1 mg/day"), "morphine", catalogue, "300")


def test_a_converted_dose_above_the_label_caution_is_flagged(catalogue, q):
    # 2400 ÷ 100 = 24 mg/day, above the Infumorph caution of 20 mg/day (soft)
    result = intrathecal_start(q("2400 mg/day"), "morphine", catalogue, "100")
    assert result.daily_dose == DoseRate(Decimal(24), Unit.MG_PER_DAY)
    above = [f for f in result.findings if f.code == "daily_dose_above_limit"]
    assert any(f.severity is Severity.SOFT for f in above)


def test_every_start_reminds_that_it_is_a_starting_point(catalogue, q):
    result = intrathecal_start(q("300 mg/day"), "morphine", catalogue, "300")
    assert codes(result)["titrate_after_start"].severity is Severity.INFO


def test_morphine_observation_guidance_includes_the_label_and_pacc_entries(catalogue, q):
    result = intrathecal_start(q("300 mg/day"), "morphine", catalogue, "300")
    by_hours = {(o.hours, o.provenance.source.id) for o in result.observation}
    assert (24, "infumorph-label") in by_hours
    assert (6, "pacc-2017") in by_hours
    assert result.ranges  # the labelled dose ranges are shown alongside


def test_the_result_names_the_library_that_produced_it(catalogue, q):
    result = intrathecal_start(q("300 mg/day"), "morphine", catalogue, "300")
    assert result.library == catalogue.identity


@pytest.mark.parametrize("ratio", ["1e2", ".5", "100.0.0"])
def test_a_ratio_must_be_a_plain_decimal_number(catalogue, q, ratio):
    # The same safe-writing rules as doses: no exponent, a leading zero.
    with pytest.raises(ValueError, match="not a valid quantity"):
        intrathecal_start(q("300 mg/day"), "morphine", catalogue, ratio)
