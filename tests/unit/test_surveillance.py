"""Safety surveillance in the core: exact intervals, rates by kind, the refill control chart,
the incident summary. Hand-worked examples first, then Hypothesis properties."""

from __future__ import annotations

import math
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ithaca.clinical.control_chart import (
    Direction,
    RefillAlarms,
    RefillReading,
    control_chart,
    ratio_of,
)
from ithaca.clinical.implant import ComplicationKind, InfectionDepth
from ithaca.clinical.incident import NOT_RECORDED, IncidentFacts, age_on, incident_summary
from ithaca.clinical.intervals import (
    gamma_quantile,
    poisson_rate,
    regularized_gamma_p,
    wilson_proportion,
)
from ithaca.clinical.surveillance import (
    Event,
    Exposure,
    Measure,
    Period,
    device_days,
    safety_rates,
)
from ithaca.datafiles import load_catalogue

LEVEL = Decimal("0.95")
CATALOGUE = load_catalogue()
RULES = CATALOGUE.surveillance


def _bisect(f, low: float, high: float) -> float:
    """An independent root finder for the closed forms below (f rises from low to high)."""
    for _ in range(200):
        middle = (low + high) / 2
        low, high = (middle, high) if f(middle) < 0 else (low, middle)
    return (low + high) / 2


# --- exact Poisson (Garwood) -------------------------------------------------------------


def test_two_infections_in_4000_device_days_are_half_per_1000_with_the_exact_interval():
    rate = poisson_rate(2, 4000, 1000, LEVEL)
    # Independently: the gamma CDF of integer shape k is 1 − e^(−x)·Σ_{j<k} x^j/j!, so
    # lower solves 1 − e^(−x)(1 + x) = 0.025 (x = 0.24220) and upper solves
    # 1 − e^(−x)(1 + x + x²/2) = 0.975 (x = 7.22469); per 1,000 of 4,000 days: ÷ 4.
    lower = _bisect(lambda x: 1 - math.exp(-x) * (1 + x) - 0.025, 0, 50) / 4
    upper = _bisect(lambda x: 1 - math.exp(-x) * (1 + x + x * x / 2) - 0.975, 0, 50) / 4
    assert rate.estimate == Decimal("0.5")
    assert rate.lower == pytest.approx(Decimal(repr(lower)), abs=Decimal("0.000001"))
    assert rate.upper == pytest.approx(Decimal(repr(upper)), abs=Decimal("0.000001"))
    assert (round(rate.lower, 4), round(rate.upper, 3)) == (Decimal("0.0606"), Decimal("1.806"))


def test_no_event_in_1000_device_days_still_has_an_upper_bound_of_3_689():
    rate = poisson_rate(0, 1000, 1000, LEVEL)
    # With k = 0 the upper bound solves 1 − e^(−x) = 0.975: x = −ln 0.025 = 3.68888.
    assert rate.lower == 0
    assert rate.upper == pytest.approx(Decimal(repr(-math.log(0.025))), abs=Decimal("0.000001"))
    assert round(rate.upper, 3) == Decimal("3.689")


def test_the_incomplete_gamma_matches_its_closed_form_on_both_sides_of_a_plus_one():
    for a, x in [(1, 0.5), (3, 1.2), (3, 9.0), (7, 2.0), (7, 15.0)]:
        closed = 1 - math.exp(-x) * sum(x**j / math.factorial(j) for j in range(a))
        assert regularized_gamma_p(a, x) == pytest.approx(closed, abs=1e-12)


def test_a_gamma_quantile_inverts_the_distribution_function():
    for p, a in [(0.025, 1), (0.975, 11), (0.5, 0.5), (0.999, 200)]:
        assert regularized_gamma_p(a, gamma_quantile(p, a)) == pytest.approx(p, abs=1e-10)


def test_a_rate_needs_some_exposure():
    with pytest.raises(ValueError, match="exposure"):
        poisson_rate(1, 0, 1000, LEVEL)


# --- Wilson ------------------------------------------------------------------------------


