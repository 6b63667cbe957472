"""The patient pages: the list, registration, the patient's page and its forms.

Every page fetches the patient through open_patient (permission and an audited view) or
calls `require`; every change goes through patients.services. A caregiver linked to the
patient sees the page without its forms, and the POST endpoints refuse them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery, prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from ithaca.accounts.permissions import Action, acting_user, may, require
from ithaca.clinical.catalogue import Catalogue
from ithaca.clinical.errors import ClinicalError
from ithaca.clinical.pathway import Stage
from ithaca.devices.errors import ServiceRefusal
from ithaca.devices.library import catalogue_in_force
from ithaca.devices.models import Device, DeviceStatus, Refill
from ithaca.devices.queries import active_program, last_refill
from ithaca.devices.views import ProgramSummary, factor_words, program_summary
from ithaca.patients import services, timeline
from ithaca.patients.access import open_patient
from ithaca.patients.forms import (
    ContactForm,
    EditPatientForm,
    PainScoreForm,
    RegimenItemForm,
    RegisterPatientForm,
    StopRegimenForm,
)
from ithaca.patients.models import OpioidRegimenItem, Patient

PAGE_SIZE = 50


def refusal_to_form(form: forms.BaseForm, refusal: ServiceRefusal | ClinicalError) -> None:
    """Put a service's sentence next to the field it names (or above the form)."""
    field = getattr(refusal, "field", None)
    form.add_error(field if field in form.fields else None, str(refusal))


def search(patients: QuerySet[Patient], text: str) -> QuerySet[Patient]:
    """Every word must match a name or the hospital number: "wong mei", "Wong, M", "H1000"."""
    for word in text.replace(",", " ").split():
        patients = patients.filter(
            Q(family_name__icontains=word)
            | Q(given_name__icontains=word)
            | Q(hospital_number__icontains=word)
        )
    return patients


def with_next_refill(patients: QuerySet[Patient]) -> QuerySet[Patient]:
    """Each patient's next refill due, from the forecast of their pumps in use: one query."""
    soonest = Device.objects.filter(
        patient=OuterRef("pk"), status=DeviceStatus.ACTIVE, next_due_on__isnull=False
    ).order_by("next_due_on")
    return patients.annotate(
        next_due_on=Subquery(soonest.values("next_due_on")[:1]),
        limiting_factor=Subquery(soonest.values("next_due_factor")[:1]),
    )


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


@dataclass(frozen=True)
class Listed:
    """A row of the patient list: the patient and their next refill due, if a pump is in use."""

    patient: Patient
    next_due_on: date | None
    factor: str

    @classmethod
    def of(cls, patient: Patient) -> Listed:
        due: date | None = getattr(patient, "next_due_on", None)
        factor: str | None = getattr(patient, "limiting_factor", None)
        return cls(patient, due, factor_words(factor) if factor else "")


@login_required
def patient_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.LIST_PATIENTS)
    text = request.GET.get("q", "").strip()[:100]
    page = Paginator(with_next_refill(search(Patient.objects.all(), text)), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "rows": [Listed.of(patient) for patient in page],
        "q": text,
        "today": timezone.localdate(),
        "can_register": may(request.user, Action.REGISTER_PATIENT),
    }
    # A live search swaps in the results alone; going back in history needs the whole page.
    partial = is_htmx(request) and request.headers.get("HX-History-Restore-Request") != "true"
    template = "patients/_results.html" if partial else "patients/list.html"
    return render(request, template, context)


@login_required
def register(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.REGISTER_PATIENT)
    form = RegisterPatientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            patient = services.register_patient(
                acting_user(request), form.details(), Stage(form.cleaned_data["pathway_stage"])
            )
        except ServiceRefusal as exc:
            refusal_to_form(form, exc)
        else:
            messages.success(request, f"{patient} is registered.")
            return redirect("patients:detail", patient_id=patient.pk)
    return render(request, "patients/register.html", {"form": form})


