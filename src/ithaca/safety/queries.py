"""From the database to the core's plain values: exposures, events and refill readings.

Each is a handful of bounded queries over the whole clinic (values(), never a loop of
queries per pump), so the safety report stays fast with thousands of pumps.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils import timezone

from ithaca.clinical.catalogue import Catalogue
from ithaca.clinical.control_chart import RefillAlarms, RefillReading
from ithaca.clinical.errors import ClinicalError
from ithaca.clinical.implant import ComplicationKind, InfectionDepth
from ithaca.clinical.pathway import Stage
from ithaca.clinical.pumps import PumpKind
from ithaca.clinical.sources import Unknown
from ithaca.clinical.surveillance import Event, Exposure, Period, device_days
from ithaca.devices.models import Device, Refill
from ithaca.pathway.models import Complication, ImplantRecord, StageMove, SystemType


@dataclass(frozen=True)
class DeviceSpan:
    """A device's exposure: from implant to explant, death or the as-of date."""

    device_id: int
    patient_id: int
    system: str
    start: date
    stop: date


def death_dates(patient_ids: Iterable[int] | None = None) -> dict[int, date]:
    moves = StageMove.objects.filter(to_stage=Stage.DECEASED.value)
    if patient_ids is not None:
        moves = moves.filter(patient_id__in=list(patient_ids))
    died: dict[int, date] = {}
    for patient_id, at in moves.order_by("at").values_list("patient_id", "at"):
        died.setdefault(patient_id, timezone.localdate(at))
    return died


def system_of(pump_model: str, recorded: str | None, catalogue: Catalogue) -> str:
    """The implant record's system type; else the catalogue's kind of pump."""
    if recorded:
        return recorded
    try:
        kind = catalogue.pump(pump_model).kind
    except ClinicalError:
        return SystemType.IMPLANTED_PUMP.value
    return (
        SystemType.EXTERNAL_PUMP.value
        if kind is PumpKind.EXTERNAL
        else SystemType.IMPLANTED_PUMP.value
    )


def device_spans(as_of: date, catalogue: Catalogue) -> list[DeviceSpan]:
    recorded = dict(
        ImplantRecord.objects.filter(device__isnull=False).values_list("device_id", "system")
    )
    died = death_dates()
    spans = []
    for row in Device.objects.values(
        "pk", "patient_id", "pump_model", "implanted_on", "explanted_on"
    ):
        ends = [as_of, row["explanted_on"], died.get(row["patient_id"])]
        stop = min(d for d in ends if d is not None)
        system = system_of(row["pump_model"], recorded.get(row["pk"]), catalogue)
        spans.append(DeviceSpan(row["pk"], row["patient_id"], system, row["implanted_on"], stop))
    return spans


def exposures(spans: list[DeviceSpan], period: Period) -> list[Exposure]:
    return [
        Exposure(str(s.patient_id), s.system, device_days(s.start, s.stop, period)) for s in spans
    ]


def system_at(
    spans: list[DeviceSpan], patient_id: int, device_id: int | None, on: date
) -> str | None:
    """The system of the complication's device, or of the patient's device in use that day."""
    for span in spans:
        if device_id is not None and span.device_id == device_id:
            return span.system
    in_use = [s for s in spans if s.patient_id == patient_id and s.start <= on <= s.stop]
    return in_use[0].system if device_id is None and in_use else None


def events(spans: list[DeviceSpan], period: Period) -> list[Event]:
    """Complications in the period, each with the system of its device (or the one in use)."""
    by_patient: dict[int, list[DeviceSpan]] = defaultdict(list)
    for span in spans:
        by_patient[span.patient_id].append(span)
    rows = Complication.objects.filter(
        onset_on__gte=period.first, onset_on__lte=period.last
    ).values("patient_id", "device_id", "kind", "infection_depth", "onset_on")
    found = []
    for row in rows:
        system = system_at(
            by_patient.get(row["patient_id"], []),
            row["patient_id"],
            row["device_id"],
            row["onset_on"],
        )
        depth = row["infection_depth"]
        found.append(
            Event(
                str(row["patient_id"]),
                system,
                ComplicationKind(row["kind"]),
                InfectionDepth(depth) if depth else None,
                row["onset_on"],
            )
        )
    return found


def refills_in(spans: list[DeviceSpan], period: Period, system: str | None) -> int:
    """Refills through the skin in the period (a first fill is done in theatre)."""
    devices = [s.device_id for s in spans if system is None or s.system == system]
    return Refill.objects.filter(
        device_id__in=devices,
        first_fill=False,
        performed_on__gte=period.first,
        performed_on__lte=period.last,
    ).count()


def readings(device_ids: Iterable[int]) -> dict[int, list[RefillReading]]:
    """Each device's refills as chart readings, in order, from one query."""
    rows = (
        Refill.objects.filter(device_id__in=list(device_ids))
        .order_by("device_id", "sequence")
        .values(
            "device_id",
            "sequence",
            "performed_on",
            "fill_volume_ml",
            "expected_residual_ml",
            "measured_residual_ml",
        )
    )
    found: dict[int, list[RefillReading]] = defaultdict(list)
    last_fill: dict[int, Decimal] = {}
    for row in rows:
        device_id = row["device_id"]
        found[device_id].append(
            RefillReading(
                pump=str(device_id),
                sequence=row["sequence"],
                on=row["performed_on"],
                contents_at_last_fill_ml=last_fill.get(device_id),
                expected_residual_ml=row["expected_residual_ml"],
                measured_residual_ml=row["measured_residual_ml"],
            )
        )
        last_fill[device_id] = row["fill_volume_ml"]
    return found


def alarms_for(pump_model: str, catalogue: Catalogue) -> RefillAlarms:
    try:
        volume = catalogue.pump(pump_model).refill_discrepancy_alarm
    except ClinicalError:
        volume = Unknown("the pump model is not in the catalogue")
    return RefillAlarms(catalogue.policy.residual_discrepancy_percent, volume)
