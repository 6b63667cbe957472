"""The current forecast of a pump's next refill: what the dashboard and lists show.

A refill row keeps the plan as it was computed and signed. When a new program is approved
after that refill, the pump empties at another rate: the forecast re-plans from the volume
expected to be left on the day the new program started, keeping the fill's stability and
clinic-interval dates (those run from the fill, not from the program change).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils import timezone

from ithaca.clinical.catalogue import Catalogue
from ithaca.clinical.drugs import FillKind
from ithaca.clinical.errors import ClinicalError
from ithaca.clinical.quantities import Unit, Volume
from ithaca.clinical.refills import DueCandidate, earliest_due, plan_refill
from ithaca.devices.convert import core_program, volume
from ithaca.devices.library import catalogue_in_force
from ithaca.devices.models import Device
from ithaca.devices.queries import active_program, last_refill
from ithaca.devices.residual import expected_since


def refresh(device: Device, catalogue: Catalogue | None = None) -> None:
    """Recompute and store the device's next-refill forecast (call inside the change's transaction)."""
    due, factor, basis = forecast(device, catalogue or catalogue_in_force())
    Device.objects.filter(pk=device.pk).update(
        next_due_on=due, next_due_factor=factor, next_due_basis=basis
    )
    device.next_due_on, device.next_due_factor, device.next_due_basis = due, factor, basis


def forecast(device: Device, catalogue: Catalogue) -> tuple[date | None, str, str]:
    """Plan from the last fill with the library in force now; if the program changed since,
    the alarm and empty dates follow the new rate from the day it started."""
    last = last_refill(device)
    if last is None:
        return None, "", ""
    fill_plan = plan_refill(
        core_program(last.program, catalogue),
        Volume(Decimal(last.fill_volume_ml), Unit.ML),
        last.performed_on,
        catalogue,
        fill_kind=FillKind.INITIAL if last.first_fill else FillKind.REFILL,
        low_alarm=volume(device.low_alarm_ml),
        reservoir=volume(device.reservoir_ml),
    )
    basis = f"refill {last.sequence} on {last.performed_on}"
    program = active_program(device)
    if program is None or program.pk == last.program_id or program.activated_at is None:
        return fill_plan.next_refill_due, fill_plan.limiting_factor, basis
    changed_on = max(last.performed_on, timezone.localdate(program.activated_at))
    left, _, _ = expected_since(
        device, last, changed_on, catalogue.policy.bolus_planning.value, None, catalogue
    )
    # The fill's own dates run from the fill; the alarm and empty dates follow the new rate.
    candidates = [
        c for c in fill_plan.candidates if c.factor in ("stability", "clinic_max_interval")
    ]
    if left is None or not left.is_positive():
        candidates.append(DueCandidate("empty", changed_on, "empty under the new program", None))
    else:
        plan = plan_refill(
            core_program(program, catalogue),
            left,
            changed_on,
            catalogue,
            low_alarm=volume(device.low_alarm_ml),
            reservoir=volume(device.reservoir_ml),
        )
        candidates += [c for c in plan.candidates if c.factor in ("empty", "low_reservoir_alarm")]
    due = earliest_due(candidates)
    return (
        due.on,
        due.factor,
        f"{basis}, re-planned for program v{program.number} from {changed_on}",
    )


def refresh_all(catalogue: Catalogue | None = None) -> int:
    """Recompute every pump's forecast (after a bulk load or a library change); returns the count."""
    catalogue = catalogue or catalogue_in_force()
    devices = list(Device.objects.filter(status="active"))
    for device in devices:
        try:
            refresh(device, catalogue)
        except ClinicalError as exc:
            # A pump the new library cannot plan keeps its stored forecast, and says why.
            Device.objects.filter(pk=device.pk).update(
                next_due_basis=f"not re-planned: {exc}"[:200]
            )
    return len(devices)


def refresh_missing() -> int:
    """Plan every pump in use that has a refill but no forecast yet (a database from before
    forecasts were stored, or rows loaded in bulk); run by `ithaca serve` at start."""
    missing = Device.objects.filter(
        status="active", next_due_on__isnull=True, refills__isnull=False
    ).distinct()
    devices = list(missing)
    if devices:
        catalogue = catalogue_in_force()
        for device in devices:
            refresh(device, catalogue)
    return len(devices)