@login_required
def detail(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = open_patient(request, patient_id)
    return render(request, "patients/detail.html", patient_page_context(request, patient))


@login_required
def edit(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = open_patient(request, patient_id, Action.EDIT_PATIENT)
    form = EditPatientForm(request.POST or None, instance=Patient.objects.get(pk=patient.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_patient(
                acting_user(request), patient, form.details(), form.cleaned_data["reason"]
            )
        except ServiceRefusal as exc:
            refusal_to_form(form, exc)
        else:
            messages.success(request, "The details are saved.")
            return redirect("patients:detail", patient_id=patient.pk)
    return render(request, "patients/edit.html", {"form": form, "patient": patient})


def _inline(
    request: HttpRequest,
    patient_id: int,
    action: Action,
    form: forms.BaseForm,
    name: str,
    save: Callable[[Patient], str],
) -> HttpResponse:
    """A form posted from the patient page. Saved: back to the page, at its section.
    Refused: the form again with the message next to the field (only the form, for HTMX)."""
    patient = open_patient(request, patient_id, action)
    if form.is_valid():
        try:
            message = save(patient)
        except (ServiceRefusal, ClinicalError) as exc:
            refusal_to_form(form, exc)
        else:
            messages.success(request, message)
            url = reverse("patients:detail", args=[patient.pk]) + f"#{name}"
            return HttpResponseClientRedirect(url) if is_htmx(request) else redirect(url)
    if is_htmx(request):
        return render(
            request, f"patients/_{name}_form.html", {"patient": patient, f"{name}_form": form}
        )
    return render(
        request,
        "patients/detail.html",
        patient_page_context(request, patient, **{f"{name}_form": form}),
    )


@login_required
@require_POST
def add_pain_score(request: HttpRequest, patient_id: int) -> HttpResponse:
    form = PainScoreForm(request.POST)

    def save(patient: Patient) -> str:
        data = form.cleaned_data
        services.record_pain_score(
            acting_user(request), patient, data["score"], data["recorded_at"], data["note"]
        )
        return f"Pain score {data['score']}/10 recorded."

    return _inline(request, patient_id, Action.RECORD_PAIN_SCORE, form, "pain", save)


@login_required
@require_POST
def add_contact(request: HttpRequest, patient_id: int) -> HttpResponse:
    form = ContactForm(request.POST)

    def save(patient: Patient) -> str:
        contact = services.add_contact(acting_user(request), patient, **form.cleaned_data)
        return f"{contact} added to the contacts."

    return _inline(request, patient_id, Action.EDIT_PATIENT, form, "contact", save)


@login_required
@require_POST
def add_regimen_item(request: HttpRequest, patient_id: int) -> HttpResponse:
    form = RegimenItemForm(request.POST, opioids=services.opioid_names(catalogue_in_force()))

    def save(patient: Patient) -> str:
        data = form.cleaned_data
        item = services.add_regimen_item(
            acting_user(request),
            patient,
            opioid=data["opioid"],
            route=form.route_value,
            dose=data["dose"],
            started_on=data["started_on"],
            reason=data["reason"],
        )
        return f"{item.opioid} {item.route} {item.dose} added to the systemic opioids."

    return _inline(request, patient_id, Action.EDIT_REGIMEN, form, "regimen", save)


@login_required
def stop_regimen_item(request: HttpRequest, patient_id: int, item_id: int) -> HttpResponse:
    patient = open_patient(request, patient_id, Action.EDIT_REGIMEN)
    item = get_object_or_404(OpioidRegimenItem, pk=item_id, patient=patient)
    form = StopRegimenForm(request.POST or None, initial={"stopped_on": _today()})
    if request.method == "POST" and form.is_valid():
        try:
            services.stop_regimen_item(acting_user(request), item, **form.cleaned_data)
        except ServiceRefusal as exc:
            refusal_to_form(form, exc)
        else:
            messages.success(request, f"{item.opioid} {item.route} is recorded as stopped.")
            return redirect(reverse("patients:detail", args=[patient.pk]) + "#regimen")
    return render(
        request, "patients/stop_regimen.html", {"form": form, "patient": patient, "item": item}
    )


def age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _today() -> date:
    today: date = timezone.localdate()
    return today


@dataclass(frozen=True)
class PumpView:
    """A pump on the patient page: its active program in words and its latest refill."""

    device: Device
    program: ProgramSummary | None
    refill: Refill | None
    trajectory: str = ""

    @property
    def due_on(self) -> date:
        if self.refill is None:
            return date.max
        due: date = self.device.next_due_on or self.refill.next_due_on
        return due

    @property
    def days_left(self) -> int:
        return (self.due_on - _today()).days

    @property
    def overdue(self) -> bool:
        return self.refill is not None and self.days_left < 0

    @property
    def days_overdue(self) -> int:
        return -self.days_left

    @property
    def factor(self) -> str:
        if self.refill is None:
            return ""
        return factor_words(self.device.next_due_factor or self.refill.limiting_factor)


def patient_page_context(
    request: HttpRequest, patient: Patient, **bound: forms.BaseForm
) -> dict[str, object]:
    """Everything the patient page shows; `bound` replaces a blank form with one to show again."""
    user, today, catalogue = request.user, _today(), catalogue_in_force()
    # Fetched once: the OME, its series and the table below all read this cache.
    prefetch_related_objects(
        [patient],
        Prefetch("regimen", OpioidRegimenItem.objects.select_related("recorded_by__profile")),
    )
    regimen = list(patient.regimen.all())
    can = {
        "edit": may(user, Action.EDIT_PATIENT, patient),
        "score": may(user, Action.RECORD_PAIN_SCORE, patient),
        "regimen": may(user, Action.EDIT_REGIMEN, patient),
        "add_device": may(user, Action.REGISTER_DEVICE, patient),
    }
    forms_shown = {
        "pain_form": PainScoreForm() if can["score"] else None,
        "contact_form": ContactForm() if can["edit"] else None,
        "regimen_form": RegimenItemForm(opioids=services.opioid_names(catalogue))
        if can["regimen"]
        else None,
    }
    ome, ome_error = None, ""
    try:
        ome = services.current_ome(patient, today)
        ome_plot = timeline.ome_plot(services.ome_series(patient, today))
    except ClinicalError as exc:
        ome_error, ome_plot = str(exc), ""
    scores = list(patient.pain_scores.select_related("recorded_by__profile")[:200])
    pumps = [
        _pump_view(device, catalogue, today) for device in patient.devices.order_by("-implanted_on")
    ]
    due = [p for p in pumps if p.device.status == DeviceStatus.ACTIVE and p.refill is not None]
    return {
        "patient": patient,
        "today": today,
        "can": can,
        "age": age_on(patient.date_of_birth, today),
        "read_only": not any(can.values()),
        "may_record_outcome": may(user, Action.RECORD_OUTCOME, patient),
        **forms_shown,
        **bound,
        "contacts": patient.contacts.all(),
        "regimen_active": services.active_on(regimen, today),
        "regimen_past": [i for i in regimen if i not in services.active_on(regimen, today)],
        "ome": ome,
        "ome_error": ome_error,
        "ome_plot": ome_plot,
        "scores": scores[:10],
        "pain_plot": timeline.pain_plot(scores),
        "pumps": pumps,
        "next_due": min(due, key=lambda p: p.due_on) if due else None,
        "dose_plots": timeline.dose_plots(patient, catalogue, today),
        "timeline": timeline.patient_timeline(patient),
    }


def _pump_view(device: Device, catalogue: Catalogue, today: date) -> PumpView:
    version = active_program(device)
    summary = program_summary(version, catalogue) if version is not None else None
    refill = last_refill(device)
    if refill is None or device.status != DeviceStatus.ACTIVE:
        return PumpView(device, summary, refill)
    return PumpView(device, summary, refill, timeline.reservoir_plot(device, refill, today))
