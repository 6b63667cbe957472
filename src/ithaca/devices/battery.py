"""Batteries nearing replacement, for the clinic dashboard."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q

from ithaca.clinical.battery import ServiceLife, add_months, battery_status
from ithaca.devices.library import catalogue_in_force
from ithaca.devices.models import Device, DeviceStatus


@dataclass(frozen=True)
class BatteryAlert:
    device: Device
    stops_on: date | None
    plan_by: date
    reason: str


def nearing_replacement(on: date) -> list[BatteryAlert]:
    """Active devices whose battery replacement should be planned by `on` (ERI reported,
    or old enough), for every pump model whose service life the catalogue knows."""
    lives: dict[str, ServiceLife] = {
        pump.id: pump.service_life
        for pump in catalogue_in_force().pumps.values()
        if isinstance(pump.service_life, ServiceLife)
    }
    alerts: list[BatteryAlert] = []
    for model, life in lives.items():
        # Only devices that could be due: ERI reported, or implanted before the earliest planning date.
        oldest_not_yet_due = add_months(
            on, -(12 * life.typical_life_years_min - life.plan_before_stop_months)
        )
        candidates = (
            Device.objects.filter(pump_model=model, status=DeviceStatus.ACTIVE)
            .filter(Q(eri_reported_on__isnull=False) | Q(implanted_on__lte=oldest_not_yet_due))
            .select_related("patient")
        )
        for device in candidates:
            status = battery_status(life, device.implanted_on, device.eri_reported_on, on)
            if status.nearing:
                alerts.append(BatteryAlert(device, status.stops_on, status.plan_by, status.reason))
    return sorted(alerts, key=lambda a: a.stops_on or a.plan_by)
