"""The cost model: hand-worked break-even and expected cost, the tornado's order, its
invariants under Hypothesis, and the reader's refusals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ithaca.clinical.catalogue import build_catalogue
from ithaca.clinical.economics import (
    DAYS_PER_MONTH,
    PUBLISHED_WARNING,
    CostLine,
    CostModel,
    Figure,
    LineKind,
    OptionCosts,
    OptionId,
    Replacement,
    break_even,
    break_even_month,
    cumulative,
    expected_cost,
)
from ithaca.clinical.economics_sensitivity import one_way
from ithaca.clinical.economics_survival import (
    InvalidSurvivalCurve,
    SurvivalCurve,
    alive_throughout,
    constant_monthly_risk,
    from_table,
)
from ithaca.clinical.errors import LibraryInvalid
from ithaca.clinical.money import CurrencyMismatch, Money
from ithaca.clinical.sourced import Sourced
from ithaca.clinical.sources import Confidence, Provenance, Source
from ithaca.datafiles import base_documents

BASIS = Provenance(Source("test", "hand-worked example", 2026), Confidence.UNCONFIRMED)
TWENTY = Sourced(Decimal(20), BASIS)


def figure(value: str) -> Figure:
    return Figure(Decimal(value), BASIS)


def line(line_id: str, kind: LineKind, cost: str, rate: str | None = None) -> CostLine:
    return CostLine(line_id, line_id, kind, figure(cost), figure(rate) if rate else None)


def tiny_model(device: str = "1000", refill: str = "100", visit: str = "125") -> CostModel:
    """Implanted: 1000 once, then one refill a month at 100. CMM: two visits a month at 125."""
    implanted = OptionCosts(
        OptionId.IMPLANTED,
        (
            line("device", LineKind.ONE_OFF, device),
            line("refills", LineKind.PER_EVENT, refill, "1"),
        ),
    )
    cmm = OptionCosts(OptionId.CMM, (line("visits", LineKind.PER_EVENT, visit, "2"),))
    return CostModel("GBP", (implanted, cmm))


# --- hand-worked examples ----------------------------------------------------------------


def test_the_implanted_pump_breaks_even_with_cmm_at_month_7_as_worked_by_hand():
    # implanted(m) = 1000 + 100m; CMM(m) = 250m; 1000 + 100m <= 250m first at m = 7 (6.67 rounded up)
    model = tiny_model()
    assert break_even(model, OptionId.CMM, 24).month == 7
    implanted = cumulative(model, OptionId.IMPLANTED, 7).by_month
    cmm = cumulative(model, OptionId.CMM, 7).by_month
    assert implanted[6] == Money(Decimal(1600), "GBP")
    assert cmm[6] == Money(Decimal(1500), "GBP")
    assert implanted[7] == Money(Decimal(1700), "GBP")
    assert cmm[7] == Money(Decimal(1750), "GBP")


def test_no_break_even_within_a_horizon_too_short_is_none_never_a_guess():
    assert break_even(tiny_model(), OptionId.CMM, 6).month is None


def test_expected_cost_under_a_three_month_distribution_as_worked_by_hand():
    # P(alive at the start of months 1, 2, 3) = 1, 0.5, 0.25: 1.75 expected months
    curve = from_table([Decimal(1), Decimal("0.5"), Decimal("0.25")], "three months", BASIS)
    model = tiny_model()
    assert expected_cost(model, OptionId.IMPLANTED, curve).amount == Money(Decimal(1175), "GBP")
    assert expected_cost(model, OptionId.CMM, curve).amount == Money(Decimal("437.5"), "GBP")


def test_a_daily_cost_is_counted_over_the_average_month_of_365_25_over_12_days():
    option = OptionCosts(OptionId.CMM, (line("opioids", LineKind.PER_DAY, "10"),))
    assert Decimal("365.25") == DAYS_PER_MONTH * 12
    assert option.monthly() == Decimal("304.375")


def test_a_replacement_repeats_the_named_one_off_lines_every_n_months():
    option = OptionCosts(
        OptionId.IMPLANTED,
        (line("device", LineKind.ONE_OFF, "1000"), line("drugs", LineKind.PER_MONTH, "10")),
        Replacement(Sourced(3, BASIS), ("device",)),
    )
    model = CostModel("GBP", (option,))
    amounts = [m.amount for m in cumulative(model, OptionId.IMPLANTED, 4).by_month]
    assert amounts == [1000, 1010, 1020, 2030, 2040]


def test_the_tornado_puts_the_number_that_moves_the_difference_most_first():
    # at month 12, ±20%: CMM visit cost 125 → ±25 × 2 × 12 = 1200 wide; each CMM number the same;
    # refill cost 100 → ±20 × 12 = 480 wide; device 1000 → ±200 = 400 wide
    tornado = one_way(tiny_model(), OptionId.CMM, 12, 24, TWENTY)
    widths = [s.width for s in tornado.swings]
    assert widths == sorted(widths, reverse=True)
    assert [s.line_id for s in tornado.swings][-2:] == ["refills", "device"]
    assert tornado.swings[0].width == Decimal(1200)
    assert tornado.swings[-1].width == Decimal(400)
    device = tornado.swings[-1]
    assert (device.break_even_low, device.break_even_high) == (6, 8)


def test_a_clinic_range_replaces_the_percentage_for_that_number():
    base = tiny_model()
    ranged_device = CostLine(
        "device",
        "device",
        LineKind.ONE_OFF,
        Figure(Decimal(1000), BASIS, Decimal(500), Decimal(3000)),
    )
    implanted = base.option(OptionId.IMPLANTED)
    ranged = CostModel(
        "GBP",
        (
            OptionCosts(OptionId.IMPLANTED, (ranged_device, *implanted.lines[1:])),
            base.option(OptionId.CMM),
        ),
    )
    swings = one_way(ranged, OptionId.CMM, 12, 24, TWENTY).swings
    device = next(s for s in swings if s.line_id == "device")
    assert (device.low, device.high, device.range_basis) == (500, 3000, "the clinic's own range")


def test_money_in_two_currencies_is_never_added():
    with pytest.raises(CurrencyMismatch):
        Money(Decimal(1), "GBP") + Money(Decimal(1), "USD")
    with pytest.raises(TypeError):
        Money(1.5, "GBP")  # type: ignore[arg-type]
    assert Money(Decimal("12345.675"), "GBP").shown() == "GBP 12,345.68"


def test_a_survival_curve_that_rises_is_refused():
    with pytest.raises(InvalidSurvivalCurve):
        from_table([Decimal("0.5"), Decimal("0.6")], "rising", BASIS)


def test_the_constant_risk_curve_has_half_alive_at_the_median():
    curve = constant_monthly_risk(6, 13, BASIS)
    assert curve.alive[0] == 1
    assert curve.alive[6] == Decimal("0.5")  # the start of month 7 is 6 months on
    assert curve.alive[12] == Decimal("0.25")


# --- properties --------------------------------------------------------------------------

costs = st.decimals(min_value=0, max_value=100_000, places=2)
rates = st.decimals(min_value=0, max_value=10, places=2)


@st.composite
def models(draw: st.DrawFn) -> CostModel:
    implanted = OptionCosts(
        OptionId.IMPLANTED,
        (
            line("device", LineKind.ONE_OFF, str(draw(costs))),
            line("drugs", LineKind.PER_DAY, str(draw(costs) / 100)),
            line("refills", LineKind.PER_EVENT, str(draw(costs)), str(draw(rates))),
        ),
        Replacement(Sourced(draw(st.integers(1, 60)), BASIS), ("device",))
        if draw(st.booleans())
        else None,
    )
    cmm = OptionCosts(
        OptionId.CMM,
        (
            line("opioids", LineKind.PER_DAY, str(draw(costs) / 100)),
            line("admissions", LineKind.PER_EVENT, str(draw(costs)), str(draw(rates))),
        ),
    )
    return CostModel("GBP", (implanted, cmm))


@given(models(), st.sampled_from(["device", "drugs", "refills"]), costs)
def test_a_higher_unit_cost_never_moves_the_implanted_break_even_earlier(model, line_id, more):
    before = break_even_month(model, OptionId.IMPLANTED, OptionId.CMM, 36)
    current = model.option(OptionId.IMPLANTED).line(line_id).cost.value
    dearer = model.with_figure(OptionId.IMPLANTED, line_id, "cost", current + more)
    after = break_even_month(dearer, OptionId.IMPLANTED, OptionId.CMM, 36)
    assert before is not None or after is None
    if before is not None and after is not None:
        assert after >= before


@given(models(), st.sampled_from([OptionId.IMPLANTED, OptionId.CMM]))
def test_cumulative_cost_never_falls(model, option):
    amounts = [m.amount for m in cumulative(model, option, 36).by_month]
    assert amounts == sorted(amounts)


@given(
    models(),
    st.lists(st.decimals(min_value=0, max_value=1, places=3), min_size=1, max_size=24),
    st.lists(st.decimals(min_value=0, max_value=1, places=3), min_size=1, max_size=24),
)
def test_expected_cost_never_falls_when_survival_is_longer(model, first, second):
    n = min(len(first), len(second))
    shorter = sorted(first[:n], reverse=True)
    longer = [max(a, b) for a, b in zip(shorter, sorted(second[:n], reverse=True), strict=True)]
    low = SurvivalCurve(tuple(shorter), "shorter", BASIS)
    high = SurvivalCurve(tuple(longer), "longer", BASIS)
    for option in (OptionId.IMPLANTED, OptionId.CMM):
        assert expected_cost(model, option, low).amount <= expected_cost(model, option, high).amount


def test_alive_throughout_gives_the_cumulative_cost_at_the_horizon():
    model = tiny_model()
    curve = alive_throughout(12, BASIS)
    assert (
        expected_cost(model, OptionId.CMM, curve).amount
        == cumulative(model, OptionId.CMM, 12).by_month[-1]
    )


# --- the data file and its reader --------------------------------------------------------

HEADER = b"""[clinic]
name = "Test clinic"
version = "1"
approved_by = "Dr Test"
approved_on = "2026-11-01"

