"""The refill worksheet (calculate, then save), the refill record with its double check, and
the printable worksheets: the completed record, and a blank one for the bedside."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from ithaca.accounts.permissions import Action, acting_user, may
from ithaca.clinical.errors import (
    ClinicalError,
    DatesOutOfOrder,
    InvalidProgram,
    QuantityOutOfRange,
    RefillExceedsReservoir,
)
from ithaca.clinical.quantities import Concentration, Unit, Volume
from ithaca.clinical.refills import reservoir_of
from ithaca.devices import refills, worksheet_pdf
from ithaca.devices.convert import volume
from ithaca.devices.errors import ServiceRefusal, StaleChange
from ithaca.devices.forms import add_refusal
from ithaca.devices.forms_refills import RefillForm, RefillVerifyForm, refill_initial
from ithaca.devices.library import catalogue_in_force
from ithaca.devices.models import Device, DeviceStatus, Refill, RefillStatus
from ithaca.devices.queries import active_program, last_refill, next_sequence
from ithaca.devices.views import device_for, factor_words, finding_rows, posted, program_summary
from ithaca.patients.access import open_patient


def _refill_field(exc: ClinicalError) -> str | None:
    if isinstance(exc, RefillExceedsReservoir):
        return "fill_volume"
    if isinstance(exc, DatesOutOfOrder):
        return "performed_on"
    if isinstance(exc, InvalidProgram):
        return "typical_boluses_per_day"
    if isinstance(exc, QuantityOutOfRange):
        return "measured_residual" if "residual" in exc.what else "fill_volume"
    return None


@login_required
def refill_new(request: HttpRequest, device_id: int) -> HttpResponse:
    device = device_for(request, device_id, Action.RECORD_REFILL)
    program = active_program(device)
    if device.status != DeviceStatus.ACTIVE or program is None:
        messages.error(
            request,
            "This pump is not in use (explanted)."
            if device.status != DeviceStatus.ACTIVE
            else "This pump has no double-checked program: a refill needs one to compute the volumes.",
        )
        return redirect("devices:detail", device_id=device.pk)
    catalogue = catalogue_in_force()
    pump = catalogue.pump(device.pump_model)
    capacity = reservoir_of(pump, volume(device.reservoir_ml))
    drugs = [
        (
            catalogue.drug(d.drug_id),
            Concentration(Decimal(d.concentration_mcg_per_ml), Unit.MCG_PER_ML),
        )
        for d in program.drugs.all()
    ]
    previous = last_refill(device)
    htmx = request.headers.get("HX-Request") == "true"
    saving = request.method == "POST" and "save" in request.POST and not htmx
    form = RefillForm(
        posted(request),
        initial=refill_initial(next_sequence(device), capacity),
        program=program,
        drugs=drugs,
        capacity=capacity,
        pump_name=pump.name,
        first_fill=previous is None,
        saving=saving,
    )
    sheet, stale = None, False
    if request.method == "POST" and form.is_valid():
        try:
            if saving:
                refill = refills.record_refill(acting_user(request), device, form.to_request())
                messages.success(
                    request,
                    f"Refill {refill.sequence} is saved. A second person must now verify it.",
                )
                return redirect("devices:refill", refill_id=refill.pk)
            sheet = refills.worksheet(device, form.to_request(), catalogue)
        except StaleChange as exc:
            stale = True
            form.add_error(None, exc.message)
        except ServiceRefusal as exc:
            add_refusal(form, exc)
        except ClinicalError as exc:
            add_refusal(form, exc, _refill_field(exc))
    if saving and sheet is None and not stale and form.is_bound and hasattr(form, "cleaned_data"):
        sheet = _try_sheet(device, form)
    context = {
        "device": device,
        "patient": device.patient,
        "pump": pump,
        "program": program_summary(program, catalogue),
        "capacity": capacity,
        "previous": previous,
        "form": form,
        "sheet": sheet,
        "stale": stale,
        "shown": sheet_view(sheet) if sheet else None,
    }
    return render(
        request, "devices/_refill_sheet.html" if htmx else "devices/refill_form.html", context
    )


def direction(discrepancy: Volume) -> str:
    if discrepancy.magnitude > 0:
        return "less left than expected: more was delivered, or drug was lost"
    if discrepancy.magnitude < 0:
        return "more left than expected: less was delivered (occlusion, the pump, or a previous fill problem)"
    return "exactly as expected"


def sheet_view(sheet: refills.RefillWorksheet) -> dict[str, object]:
    """The core's worksheet in words and rounded figures; the arithmetic steps as the core wrote them."""
    rec, plan = sheet.reconciliation, sheet.plan
    shown: dict[str, object] = {
        "sequence": sheet.sequence,
        "first_fill": sheet.first_fill,
        "steps": sheet.expected_steps,
        "notes": sheet.notes,
        "expected": str(sheet.expected.rounded(2)) if sheet.expected is not None else None,
    }
    if rec is not None:
        shown |= {
            "measured": str(rec.measured),
            "discrepancy": str(rec.discrepancy.rounded(2)),
            "percent": rec.percent,
            "direction": direction(rec.discrepancy),
            "flagged": rec.flagged,
            "reasons": rec.reasons,
            "threshold": f"{rec.threshold_percent.value}% ({rec.threshold_percent.provenance.describe()})",
        }
    if plan is not None:
        shown |= {
            "next_due": plan.next_refill_due,
            "limiting": factor_words(plan.limiting_factor),
            "daily_volume": str(plan.daily_volume.rounded(4)),
            "scenario": plan.scenario.words if sheet.program.bolus_dose_mcg is not None else "",
            "candidates": [
                (
                    c.on,
                    factor_words(c.factor),
                    c.reason,
                    c.provenance.describe() if c.provenance else None,
                )
                for c in sorted(plan.candidates, key=lambda c: c.on)
            ],
            "plan_steps": plan.steps,
            "findings": finding_rows(plan.findings),
            "library": plan.library.describe(),
        }
    return shown


