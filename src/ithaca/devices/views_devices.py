"""Registering a pump, the device page, and recording pump and catheter events."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ithaca.accounts.permissions import Action, acting_user, may
from ithaca.clinical.errors import ClinicalError
from ithaca.devices import registry
from ithaca.devices.errors import ServiceRefusal
from ithaca.devices.forms import DeviceEventForm, DeviceForm, add_refusal, ml
from ithaca.devices.library import catalogue_in_force
from ithaca.devices.models import Device, DeviceStatus, Refill
from ithaca.devices.queries import active_program
from ithaca.devices.views import (
    cap_warning,
    device_for,
    factor_words,
    posted,
    program_summary,
    pump_facts,
    pump_rows,
)
from ithaca.patients.access import open_patient


@login_required
def device_new(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = open_patient(request, patient_id, Action.REGISTER_DEVICE)
    catalogue = catalogue_in_force()
    form = DeviceForm(posted(request), pumps=catalogue.pumps)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            device = registry.register_device(
                acting_user(request),
                patient,
                pump_model=data["pump_model"],
                serial=data["serial"],
                implanted_on=data["implanted_on"],
                catheter_tip_level=data["catheter_tip_level"],
                reservoir_ml=ml(data["reservoir_ml"]),
                low_alarm_ml=ml(data["low_alarm_ml"]),
                fixed_rate_ml_per_day=ml(data["fixed_rate_ml_per_day"]),
                eri_reported_on=data["eri_reported_on"],
            )
        except (ServiceRefusal, ClinicalError) as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, f"{device} is registered. Prescribe its first program next.")
            return redirect("devices:detail", device_id=device.pk)
    return render(
        request,
        "devices/device_form.html",
        {"form": form, "patient": patient, "pumps": pump_rows(catalogue.pumps.values())},
    )


@login_required
def device_detail(request: HttpRequest, device_id: int) -> HttpResponse:
    device = device_for(request, device_id)
    return render(
        request, "devices/device_detail.html", _detail_context(request, device, DeviceEventForm())
    )


@login_required
@require_POST
def device_event(request: HttpRequest, device_id: int) -> HttpResponse:
    device = device_for(request, device_id, Action.RECORD_DEVICE_EVENT)
    form = DeviceEventForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            registry.record_device_event(
                acting_user(request), device, data["occurred_on"], data["kind"], data["description"]
            )
        except ServiceRefusal as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, "The event is recorded.")
            return redirect("devices:detail", device_id=device.pk)
    device.refresh_from_db()
    return render(request, "devices/device_detail.html", _detail_context(request, device, form))


def _detail_context(
    request: HttpRequest, device: Device, event_form: DeviceEventForm
) -> dict[str, object]:
    catalogue = catalogue_in_force()
    pump = catalogue.pump(device.pump_model)
    versions = device.programs.select_related(
        "prescribed_by__profile", "checked_by__profile"
    ).prefetch_related("drugs", "steps")
    refills: list[Refill] = list(
        device.refills.select_related("performed_by__profile", "verified_by__profile")
    )
    patient = device.patient
    in_use = device.status == DeviceStatus.ACTIVE
    current = active_program(device)
    return {
        "device": device,
        "patient": patient,
        "pump": pump,
        "facts": pump_facts(pump, device),
        "cap": cap_warning(pump),
        "events": device.events.select_related("recorded_by__profile"),
        "programs": [program_summary(v, catalogue) for v in versions],
        "refills": [(r, factor_words(r.limiting_factor)) for r in refills],
        "active": current,
        "active_summary": program_summary(current, catalogue) if current else None,
        "last_refill": refills[0] if refills else None,
        "last_limiting": factor_words(refills[0].limiting_factor) if refills else "",
        "forecast_factor": factor_words(device.next_due_factor) if device.next_due_factor else "",
        "event_form": event_form,
        "can_event": may(request.user, Action.RECORD_DEVICE_EVENT, patient),
        "can_prescribe": in_use and may(request.user, Action.PRESCRIBE_PROGRAM, patient),
        "can_refill": in_use
        and current is not None
        and may(request.user, Action.RECORD_REFILL, patient),
    }