def test_one_patient_in_fifty_is_two_percent_with_the_wilson_interval():
    share = wilson_proportion(1, 50, LEVEL)
    # By hand, z = 1.959964, n = 50, p = 0.02: z²/n = 0.076829; centre = (0.02 + 0.038415)
    # / 1.076829 = 0.054247; half = (1.959964 / 1.076829)·√(0.02·0.98/50 + z²/(4n²))
    # = 1.820125 × 0.027859 = 0.050708; interval 0.003539 to 0.104955.
    assert share.estimate == Decimal("0.02")
    assert share.lower == pytest.approx(Decimal("0.003539"), abs=Decimal("0.000002"))
    assert share.upper == pytest.approx(Decimal("0.104955"), abs=Decimal("0.000002"))


def test_no_patient_with_an_event_still_has_an_upper_bound_above_zero():
    share = wilson_proportion(0, 12, LEVEL)
    assert share.lower == 0
    assert share.upper > 0


# --- rates by kind and depth --------------------------------------------------------------

PERIOD = Period(date(2026, 1, 1), date(2026, 12, 31))


def test_device_days_run_from_implant_to_the_stop_date_inside_the_period():
    assert device_days(date(2025, 12, 1), date(2026, 1, 11), PERIOD) == 10
    assert device_days(date(2026, 3, 1), date(2027, 6, 1), PERIOD) == 306
    assert device_days(date(2027, 1, 1), date(2027, 2, 1), PERIOD) == 0


def _event(patient: str, kind: ComplicationKind, depth: InfectionDepth | None = None) -> Event:
    return Event(patient, "implanted_pump", kind, depth, date(2026, 5, 1))


def test_rates_come_by_kind_and_by_infection_depth_beside_the_published_rates():
    exposures = [Exposure(str(i), "implanted_pump", 100) for i in range(40)]
    events = [
        _event("1", ComplicationKind.INFECTION, InfectionDepth.DEEP),
        _event("1", ComplicationKind.INFECTION, InfectionDepth.SUPERFICIAL),
        _event("2", ComplicationKind.GRANULOMA),
        _event("99", ComplicationKind.GRANULOMA),  # no device-days: not counted
    ]
    result = safety_rates(events, exposures, 200, RULES, PERIOD, "implanted_pump")
    rows = {(r.kind, r.depth): r for r in result.rows}
    infection = rows[(ComplicationKind.INFECTION, None)]
    assert (infection.events, infection.patients_with_event) == (2, 1)
    assert infection.per_1000_device_days.estimate == Decimal("0.5")  # 2 in 4,000 days
    assert rows[(ComplicationKind.INFECTION, InfectionDepth.DEEP)].events == 1
    assert result.not_counted == 1
    sindt = [c for c in infection.comparisons if c.published.provenance.source.id == "sindt-2020"]
    assert sindt
    assert sindt[0].ours.estimate == Decimal("2.5")
    # Aprili's external-catheter rates are not offered beside implanted pumps.
    assert not rows[(ComplicationKind.INFECTION, InfectionDepth.DEEP)].comparisons


def test_pocket_fill_is_compared_per_10000_refills():
    exposures = [Exposure("1", "implanted_pump", 365)]
    result = safety_rates([], exposures, 20, RULES, PERIOD)
    row = next(r for r in result.rows if r.kind is ComplicationKind.POCKET_FILL)
    (comparison,) = row.comparisons
    assert comparison.published.measure is Measure.PER_10000_REFILLS
    assert comparison.ours.estimate == 0
    assert comparison.ours.upper > 0


def test_every_published_rate_names_a_source_and_a_mark():
    for rate in RULES.published:
        assert rate.provenance.source.id
        assert rate.provenance.confidence.value in "CSU"


# --- the refill control chart ------------------------------------------------------------

ALARMS_20 = {
    "p": RefillAlarms(
        CATALOGUE.policy.residual_discrepancy_percent,
        CATALOGUE.pump("synchromed-ii-20").refill_discrepancy_alarm,
    )
}


def _readings(ratios: list[str], fill: str = "20", expected: str = "12") -> list[RefillReading]:
    """Refills 30 days apart: measured residual = fill − (fill − expected) × ratio."""
    delivery = Decimal(fill) - Decimal(expected)
    return [
        RefillReading(
            "p",
            i + 2,
            date(2026, 1, 1) + timedelta(days=30 * (i + 1)),
            Decimal(fill),
            Decimal(expected),
            Decimal(fill) - delivery * Decimal(r),
        )
        for i, r in enumerate(ratios)
    ]


