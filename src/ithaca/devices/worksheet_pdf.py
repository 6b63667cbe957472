"""Printable refill worksheets, rendered to PDF by WeasyPrint from dedicated print templates.

Two sheets: the record of a refill as stored (with both signatures, or an empty line for
the second check), and a blank sheet for the bedside before a refill, with today's
expected residual and boxes to write in. Both carry the library version and hash, the
ithaca version and the sign-off statement. Nothing is fetched from the network.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML

from ithaca import __version__
from ithaca.clinical.catalogue import SIGNOFF_STATEMENT
from ithaca.clinical.errors import ClinicalError
from ithaca.clinical.policy import BolusScenario
from ithaca.clinical.quantities import Volume
from ithaca.clinical.refills import reservoir_of
from ithaca.clinical.sourced import Sourced
from ithaca.devices import refills
from ithaca.devices.convert import volume
from ithaca.devices.errors import ServiceRefusal
from ithaca.devices.library import catalogue_in_force
from ithaca.devices.models import Device, Refill
from ithaca.devices.queries import active_program, last_refill, next_sequence
from ithaca.devices.views import cap_warning, factor_words, program_summary


def _pdf(template: str, context: dict[str, object]) -> bytes:
    html = render_to_string(template, context)
    return bytes(HTML(string=html).write_pdf())


def _pump_name(device: Device) -> str:
    try:
        return catalogue_in_force().pump(device.pump_model).name
    except ClinicalError:
        return str(device.pump_model)


def _person(user: object) -> str:
    profile = getattr(user, "profile", None)
    name = str(profile.display_name) if profile is not None else ""
    username = str(user.get_username()) if hasattr(user, "get_username") else ""
    role = f", {profile.get_role_display()}" if profile is not None else ""
    return f"{name or username} ({username}{role})"


def _common(device: Device) -> dict[str, object]:
    return {
        "patient": device.patient,
        "device": device,
        "pump_name": _pump_name(device),
        "ithaca_version": __version__,
        "signoff": SIGNOFF_STATEMENT,
        "printed_at": timezone.localtime(),
    }


def refill_worksheet(refill: Refill) -> bytes:
    """The stored refill, as signed: performed by, and verified by (or an empty line)."""
    catalogue = catalogue_in_force()
    context = _common(refill.device) | {
        "refill": refill,
        "program": program_summary(refill.program, catalogue),
        "limiting": factor_words(refill.limiting_factor),
        "performed_by": _person(refill.performed_by),
        "verified_by": _person(refill.verified_by) if refill.verified_by else None,
        "recorded_at": timezone.localtime(refill.recorded_at),
        "verified_at": timezone.localtime(refill.verified_at) if refill.verified_at else None,
        "cap": cap_warning(catalogue.pump(refill.device.pump_model)),
        "library_version": refill.library_version,
        "library_hash": refill.library_hash,
    }
    return _pdf("devices/print/refill_worksheet.html", context)


@dataclass(frozen=True)
class ExpectedToday:
    scenario: str
    volume: Volume | None
    steps: tuple[str, ...]

    @property
    def rounded_text(self) -> str:
        return str(self.volume.rounded(2)) if self.volume is not None else "—"


def blank_worksheet(device: Device, on: date) -> bytes:
    """A sheet to take to the bedside: what should be left today, and empty boxes to fill in."""
    catalogue = catalogue_in_force()
    pump = catalogue.pump(device.pump_model)
    program = active_program(device)
    if program is None:
        raise ServiceRefusal(
            "This pump has no double-checked program: a refill needs one to compute the volumes."
        )
    capacity = reservoir_of(pump, volume(device.reservoir_ml))
    previous = last_refill(device)
    scenarios = [BolusScenario.NONE] + (
        [BolusScenario.MAXIMUM] if program.bolus_dose_mcg is not None else []
    )
    expected: list[ExpectedToday] = []
    plan, problem = None, None
    for scenario in scenarios:
        try:
            sheet = _sheet(device, on, capacity, scenario, previous is not None)
        except (ServiceRefusal, ClinicalError) as exc:
            problem = str(exc)
            break
        expected.append(ExpectedToday(scenario.words, sheet.expected, sheet.expected_steps))
        plan = plan or sheet.plan
    context = _common(device) | {
        "on": on,
        "program": program_summary(program, catalogue),
        "previous": previous,
        "capacity": capacity,
        "expected": expected,
        "with_bolus": len(scenarios) > 1,
        "plan": plan,
        "limiting": factor_words(plan.limiting_factor) if plan else "",
        "problem": problem,
        "cap": cap_warning(pump),
        "next_sequence": next_sequence(device),
        "threshold": f"{catalogue.policy.residual_discrepancy_percent.value}%",
        "pump_threshold": str(pump.refill_discrepancy_alarm.value)
        if isinstance(pump.refill_discrepancy_alarm, Sourced)
        else None,
        "library_version": catalogue.identity.version,
        "library_hash": catalogue.identity.content_hash,
    }
    return _pdf("devices/print/blank_worksheet.html", context)


def _sheet(
    device: Device, on: date, capacity: Volume, scenario: BolusScenario, refilled_before: bool
) -> refills.RefillWorksheet:
    # Nothing has been withdrawn yet: the worksheet gives the expected residual and the plan.
    request = refills.RefillRequest(
        performed_on=on,
        expected_sequence=next_sequence(device),
        fill_volume=capacity,
        lot_number="",
        needle_in_reservoir_confirmed=False,
        measured_residual=None,
        bolus_scenario=scenario,
    )
    return refills.worksheet(device, request)
