"""The current forecast of a pump's next refill: what the dashboard and lists show.

A refill row keeps the plan as it was computed and signed. When a new program is approved
after that refill, the pump empties at another rate: the forecast re-plans from the volume
expected to be left on the day the new program started, keeping the fill's stability and
clinic-interval dates (those run from the fill, not from the program change).
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from ithaca.clinical.catalogue import Catalogue
from ithaca.clinical.refills import plan_refill
from ithaca.devices.convert import core_program, volume
from ithaca.devices.library import catalogue_in_force
from ithaca.devices.models import Device, ProgramVersion, Refill
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
    last = last_refill(device)
    if last is None:
        return None, "", ""
    program = active_program(device)
    if program is None or program.pk == last.program_id or program.activated_at is None:
        return (
            last.next_due_on,
            last.limiting_factor,
            f"refill {last.sequence} on {last.performed_on}",
        )
    return _replanned(device, last, program, catalogue)


def _replanned(
    device: Device, last: Refill, program: ProgramVersion, catalogue: Catalogue
) -> tuple[date, str, str]:
    assert program.activated_at is not None  # noqa: S101 - checked by the caller
    changed_on = max(last.performed_on, timezone.localdate(program.activated_at))
    left, _, _ = expected_since(
        device, last, changed_on, catalogue.policy.bolus_planning.value, None, catalogue
    )
    basis = f"refill {last.sequence} on {last.performed_on}, re-planned for program v{program.number} from {changed_on}"
    candidates: list[tuple[date, str]] = [
        (d, f)
        for d, f in (
            (last.stability_on, "stability"),
            (last.clinic_interval_on, "clinic_max_interval"),
        )
        if d
    ]
    if left is None or not left.is_positive():
        candidates.append((changed_on, "empty"))
    else:
        plan = plan_refill(
            core_program(program, catalogue),
            left,
            changed_on,
            catalogue,
            low_alarm=volume(device.low_alarm_ml),
            reservoir=volume(device.reservoir_ml),
        )
        candidates.append((plan.empty_date, "empty"))
        if plan.low_reservoir_alarm_date is not None:
            candidates.append((plan.low_reservoir_alarm_date, "low_reservoir_alarm"))
    priority = {"low_reservoir_alarm": 0, "stability": 1, "clinic_max_interval": 2, "empty": 3}
    due, factor = min(candidates, key=lambda c: (c[0], priority[c[1]]))
    return due, factor, basis


def refresh_all(catalogue: Catalogue | None = None) -> int:
    """Recompute every pump's forecast (after a bulk load or a library change); returns the count."""
    catalogue = catalogue or catalogue_in_force()
    devices = list(Device.objects.filter(status="active"))
    for device in devices:
        refresh(device, catalogue)
    return len(devices)