def test_the_ratio_is_delivered_over_expected_delivery():
    (reading,) = _readings(["0.9"])
    # 20 mL in the pump, 12 expected left (8 to deliver), 12.8 measured (7.2 delivered).
    assert ratio_of(reading) == (Decimal("7.2"), Decimal("8"), Decimal("0.9"))


def test_a_first_fill_and_a_pump_expected_to_run_dry_are_left_off_with_a_reason():
    first = RefillReading("p", 1, date(2026, 1, 1), None, None, None)
    dry = RefillReading("p", 2, date(2026, 2, 1), Decimal(20), Decimal(0), Decimal(1))
    chart = control_chart([first, dry], RULES.chart, ALARMS_20)
    assert chart.points == ()
    assert next(lo.reason.split(":")[0] for lo in chart.left_off) == "a first fill"
    assert "running dry" in chart.left_off[1].reason


def test_a_slow_drift_is_signalled_before_any_single_refill_crosses_an_alarm():
    # Each refill delivers 2% more than the last. By hand with λ = 0.3, σ = 0.15/1.96 =
    # 0.07653, L = 2.5: z after 1.12 is 1.0784, above its limit 0.995 + 0.0801 = 1.0751;
    # the 1 mL alarm first fires at 1.14 (8 × 0.14 = 1.12 mL) and the ±15% limit at 1.16.
    ratios = ["1.00", "1.02", "1.04", "1.06", "1.08", "1.10", "1.12", "1.14", "1.16"]
    chart = control_chart(_readings(ratios), RULES.chart, ALARMS_20)
    first_drift = chart.first_drift
    first_alarm = next(p for p in chart.points if p.alarms)
    assert first_drift is not None
    assert first_drift.ratio == Decimal("1.12")
    assert first_drift.drift is Direction.MORE
    assert first_drift.alarms == ()
    assert first_drift.reading.on < first_alarm.reading.on
    assert chart.points[-1].outside_limits is Direction.MORE


def test_a_steady_pump_with_ordinary_scatter_neither_drifts_nor_alarms():
    ratios = ["1.00", "0.98", "1.01", "0.99", "1.02", "0.97", "1.00"]
    chart = control_chart(_readings(ratios), RULES.chart, ALARMS_20)
    assert chart.drifting is None
    assert not any(p.alarms for p in chart.points)


def test_the_volume_threshold_follows_the_pump_size():
    # 0.1 × 12 mL expected delivery = 1.2 mL: above 1 mL (20 mL pump), not 2 mL (40 mL pump).
    readings = _readings(["1.10"], fill="20", expected="8")
    alarms_40 = {
        "p": RefillAlarms(
            CATALOGUE.policy.residual_discrepancy_percent,
            CATALOGUE.pump("synchromed-ii-40").refill_discrepancy_alarm,
        )
    }
    (small,) = control_chart(readings, RULES.chart, ALARMS_20).points
    (large,) = control_chart(readings, RULES.chart, alarms_40).points
    assert any("more than 1 mL" in a for a in small.alarms)
    assert not any("mL (" in a for a in large.alarms)


def test_the_percent_threshold_is_of_the_expected_residual():
    # 20 mL, 2 mL expected left, 2.5 measured: 25% of the expected residual, 0.5 mL.
    reading = RefillReading("p", 2, date(2026, 2, 1), Decimal(20), Decimal(2), Decimal("2.5"))
    (point,) = control_chart([reading], RULES.chart, ALARMS_20).points
    assert any("more than 20%" in a for a in point.alarms)


def test_the_ewma_restarts_at_a_new_pump():
    old = _readings(["1.10", "1.12", "1.13", "1.14"])
    # The replacement pump's first refill: 8 mL expected, 8 delivered (ratio 1).
    new = RefillReading("q", 2, date(2026, 9, 1), Decimal(20), Decimal(12), Decimal(12))
    chart = control_chart([*old, new], RULES.chart, ALARMS_20)
    # z restarts from the centre: 0.3 × 1 + 0.7 × 0.995.
    assert chart.points[-1].ewma == Decimal("0.3") + Decimal("0.7") * RULES.chart.centre.value
    assert chart.points[-1].drift is None