[sources.test-finance]
citation = "Test clinic finance"
year = 2026
"""


def with_clinic(text: str):
    return build_catalogue(base_documents(), HEADER + text.encode())


def test_the_shipped_file_sets_no_clinic_cost_and_names_no_uk_or_chinese_figure(catalogue):
    rules = catalogue.economics
    assert not rules.clinic_has_costs
    build = rules.build(published=False)
    assert build.model is None
    assert build.missing
    assert {p.amount.currency for p in rules.published} == {"USD"}
    assert {p.country for p in rules.published} == {"US"}
    assert any("UK" in gap and "no costing" in gap for gap in rules.gaps)
    assert any("China" in gap for gap in rules.gaps)
    assert rules.settings.use_published_defaults.value is False


def test_published_figures_alone_cost_no_option_because_the_record_gives_no_device_cost(catalogue):
    build = catalogue.economics.build(published=True)
    assert build.model is None
    assert any(m.label == "Pump and catheter" for m in build.missing)


def test_a_published_stand_in_is_labelled_on_every_figure_it_enters():
    catalogue = with_clinic(
        """
[economics.local]
currency = "USD"
country = "US"
[economics.options.cmm.lines.home_visits]
cost = { amount = "100", source = "test-finance", confidence = "C" }
rate = { value = "1", source = "test-finance", confidence = "C" }
[economics.options.cmm.lines.admissions]
cost = { amount = "0", source = "test-finance", confidence = "C" }
rate = { value = "0", source = "test-finance", confidence = "C" }
"""
    )
    assert catalogue.economics.build(published=False).model is None  # opioids unset
    model = catalogue.economics.build(published=True).model
    assert model is not None
    assert model.published_used
    assert model.basis == PUBLISHED_WARNING
    opioids = model.option(OptionId.CMM).line("systemic_opioids").cost
    assert opioids.value == Decimal("21.26")
    assert "Medtronic" not in opioids.published
    assert opioids.published.startswith(PUBLISHED_WARNING)


def test_published_figures_never_mix_with_a_clinic_currency():
    catalogue = with_clinic(
        """
