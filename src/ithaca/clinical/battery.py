"""When a programmable pump's battery needs planning for replacement.

SynchroMed II: battery life typically 5-7 years; the pump stops 90 days after the elective
replacement indicator (ERI); plan replacement about 6 months before shut-off (Medtronic,
confirmed). The numbers come from the pump catalogue; this module only does the dates.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from ithaca.clinical.sources import Provenance


@dataclass(frozen=True, slots=True)
class ServiceLife:
    typical_life_years_min: int
    eri_to_stop_days: int
    plan_before_stop_months: int
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class BatteryStatus:
    stops_on: date | None  # known only once the ERI has been reported
    plan_by: date
    nearing: bool
    reason: str


def add_months(start: date, months: int) -> date:
    """The same day `months` later (or earlier), clamped to the month's last day."""
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(start.day, last_day))


def stop_date(life: ServiceLife, eri_reported_on: date) -> date:
    """When a pump whose replacement alarm (ERI) was reported on that day is expected to stop."""
    return eri_reported_on + timedelta(days=life.eri_to_stop_days)


def battery_status(
    life: ServiceLife, implanted_on: date, eri_reported_on: date | None, on: date
) -> BatteryStatus:
    source = life.provenance.describe()
    if eri_reported_on is not None:
        stops_on = stop_date(life, eri_reported_on)
        return BatteryStatus(
            stops_on=stops_on,
            plan_by=eri_reported_on,
            nearing=True,
            reason=(
                f"ERI reported on {eri_reported_on}: the pump stops about {stops_on} "
                f"({life.eri_to_stop_days} days after ERI; {source}). Replace before then."
            ),
        )
    earliest_end = add_months(implanted_on, 12 * life.typical_life_years_min)
    plan_by = add_months(earliest_end, -life.plan_before_stop_months)
    return BatteryStatus(
        stops_on=None,
        plan_by=plan_by,
        nearing=on >= plan_by,
        reason=(
            f"Implanted {implanted_on}; the battery typically lasts at least {life.typical_life_years_min} years, "
            f"so plan replacement from {plan_by}, {life.plan_before_stop_months} months before {earliest_end} "
            f"({source}). Interrogate the pump for its own estimate."
        ),
    )
