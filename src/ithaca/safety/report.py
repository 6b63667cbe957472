"""The safety report: complication rates for a period, and the pumps to look at now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ithaca.clinical.catalogue import Catalogue
from ithaca.clinical.control_chart import ChartPoint, ControlChart, control_chart
from ithaca.clinical.surveillance import Period, SafetyRates, safety_rates
from ithaca.devices.models import Device, DeviceStatus
from ithaca.pathway.models import Complication
from ithaca.safety import queries

MOST_ROWS = 50


@dataclass(frozen=True)
class PumpToWatch:
    device: Device
    latest: ChartPoint
    reasons: tuple[str, ...]


def default_period(as_of: date, spans: list[queries.DeviceSpan]) -> Period:
    """From the first implant on record to the as-of date."""
    starts = [s.start for s in spans if s.start <= as_of]
    return Period(min(starts, default=as_of), as_of)


def rates(
    as_of: date, catalogue: Catalogue, period: Period | None, system: str | None
) -> SafetyRates:
    spans = queries.device_spans(as_of, catalogue)
    chosen = period or default_period(as_of, spans)
    return safety_rates(
        queries.events(spans, chosen),
        queries.exposures(spans, chosen),
        queries.refills_in(spans, chosen, system),
        catalogue.surveillance,
        chosen,
        system,
    )


def chart_for_devices(devices: list[Device], catalogue: Catalogue) -> ControlChart:
    """One chart over the devices' refills in date order; the EWMA restarts per pump."""
    found = queries.readings(d.pk for d in devices)
    alarms = {str(d.pk): queries.alarms_for(d.pump_model, catalogue) for d in devices}
    every = [r for d in devices for r in found.get(d.pk, [])]
    return control_chart(every, catalogue.surveillance.chart, alarms)


def pumps_to_watch(catalogue: Catalogue, system: str | None, as_of: date) -> list[PumpToWatch]:
    """Pumps in use whose newest refill signals drift or set off a per-refill alarm."""
    devices = list(Device.objects.filter(status=DeviceStatus.ACTIVE).select_related("patient"))
    spans = {s.device_id: s for s in queries.device_spans(as_of, catalogue)}
    if system is not None:
        devices = [d for d in devices if d.pk in spans and spans[d.pk].system == system]
    found = queries.readings(d.pk for d in devices)
    watch = []
    for device in devices:
        alarms = {str(device.pk): queries.alarms_for(device.pump_model, catalogue)}
        chart = control_chart(found.get(device.pk, []), catalogue.surveillance.chart, alarms)
        latest = chart.latest
        if latest is None:
            continue
        reasons = list(latest.alarms)
        if latest.drift is not None:
            reasons.insert(0, f"drift signal: the recent average ratio shows {latest.drift.words}")
        if reasons:
            watch.append(PumpToWatch(device, latest, tuple(reasons)))
    return sorted(watch, key=lambda w: (w.latest.drift is None, w.device.patient.family_name))


def complications(
    as_of: date, catalogue: Catalogue, period: Period, system: str | None
) -> list[Complication]:
    """The newest complications of the period (each opens its incident summary)."""
    spans = queries.device_spans(as_of, catalogue)
    rows = Complication.objects.filter(
        onset_on__gte=period.first, onset_on__lte=period.last
    ).select_related("patient", "device")
    chosen = [
        c
        for c in rows.order_by("-onset_on", "-pk")
        if system is None
        or queries.system_at(
            [s for s in spans if s.patient_id == c.patient_id],
            c.patient_id,
            c.device_id,
            c.onset_on,
        )
        == system
    ]
    return chosen[:MOST_ROWS]
