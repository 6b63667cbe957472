"""Prescribing a pump program and its independent double check.

prescribe: the core checks the program against the library in force; a blocked program
is refused, a soft limit needs a written reason; the version is stored awaiting check.
check: a second person with the right role (never the prescriber) approves or rejects;
approval supersedes the active version and makes this one active, in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from ithaca import __version__
from ithaca.accounts.permissions import Action, require
from ithaca.audit.chain import record
from ithaca.audit.models import AuditAction
from ithaca.clinical.checks import ProgramCheck, check_program
from ithaca.clinical.findings import Finding, Verdict
from ithaca.clinical.programs import (
    PatientBolus,
    Program,
    ReservoirDrug,
    at_fixed_rate,
    continuous,
    flexible,
)
from ithaca.clinical.pumps import PumpKind
from ithaca.clinical.quantities import Concentration, DoseRate, FlowRate
from ithaca.devices import forecast
from ithaca.devices.convert import core_program
from ithaca.devices.errors import (
    AlreadyDone,
    DeviceNotInUse,
    OverrideNotConfirmed,
    OverrideReasonRequired,
    ProgramBlocked,
    SecondPersonRequired,
    ServiceRefusal,
    StaleChange,
)
from ithaca.devices.library import catalogue_in_force
from ithaca.devices.models import (
    Device,
    DeviceStatus,
    ProgramDrug,
    ProgramStatus,
    ProgramStep,
    ProgramVersion,
)
from ithaca.devices.queries import active_program


@dataclass(frozen=True)
class ProgramRequest:
    """A program as the prescriber typed it: typed values, never bare numbers."""

    drugs: Sequence[tuple[str, Concentration]]
    daily_dose: DoseRate | None = None
    steps: Sequence[tuple[int, DoseRate]] = ()
    fixed_rate: FlowRate | None = None
    bolus: PatientBolus | None = None
    days_since_last_increase: int | None = None


def draft(device: Device, request: ProgramRequest) -> tuple[Program, ProgramCheck]:
    """Build the program and check it, without storing anything."""
    catalogue = catalogue_in_force()
    pump = catalogue.pump(device.pump_model)
    reservoir = [
        ReservoirDrug(catalogue.drug(drug_id), concentration)
        for drug_id, concentration in request.drugs
    ]
    if pump.kind is PumpKind.CONSTANT_FLOW:
        if request.fixed_rate is None:
            raise ServiceRefusal(
                "A constant-flow pump runs at its labelled rate: enter it.", field="fixed_rate"
            )
        program = at_fixed_rate(pump, reservoir, request.fixed_rate)
    elif request.steps:
        program = flexible(pump, reservoir, list(request.steps), request.bolus)
    else:
        if request.daily_dose is None:
            raise ServiceRefusal(
                "Enter the daily dose, or the steps of a flexible schedule.", field="daily_dose"
            )
        program = continuous(pump, reservoir, request.daily_dose, request.bolus)
    current = active_program(device)
    current_doses: dict[str, DoseRate] = {}
    if current is not None:
        current_program = core_program(current, catalogue)
        current_doses = {
            item.drug.id: current_program.basal_daily_dose(item.drug.id)
            for item in current_program.reservoir
        }
    return program, check_program(
        program, catalogue, current_doses, request.days_since_last_increase
    )


def prescribe(
    user: User, device: Device, request: ProgramRequest, override_reason: str = ""
) -> ProgramVersion:
    require(user, Action.PRESCRIBE_PROGRAM, device.patient)
    if device.status != DeviceStatus.ACTIVE:
        raise DeviceNotInUse()
    program, check = draft(device, request)
    if check.verdict is Verdict.BLOCKED:
        raise ProgramBlocked(check.findings)
    if check.verdict is Verdict.NEEDS_OVERRIDE and not override_reason.strip():
        raise OverrideReasonRequired()
    try:
        with transaction.atomic():
            return _store(user, device, request, program, check, override_reason.strip())
    except IntegrityError as exc:
        raise StaleChange("program") from exc


def _store(
    user: User,
    device: Device,
    request: ProgramRequest,
    program: Program,
    check: ProgramCheck,
    reason: str,
) -> ProgramVersion:
    number = (device.programs.aggregate(n=Max("number"))["n"] or 0) + 1
    version = ProgramVersion.objects.create(
        device=device,
        number=number,
        mode=program.mode.value,
        daily_dose_mcg_per_day=request.daily_dose.canonical
        if request.daily_dose and not request.steps
        else None,
        entered_dose_unit=request.daily_dose.unit.symbol if request.daily_dose else "",
        fixed_rate_ml_per_day=request.fixed_rate.canonical if request.fixed_rate else None,
        bolus_dose_mcg=request.bolus.dose.canonical if request.bolus else None,
        bolus_lockout_minutes=request.bolus.lockout_minutes if request.bolus else None,
        bolus_max_per_day=request.bolus.max_per_day if request.bolus else None,
        verdict=check.verdict.value,
        findings=[finding_record(f) for f in check.findings],
        library_version=check.library.version,
        library_hash=check.library.content_hash,
        ithaca_version=__version__,
        override_reason=reason,
        prescribed_by=user,
        prescribed_at=timezone.now(),
        previous=active_program(device),
    )
    for position, item in enumerate(program.reservoir):
        ProgramDrug.objects.create(
            program=version,
            position=position,
            drug_id=item.drug.id,
            concentration_mcg_per_ml=item.concentration.canonical,
            entered_unit=item.concentration.unit.symbol,
        )
    for start, dose in request.steps:
        ProgramStep.objects.create(
            program=version, start_minute=start, dose_mcg_per_day=dose.canonical
        )
    record(
        user,
        AuditAction.CREATE,
        "program",
        version.pk,
        patient_id=device.patient_id,
        reason=reason,
        detail={
            "device": device.pk,
            "number": number,
            "verdict": check.verdict.value,
            "findings": [f.code for f in check.findings],
            "library_hash": check.library.content_hash,
        },
    )
    return version


def finding_record(finding: Finding) -> dict[str, object]:
    provenance = finding.provenance
    return {
        "code": finding.code,
        "severity": finding.severity.value,
        "message": finding.message,
        "drug": finding.drug,
        "source": provenance.describe() if provenance else None,
    }


def check(
    user: User,
    version: ProgramVersion,
    *,
    approve: bool,
    note: str = "",
    confirm_override: bool = False,
) -> ProgramVersion:
    """The independent double check. Approval activates; rejection records why."""
    require(user, Action.CHECK_PROGRAM, version.device.patient)
    if version.prescribed_by_id == user.pk:
        raise SecondPersonRequired("prescribed")
    if approve and version.verdict == Verdict.NEEDS_OVERRIDE.value and not confirm_override:
        raise OverrideNotConfirmed()
    if not approve and not note.strip():
        raise ServiceRefusal(
            "Say why the program is rejected, so the prescriber can correct it.", field="note"
        )
    if approve:
        _still_allowed(version)
    now = timezone.now()
    with transaction.atomic():
        device = Device.objects.select_for_update().get(pk=version.device_id)
        fresh = ProgramVersion.objects.select_for_update().get(pk=version.pk)
        if fresh.status != ProgramStatus.AWAITING_CHECK:
            by = fresh.checked_by.get_username() if fresh.checked_by else "someone else"
            raise AlreadyDone("program", by)
        if approve:
            device.programs.filter(status=ProgramStatus.ACTIVE).update(
                status=ProgramStatus.SUPERSEDED
            )
        ProgramVersion.objects.filter(pk=version.pk).update(
            status=ProgramStatus.ACTIVE if approve else ProgramStatus.REJECTED,
            checked_by=user,
            checked_at=now,
            check_note=note.strip(),
            activated_at=now if approve else None,
        )
        if approve:
            forecast.refresh(device)
        record(
            user,
            AuditAction.CHECK,
            "program",
            version.pk,
            patient_id=device.patient_id,
            reason=note.strip(),
            detail={
                "approved": approve,
                "override_confirmed": confirm_override,
                "verdict": version.verdict,
            },
        )
    version.refresh_from_db()
    return version


def _still_allowed(version: ProgramVersion) -> None:
    """The library may have changed since the program was written: check it again now."""
    catalogue = catalogue_in_force()
    if catalogue.identity.content_hash == version.library_hash:
        return
    again = check_program(core_program(version, catalogue), catalogue)
    if again.verdict is Verdict.BLOCKED:
        raise ProgramBlocked(again.findings)
