"""Registering a pump, recording what happens to it, and taking it out of use.

The catalogue in force decides what must be entered for the patient's own device: a
reservoir volume only where the catalogue cannot size it (an external pump's cassette,
a Codman 3000), a labelled rate only for a constant-flow pump, a low-reservoir alarm only
for a pump that has one. Volumes are exact Decimals in mL, the columns' unit.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from ithaca.accounts.permissions import Action, require
from ithaca.audit.chain import record
from ithaca.audit.models import AuditAction
from ithaca.clinical.errors import UnknownPump
from ithaca.clinical.pumps import PumpKind, PumpModel
from ithaca.clinical.sourced import Sourced
from ithaca.devices.errors import ServiceRefusal
from ithaca.devices.library import catalogue_in_force
from ithaca.devices.models import Device, DeviceEvent, DeviceEventKind, DeviceStatus
from ithaca.patients.models import Patient

# C1-C7, T1-T12, L1-L5, S1-S5: the levels a catheter tip can be documented at.
VERTEBRAL_LEVEL = re.compile(r"^(C[1-7]|T(1[0-2]|[1-9])|L[1-5]|S[1-5])$")


def normalise_level(text: str) -> str:
    """'t10 ' -> 'T10'; blank stays blank; anything else is refused with the accepted form."""
    level = text.strip().upper()
    if level and not VERTEBRAL_LEVEL.match(level):
        raise ServiceRefusal(
            f"'{text.strip()}' is not a vertebral level: write C1-C7, T1-T12, L1-L5 or S1-S5 (e.g. T10).",
            field="catheter_tip_level",
        )
    return level


def _positive_ml(value: Decimal | None, field: str, what: str) -> Decimal | None:
    if value is None:
        return None
    if not isinstance(value, Decimal):  # a float would carry binary rounding into a volume
        raise TypeError(f"{what} must be an exact Decimal in mL, not {type(value).__name__}")
    if value <= 0:
        raise ServiceRefusal(
            f"A {what} of {value} mL is not possible: it must be above zero.", field=field
        )
    return value


def _past(on: date | None, field: str, what: str) -> None:
    if on is not None and on > timezone.localdate():
        raise ServiceRefusal(
            f"The {what} has already happened, so it cannot be in the future.", field=field
        )


def pump_in_force(pump_model: str) -> PumpModel:
    try:
        return catalogue_in_force().pump(pump_model)
    except UnknownPump as exc:
        raise ServiceRefusal(str(exc), field="pump_model") from None


def capacity_ml(pump: PumpModel, reservoir_ml: Decimal | None) -> Decimal | None:
    """The reservoir in mL: the catalogue's, or the device's own where the catalogue has none."""
    if isinstance(pump.reservoir, Sourced):
        return pump.reservoir.value.canonical
    return reservoir_ml


def _check_volumes(
    pump: PumpModel,
    reservoir_ml: Decimal | None,
    low_alarm_ml: Decimal | None,
    fixed_rate: Decimal | None,
) -> None:
    if isinstance(pump.reservoir, Sourced) and reservoir_ml is not None:
        raise ServiceRefusal(
            f"The catalogue gives the {pump.name} reservoir as {pump.reservoir.value}: leave this empty.",
            field="reservoir_ml",
        )
    if not isinstance(pump.reservoir, Sourced) and reservoir_ml is None:
        raise ServiceRefusal(
            f"The catalogue does not size the {pump.name} reservoir ({pump.reservoir.note}): enter the volume in use.",
            field="reservoir_ml",
        )
    if pump.kind is PumpKind.CONSTANT_FLOW and low_alarm_ml is not None:
        raise ServiceRefusal(
            "A constant-flow pump has no programmable low-reservoir alarm: leave this empty.",
            field="low_alarm_ml",
        )
    capacity = capacity_ml(pump, reservoir_ml)
    if low_alarm_ml is not None and capacity is not None and low_alarm_ml >= capacity:
        raise ServiceRefusal(
            f"The low-reservoir alarm ({low_alarm_ml} mL) must be below the reservoir ({capacity} mL).",
            field="low_alarm_ml",
        )
    if pump.kind is PumpKind.CONSTANT_FLOW and fixed_rate is None:
        raise ServiceRefusal(
            f"The {pump.name} runs at a fixed rate set at manufacture: enter the rate from the device label.",
            field="fixed_rate_ml_per_day",
        )
    if pump.kind is not PumpKind.CONSTANT_FLOW and fixed_rate is not None:
        raise ServiceRefusal(
            f"The {pump.name} is not a constant-flow pump: its rate comes from the program, not the device.",
            field="fixed_rate_ml_per_day",
        )


def register_device(
    user: User,
    patient: Patient,
    *,
    pump_model: str,
    serial: str,
    implanted_on: date,
    catheter_tip_level: str = "",
    reservoir_ml: Decimal | None = None,
    low_alarm_ml: Decimal | None = None,
    fixed_rate_ml_per_day: Decimal | None = None,
    eri_reported_on: date | None = None,
) -> Device:
    require(user, Action.REGISTER_DEVICE, patient)
    pump = pump_in_force(pump_model)
    serial = serial.strip()
    if not serial:
        raise ServiceRefusal(
            "Enter the serial number from the device or its implant card.", field="serial"
        )
    _past(implanted_on, "implanted_on", "implant (or connection) date")
    _past(eri_reported_on, "eri_reported_on", "replacement indicator (ERI) report")
    if eri_reported_on is not None and eri_reported_on < implanted_on:
        raise ServiceRefusal(
            f"The ERI cannot be reported before the pump was implanted on {implanted_on}.",
            field="eri_reported_on",
        )
    level = normalise_level(catheter_tip_level)
    reservoir = _positive_ml(reservoir_ml, "reservoir_ml", "reservoir volume")
    alarm = _positive_ml(low_alarm_ml, "low_alarm_ml", "low-reservoir alarm volume")
    rate = _positive_ml(fixed_rate_ml_per_day, "fixed_rate_ml_per_day", "fixed rate (mL/day)")
    _check_volumes(pump, reservoir, alarm, rate)
    if Device.objects.filter(pump_model=pump.id, serial_number=serial).exists():
        raise ServiceRefusal(
            f"A {pump.name} with serial {serial} is already registered.", field="serial"
        )
    try:
        with transaction.atomic():
            device: Device = Device.objects.create(
                patient=patient,
                pump_model=pump.id,
                serial_number=serial,
                implanted_on=implanted_on,
                catheter_tip_level=level,
                reservoir_ml=reservoir,
                low_alarm_ml=alarm,
                fixed_rate_ml_per_day=rate,
                eri_reported_on=eri_reported_on,
            )
            record(
                user,
                AuditAction.CREATE,
                "device",
                device.pk,
                patient_id=patient.pk,
                detail={
                    "pump_model": pump.id,
                    "serial": serial,
                    "implanted_on": implanted_on.isoformat(),
                    "catheter_tip_level": level,
                    "reservoir_ml": reservoir,
                    "low_alarm_ml": alarm,
                    "fixed_rate_ml_per_day": rate,
                    "library_hash": catalogue_in_force().identity.content_hash,
                },
            )
    except IntegrityError:
        raise ServiceRefusal(
            f"A {pump.name} with serial {serial} is already registered.", field="serial"
        ) from None
    return device


def record_device_event(
    user: User, device: Device, occurred_on: date, kind: str, description: str
) -> DeviceEvent:
    """A pump or catheter event. An ERI event dates the battery warning if none was recorded;
    an explant event takes the pump out of use (see `explant`)."""
    require(user, Action.RECORD_DEVICE_EVENT, device.patient)
    if kind not in DeviceEventKind.values:
        raise ServiceRefusal(f"'{kind}' is not a kind of pump or catheter event.", field="kind")
    if kind == str(DeviceEventKind.EXPLANT):
        return explant(user, device, occurred_on, description)
    _check_event(device, occurred_on, description)
    with transaction.atomic():
        event: DeviceEvent = DeviceEvent.objects.create(
            device=device,
            occurred_on=occurred_on,
            kind=kind,
            description=description.strip(),
            recorded_by=user,
        )
        eri_dated = kind == str(DeviceEventKind.ERI) and device.eri_reported_on is None
        if eri_dated:
            Device.objects.filter(pk=device.pk).update(eri_reported_on=occurred_on)
        record(
            user,
            AuditAction.CREATE,
            "device_event",
            event.pk,
            patient_id=device.patient_id,
            detail={
                "device": device.pk,
                "kind": kind,
                "occurred_on": occurred_on.isoformat(),
                "eri_dated": eri_dated,
            },
        )
    device.refresh_from_db()
    return event


def explant(user: User, device: Device, explanted_on: date, description: str) -> DeviceEvent:
    """The pump is out of use: no program can be prescribed and no refill recorded for it."""
    require(user, Action.RECORD_DEVICE_EVENT, device.patient)
    _check_event(device, explanted_on, description)
    with transaction.atomic():
        locked = Device.objects.select_for_update().get(pk=device.pk)
        if locked.status != DeviceStatus.ACTIVE:
            raise ServiceRefusal(
                f"This pump was already recorded as explanted on {locked.explanted_on}; nothing was changed."
            )
        Device.objects.filter(pk=device.pk).update(
            status=DeviceStatus.EXPLANTED, explanted_on=explanted_on
        )
        event: DeviceEvent = DeviceEvent.objects.create(
            device=device,
            occurred_on=explanted_on,
            kind=DeviceEventKind.EXPLANT,
            description=description.strip(),
            recorded_by=user,
        )
        record(
            user,
            AuditAction.CHANGE,
            "device",
            device.pk,
            patient_id=device.patient_id,
            reason=description.strip(),
            detail={
                "status": str(DeviceStatus.EXPLANTED),
                "explanted_on": explanted_on.isoformat(),
                "event": event.pk,
            },
        )
    device.refresh_from_db()
    return event


def _check_event(device: Device, occurred_on: date, description: str) -> None:
    _past(occurred_on, "occurred_on", "event")
    if occurred_on < device.implanted_on:
        raise ServiceRefusal(
            f"The pump was implanted on {device.implanted_on}; an event on it cannot be earlier.",
            field="occurred_on",
        )
    if not description.strip():
        raise ServiceRefusal("Describe what happened and what was done.", field="description")
