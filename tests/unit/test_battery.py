"""Battery replacement planning dates."""

from __future__ import annotations

from datetime import date

from ithaca.clinical.battery import ServiceLife, add_months, battery_status
from ithaca.clinical.sources import Confidence, Provenance, Source

LIFE = ServiceLife(
    typical_life_years_min=5,
    eri_to_stop_days=90,
    plan_before_stop_months=6,
    provenance=Provenance(
        Source("medtronic-uk-replacement", "Medtronic UK patient page", None), Confidence.CONFIRMED
    ),
)


def test_a_reported_eri_gives_the_shut_off_date_90_days_later():
    status = battery_status(LIFE, date(2020, 1, 10), date(2026, 11, 1), on=date(2026, 11, 20))
    # 2026-11-01 + 90 days = 2027-01-30
    assert status.stops_on == date(2027, 1, 30)
    assert status.nearing
    assert "90 days after ERI" in status.reason


def test_without_an_eri_replacement_is_planned_six_months_before_five_years():
    # implanted 2021-03-15; + 5 years = 2026-03-15; − 6 months = 2025-09-15
    status = battery_status(LIFE, date(2021, 3, 15), None, on=date(2025, 9, 14))
    assert status.plan_by == date(2025, 9, 15)
    assert status.stops_on is None
    assert not status.nearing
    assert battery_status(LIFE, date(2021, 3, 15), None, on=date(2025, 9, 15)).nearing


def test_adding_months_clamps_to_the_end_of_a_shorter_month():
    assert add_months(date(2025, 8, 31), 6) == date(2026, 2, 28)
    assert add_months(date(2027, 8, 31), 6) == date(2028, 2, 29)
    assert add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)