[economics.local]
currency = "GBP"
country = "GB"
[economics.options.cmm.lines.home_visits]
cost = { amount = "100", source = "test-finance", confidence = "C" }
rate = { value = "1", source = "test-finance", confidence = "C" }
[economics.options.cmm.lines.admissions]
cost = { amount = "0", source = "test-finance", confidence = "C" }
rate = { value = "0", source = "test-finance", confidence = "C" }
"""
    )
    build = catalogue.economics.build(published=True)
    assert build.model is None
    assert "never converts" in build.refusal


def test_the_reader_refuses_money_written_as_a_float():
    with pytest.raises(LibraryInvalid, match="never as a float"):
        with_clinic(
            """
[economics.local]
currency = "GBP"
country = "GB"
[economics.options.implanted.lines.device.cost]
amount = 1000.5
source = "test-finance"
confidence = "C"
"""
        )


def test_the_reader_refuses_a_clinic_cost_without_the_clinic_currency():
    with pytest.raises(LibraryInvalid, match="needs the clinic's currency"):
        with_clinic(
            """
[economics.options.implanted.lines.device.cost]
amount = "1000"
source = "test-finance"
confidence = "C"
"""
        )


def test_the_reader_refuses_a_clinic_cost_without_its_own_source():
    with pytest.raises(LibraryInvalid, match="own source and confidence"):
        with_clinic(
            """
[economics.local]
currency = "GBP"
country = "GB"
[economics.options.implanted.lines.device.cost]
amount = "1000"
"""
        )


def test_the_reader_refuses_a_published_figure_without_payer_context():
    with pytest.raises(LibraryInvalid, match=r"payer: this value is required"):
        with_clinic(
            """
[economics.published.local-study]
stands_in_for = "implanted.device"
kind = "one_off"
amount = "9000"
currency = "USD"
country = "US"
year = 2020
funding = "not stated"
source = "test-finance"
confidence = "S"
"""
        )


def test_the_reader_refuses_a_currency_that_is_not_an_iso_code():
    with pytest.raises(LibraryInvalid, match="ISO 4217"):
        with_clinic('[economics.local]\ncurrency = "pounds"\ncountry = "GB"\n')