def _try_sheet(device: Device, form: RefillForm) -> refills.RefillWorksheet | None:
    """After a refused save, show the calculation that explains it (if it can be made)."""
    needed = ("performed_on", "fill_volume", "expected_sequence")
    if any(form.cleaned_data.get(n) is None for n in needed):
        return None
    try:
        return refills.worksheet(device, form.to_request())
    except (ServiceRefusal, ClinicalError):
        return None


@login_required
def refill_detail(request: HttpRequest, refill_id: int) -> HttpResponse:
    refill = get_object_or_404(
        Refill.objects.select_related(
            "device__patient", "program", "performed_by__profile", "verified_by__profile"
        ),
        pk=refill_id,
    )
    patient = refill.device.patient
    open_patient(
        request,
        patient.pk,
        Action.VERIFY_REFILL if request.method == "POST" else Action.VIEW_PATIENT,
    )
    form = RefillVerifyForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            refills.verify_refill(acting_user(request), refill, form.cleaned_data["note"])
        except ServiceRefusal as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, f"Refill {refill.sequence} is verified.")
            return redirect("devices:refill", refill_id=refill.pk)
    awaiting = refill.status == RefillStatus.AWAITING_VERIFICATION
    context = {
        "refill": refill,
        "device": refill.device,
        "patient": patient,
        "program": program_summary(refill.program, catalogue_in_force()),
        "pump": catalogue_in_force().pump(refill.device.pump_model),
        "limiting": factor_words(refill.limiting_factor),
        "form": form,
        "awaiting": awaiting,
        "is_performer": refill.performed_by_id == request.user.pk,
        "can_verify": awaiting
        and refill.performed_by_id != request.user.pk
        and may(request.user, Action.VERIFY_REFILL, patient),
    }
    return render(request, "devices/refill_detail.html", context)


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "no-store"  # it carries a patient's identifiers
    return response


@login_required
def refill_pdf(request: HttpRequest, refill_id: int) -> HttpResponse:
    refill = get_object_or_404(Refill.objects.select_related("device__patient"), pk=refill_id)
    open_patient(request, refill.device.patient_id, Action.VIEW_PATIENT)
    name = f"refill-{refill.device.patient.hospital_number}-{refill.sequence}.pdf"
    return _pdf_response(worksheet_pdf.refill_worksheet(refill), name)


@login_required
def blank_worksheet_pdf(request: HttpRequest, device_id: int) -> HttpResponse:
    device = device_for(request, device_id, Action.RECORD_REFILL)
    if active_program(device) is None or device.status != DeviceStatus.ACTIVE:
        messages.error(request, "A worksheet needs a pump in use with a double-checked program.")
        return redirect("devices:detail", device_id=device.pk)
    today = timezone.localdate()
    name = f"worksheet-{device.patient.hospital_number}-{today.isoformat()}.pdf"
    return _pdf_response(worksheet_pdf.blank_worksheet(device, today), name)
