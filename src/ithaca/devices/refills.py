"""Recording a refill and its independent double check.

The expected residual comes from the core, segment by segment across any program change
since the last fill; the measured residual is reconciled against it; the next refill date
is planned from the new fill. Two nurses saving a refill for the same pump cannot both
succeed: each save claims the next sequence number, which is unique per pump.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from ithaca.accounts.permissions import Action, require
from ithaca.audit.chain import record
from ithaca.audit.models import AuditAction
from ithaca.clinical.catalogue import Catalogue
from ithaca.clinical.drugs import FillKind
from ithaca.clinical.policy import BolusScenario
from ithaca.clinical.quantities import Quantity, Volume
from ithaca.clinical.refills import (
    Reconciliation,
    RefillPlan,
    plan_refill,
    reconcile,
)
from ithaca.devices import forecast
from ithaca.devices.convert import core_program, volume
from ithaca.devices.errors import (
    AlreadyDone,
    DeviceNotInUse,
    NoActiveProgram,
    SecondPersonRequired,
    ServiceRefusal,
    StaleChange,
)
from ithaca.devices.library import catalogue_in_force
from ithaca.devices.models import (
    Device,
    DeviceStatus,
    ProgramStatus,
    ProgramVersion,
    Refill,
    RefillStatus,
)
from ithaca.devices.programs import finding_record
from ithaca.devices.queries import active_program, last_refill, next_sequence
from ithaca.devices.residual import expected_since


@dataclass(frozen=True)
class RefillRequest:
    performed_on: date
    expected_sequence: int  # the sequence the nurse's form was built for
    fill_volume: Volume
    lot_number: str
    needle_in_reservoir_confirmed: bool
    measured_residual: Volume | None = None  # None only for the first fill
    bolus_scenario: BolusScenario = BolusScenario.NONE
    typical_boluses_per_day: Decimal | None = None
    discrepancy_action: str = ""
    notes: str = ""


@dataclass(frozen=True)
class RefillWorksheet:
    """What the core computes for a refill before it is saved (and what the page shows)."""

    sequence: int
    first_fill: bool
    expected: Volume | None
    expected_steps: tuple[str, ...]
    reconciliation: Reconciliation | None
    plan: RefillPlan | None
    program: ProgramVersion
    previous: Refill | None
    notes: list[str] = field(default_factory=list)


def worksheet(
    device: Device, request: RefillRequest, catalogue: Catalogue | None = None
) -> RefillWorksheet:
    """Compute the refill without saving: expected residual, reconciliation and plan."""
    catalogue = catalogue or catalogue_in_force()
    program = active_program(device)
    if program is None:
        raise NoActiveProgram()
    previous = last_refill(device)
    if previous is not None and request.performed_on < previous.performed_on:
        raise ServiceRefusal(
            f"The last refill was on {previous.performed_on}; this one cannot be earlier.",
            field="performed_on",
        )
    expected, steps, notes = expected_since(
        device,
        previous,
        request.performed_on,
        request.bolus_scenario,
        request.typical_boluses_per_day,
        catalogue,
    )
    # Without a measured residual (a blank bedside sheet, or before the nurse has withdrawn
    # it) the worksheet shows what is expected and the plan; saving needs the measurement.
    # Without a measured residual (a blank bedside sheet, or before the nurse has withdrawn
    # it) the worksheet gives the expected residual and the plan; saving needs the measurement.
    reconciliation = None
    if expected is not None and request.measured_residual is not None:
        reconciliation = reconcile(
            expected, request.measured_residual, catalogue.policy, catalogue.pump(device.pump_model)
        )
    plan = plan_refill(
        core_program(program, catalogue),
        request.fill_volume,
        request.performed_on,
        catalogue,
        fill_kind=FillKind.INITIAL if previous is None else FillKind.REFILL,
        low_alarm=volume(device.low_alarm_ml),
        reservoir=volume(device.reservoir_ml),
    )
    return RefillWorksheet(
        next_sequence(device),
        previous is None,
        expected,
        steps,
        reconciliation,
        plan,
        program,
        previous,
        notes,
    )


def record_refill(user: User, device: Device, request: RefillRequest) -> Refill:
    require(user, Action.RECORD_REFILL, device.patient)
    if device.status != DeviceStatus.ACTIVE:
        raise DeviceNotInUse()
    if not request.needle_in_reservoir_confirmed:
        raise ServiceRefusal(
            "Confirm the needle is in the reservoir fill port, not the catheter access port, before saving.",
            field="needle_in_reservoir_confirmed",
        )
    if request.performed_on > timezone.localdate():
        raise ServiceRefusal(
            "A refill cannot be recorded for a date in the future.", field="performed_on"
        )
    if not request.lot_number.strip():
        raise ServiceRefusal("Enter the lot number of the drug filled.", field="lot_number")
    if request.expected_sequence != next_sequence(device):
        raise StaleChange("refill")
    if request.measured_residual is None and last_refill(device) is not None:
        raise ServiceRefusal(
            "Enter the residual volume withdrawn from the reservoir.", field="measured_residual"
        )
    sheet = worksheet(device, request)
    reconciliation, plan = sheet.reconciliation, sheet.plan
    assert plan is not None  # noqa: S101 - worksheet always plans
    if (
        reconciliation is not None
        and reconciliation.flagged
        and not request.discrepancy_action.strip()
    ):
        raise ServiceRefusal(
            "The residual discrepancy is flagged: record what was done about it (e.g. pump interrogated, "
            "physician informed) before saving.",
            field="discrepancy_action",
        )
    try:
        with transaction.atomic():
            refill = _store(user, device, request, sheet, plan, reconciliation)
    except IntegrityError as exc:
        raise StaleChange("refill") from exc
    return refill


def _store(
    user: User,
    device: Device,
    request: RefillRequest,
    sheet: RefillWorksheet,
    plan: RefillPlan,
    reconciliation: Reconciliation | None,
) -> Refill:
    refill = Refill.objects.create(
        device=device,
        sequence=request.expected_sequence,
        program=sheet.program,
        performed_by=user,
        performed_on=request.performed_on,
        recorded_at=timezone.now(),
        first_fill=sheet.first_fill,
        expected_residual_ml=_ml(sheet.expected),
        measured_residual_ml=_ml(request.measured_residual),
        discrepancy_ml=_ml(reconciliation.discrepancy) if reconciliation else None,
        discrepancy_percent=reconciliation.percent if reconciliation else None,
        flagged=reconciliation.flagged if reconciliation else False,
        flag_reasons=list(reconciliation.reasons) if reconciliation else [],
        discrepancy_action=request.discrepancy_action.strip(),
        fill_volume_ml=request.fill_volume.canonical,
        lot_number=request.lot_number.strip(),
        needle_in_reservoir_confirmed=True,
        next_due_on=plan.next_refill_due,
        limiting_factor=plan.limiting_factor,
        empty_on=plan.empty_date,
        low_alarm_on=plan.low_reservoir_alarm_date,
        stability_on=plan.stability_limit_date,
        clinic_interval_on=plan.clinic_max_interval_date,
        daily_volume_ml=plan.daily_volume.canonical.quantize(Decimal("0.0001")),
        calculation={
            "expected_steps": list(sheet.expected_steps),
            "plan_steps": list(plan.steps),
            "findings": [finding_record(f) for f in plan.findings],
            "notes": sheet.notes,
            "candidates": [
                {"factor": c.factor, "date": c.on.isoformat(), "reason": c.reason}
                for c in plan.candidates
            ],
        },
        library_version=plan.library.version,
        library_hash=plan.library.content_hash,
        notes=request.notes.strip(),
    )
    record(
        user,
        AuditAction.CREATE,
        "refill",
        refill.pk,
        patient_id=device.patient_id,
        reason=request.discrepancy_action.strip(),
        detail={
            "device": device.pk,
            "sequence": refill.sequence,
            "flagged": refill.flagged,
            "next_due_on": plan.next_refill_due.isoformat(),
            "library_hash": plan.library.content_hash,
        },
    )
    forecast.refresh(device)
    return refill


def _ml(quantity: Quantity | None) -> Decimal | None:
    """A volume or flow in its canonical column unit, to the column's 0.0001 precision."""
    if quantity is None:
        return None
    return quantity.canonical.quantize(Decimal("0.0001"))


def verify_refill(user: User, refill: Refill, note: str = "") -> Refill:
    """The second person's check of a recorded refill."""
    require(user, Action.VERIFY_REFILL, refill.device.patient)
    if refill.performed_by_id == user.pk:
        raise SecondPersonRequired("performed")
    with transaction.atomic():
        updated = Refill.objects.filter(
            pk=refill.pk, status=RefillStatus.AWAITING_VERIFICATION
        ).update(status=RefillStatus.VERIFIED, verified_by=user, verified_at=timezone.now())
        if updated != 1:
            refill.refresh_from_db()
            raise AlreadyDone(
                "refill",
                refill.verified_by.get_username() if refill.verified_by else "someone else",
            )
        record(
            user,
            AuditAction.CHECK,
            "refill",
            refill.pk,
            patient_id=refill.device.patient_id,
            reason=note.strip(),
            detail={"verified": True},
        )
    refill.refresh_from_db()
    return refill


def programs_awaiting_check() -> list[ProgramVersion]:
    return list(
        ProgramVersion.objects.filter(status=ProgramStatus.AWAITING_CHECK).select_related(
            "device__patient"
        )
    )
