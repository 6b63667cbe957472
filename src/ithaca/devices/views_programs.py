"""Prescribing a program (with the core's check shown before saving) and its double check."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from ithaca.accounts.permissions import Action, acting_user, may
from ithaca.clinical.checks import ProgramCheck
from ithaca.clinical.errors import ClinicalError, InvalidProgram
from ithaca.devices import programs, queries
from ithaca.devices.errors import ProgramBlocked, ServiceRefusal
from ithaca.devices.forms import ProgramCheckForm, ProgramForm, add_refusal
from ithaca.devices.library import catalogue_in_force
from ithaca.devices.models import Device, DeviceStatus, ProgramStatus, ProgramVersion
from ithaca.devices.views import device_for, finding_rows, posted, program_summary
from ithaca.patients.access import open_patient


def _is_htmx(request: HttpRequest) -> bool:
    return bool(request.headers.get("HX-Request") == "true")


def _program_field(exc: InvalidProgram, mode: str) -> str | None:
    """Where a program the core cannot build is wrong, as far as its sentence tells."""
    reason = exc.reason.lower()
    if "bolus" in reason:
        return "bolus_dose"
    if "step" in reason or "flexible" in reason:
        return "steps" if mode == "flexible" else "mode"
    if "concentration" in reason or "reservoir" in reason or "drug" in reason:
        return "drug_0"
    if "dose" in reason:
        return "daily_dose"
    return None


@login_required
def program_new(request: HttpRequest, device_id: int) -> HttpResponse:
    device = device_for(request, device_id, Action.PRESCRIBE_PROGRAM)
    if device.status != DeviceStatus.ACTIVE:
        messages.error(
            request, "This pump is not in use (explanted): no program can be prescribed for it."
        )
        return redirect("devices:detail", device_id=device.pk)
    catalogue = catalogue_in_force()
    pump = catalogue.pump(device.pump_model)
    form = ProgramForm(posted(request), device=device, pump=pump, catalogue=catalogue)
    check: ProgramCheck | None = None
    blocked = None
    if request.method == "POST" and form.is_valid():
        try:
            if "save" in request.POST and not _is_htmx(request):
                version = programs.prescribe(
                    acting_user(request),
                    device,
                    form.to_request(),
                    form.cleaned_data["override_reason"],
                )
                messages.success(
                    request,
                    f"Program v{version.number} is saved. It needs a second person's check before it is active.",
                )
                return redirect("devices:program", program_id=version.pk)
            _, check = programs.draft(device, form.to_request())
        except ProgramBlocked as exc:
            blocked = finding_rows(exc.findings)
            form.add_error(
                None, "This program is blocked by a hard limit and was not saved: see why below."
            )
        except InvalidProgram as exc:
            add_refusal(form, exc, _program_field(exc, form.cleaned_data.get("mode", "")))
        except (ServiceRefusal, ClinicalError) as exc:
            add_refusal(form, exc)
        if check is None and blocked is None and "save" in request.POST:
            check = _try_draft(device, form)
    current = queries.active_program(device)
    context = {
        "device": device,
        "patient": device.patient,
        "pump": pump,
        "form": form,
        "check": check,
        "findings": finding_rows(check.findings) if check else blocked,
        "doses": _dose_rows(check) if check else [],
        "blocked": blocked is not None or (check is not None and check.verdict.value == "blocked"),
        "current": current,
        "current_summary": program_summary(current, catalogue) if current else None,
    }
    template = "devices/_program_check.html" if _is_htmx(request) else "devices/program_form.html"
    return render(request, template, context)


def _dose_rows(check: ProgramCheck) -> list[dict[str, str]]:
    """Each drug's strength and daily dose as the core computed them, rounded only for display."""
    with_bolus = check.program.bolus is not None
    return [
        {
            "drug": item.drug.name,
            "concentration": str(item.concentration.to(item.drug.concentration_unit).rounded(4)),
            "daily_dose": str(item.min_daily_dose.rounded(4)),
            "with_boluses": str(item.max_daily_dose.rounded(4)) if with_bolus else "",
            "volume": str(item.min_daily_volume.rounded(4)),
            "max_volume": str(item.max_daily_volume.rounded(4)) if with_bolus else "",
        }
        for item in check.per_drug
    ]


def _try_draft(device: Device, form: ProgramForm) -> ProgramCheck | None:
    """After a refused save, the check result still helps the prescriber see why."""
    if form.cleaned_data.get("drugs") is None:
        return None
    try:
        return programs.draft(device, form.to_request())[1]
    except (ServiceRefusal, ClinicalError):
        return None


@login_required
def program_detail(request: HttpRequest, program_id: int) -> HttpResponse:
    version = get_object_or_404(
        ProgramVersion.objects.select_related(
            "device__patient", "prescribed_by__profile", "checked_by__profile"
        ),
        pk=program_id,
    )
    patient = version.device.patient
    action = Action.CHECK_PROGRAM if request.method == "POST" else Action.VIEW_PATIENT
    open_patient(request, patient.pk, action)
    form = ProgramCheckForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            programs.check(
                acting_user(request),
                version,
                approve=data["decision"] == "approve",
                note=data["note"],
                confirm_override=data["confirm_override"],
            )
        except ServiceRefusal as exc:
            add_refusal(form, exc)
        else:
            approved = data["decision"] == "approve"
            messages.success(
                request,
                f"Program v{version.number} is {'approved and now active' if approved else 'rejected'}.",
            )
            return redirect("devices:program", program_id=version.pk)
    catalogue = catalogue_in_force()
    summary = program_summary(version, catalogue)
    awaiting = version.status == ProgramStatus.AWAITING_CHECK
    context = {
        "version": version,
        "summary": summary,
        "device": version.device,
        "pump": catalogue.pump(version.device.pump_model),
        "patient": patient,
        "form": form,
        "awaiting": awaiting,
        "is_prescriber": version.prescribed_by_id == request.user.pk,
        "can_check": awaiting
        and may(request.user, Action.CHECK_PROGRAM, patient)
        and version.prescribed_by_id != request.user.pk,
        "needs_override": version.verdict == "needs_override",
    }
    return render(request, "devices/program_detail.html", context)