# --- the incident summary ----------------------------------------------------------------


def _facts(**changes: object) -> IncidentFacts:
    base = {
        "reference": "ithaca complication 7",
        "patient_reference": "ithaca patient 3",
        "date_of_birth": date(1958, 3, 14),
        "sex": "Female",
        "device_name": "Medtronic SynchroMed II, 40 mL (model 8637-40)",
        "maker": "Medtronic",
        "model": "synchromed-ii-40",
        "serial": "NGP123456",
        "implanted_on": date(2026, 1, 5),
        "explanted_on": None,
        "catheter_tip_level": "T10",
        "event_on": date(2026, 3, 14),
        "kind": ComplicationKind.INFECTION,
        "depth": InfectionDepth.DEEP,
        "description": "Pocket swelling and fever.",
        "drugs": ("morphine 10 mg/mL",),
        "program": "v1, simple continuous: morphine 10 mg/mL, 2 mg/day",
        "last_refill": "2026-02-20: 40 mL, lot MOR-2602-123A (refill 2)",
        "device_events": (),
        "outcome": "",
        "actions": "Explant planned.",
        "recorded_by": "Dr Ahmed",
        "recorded_on": date(2026, 3, 14),
    }
    return IncidentFacts(**(base | changes))  # type: ignore[arg-type]


def test_the_incident_summary_holds_the_recorded_facts_and_names_what_is_missing():
    summary = incident_summary(_facts())
    values = {f.label: f.value for s in summary.sections for f in s.facts}
    assert values["Age at the event (years)"] == "68"
    assert values["Serial number"] == "NGP123456"
    assert values["Event"] == "Infection (deep (pump pocket or catheter tract))"
    assert values["Outcome (as recorded)"] == NOT_RECORDED
    assert summary.missing == ("Outcome (as recorded)",)
    assert "regulator" in summary.check_statement


def test_age_counts_whole_years_to_the_day_before_a_birthday():
    assert age_on(date(1958, 3, 14), date(2026, 3, 13)) == 67
    assert age_on(date(1958, 3, 14), date(2026, 3, 14)) == 68


# --- properties --------------------------------------------------------------------------

counts = st.integers(min_value=0, max_value=300)
exposures_st = st.integers(min_value=1, max_value=200_000)
levels = st.sampled_from([Decimal("0.8"), Decimal("0.9"), Decimal("0.95"), Decimal("0.99")])


@given(counts, exposures_st, levels)
def test_a_rate_interval_contains_its_estimate(events, days, level):
    assert poisson_rate(events, days, 1000, level).contains(
        poisson_rate(events, days, 1000, level).estimate
    )


@given(counts, exposures_st, levels)
def test_one_more_event_never_lowers_the_upper_bound(events, days, level):
    assert (
        poisson_rate(events + 1, days, 1000, level).upper
        >= poisson_rate(events, days, 1000, level).upper
    )


@given(
    st.integers(min_value=1, max_value=500).flatmap(
        lambda n: st.tuples(st.integers(0, n), st.just(n))
    ),
    levels,
)
def test_a_proportion_interval_contains_its_estimate_and_stays_in_0_to_1(pair, level):
    successes, total = pair
    share = wilson_proportion(successes, total, level)
    assert share.contains(share.estimate)
    assert 0 <= share.lower <= share.upper <= 1
    assert share.upper > 0


def test_a_clinic_may_set_its_own_drift_weight_with_its_own_source():
    from ithaca.clinical.catalogue import build_catalogue
    from ithaca.datafiles import base_documents

    clinic = b"""
[clinic]
name = "St Elsewhere"
version = "1"
approved_by = "Dr Ahmed"
approved_on = "2026-11-01"

[surveillance.control_chart.ewma_weight]
value = "0.2"
source = "ithaca-policy"
confidence = "U"
verified_by = "Dr Ahmed"
verified_on = "2026-11-01"
"""
    chart = build_catalogue(base_documents(), clinic).surveillance.chart
    assert chart.ewma_weight.value == Decimal("0.2")
    assert chart.ewma_weight.provenance.verified_by == "Dr Ahmed"
    assert chart.ewma_width.value == RULES.chart.ewma_width.value
