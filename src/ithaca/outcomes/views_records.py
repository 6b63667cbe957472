"""The reports hub, the instrument registration page, and recording a patient's outcomes.

Each page checks its action first (the record page opens the patient with RECORD_OUTCOME,
so a role that may not record is refused on GET as on POST). Every change goes through
ithaca.outcomes.services, which audits it; a refusal is shown beside the field it names.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from ithaca.accounts.permissions import Action, acting_user, may, require
from ithaca.clinical.errors import ClinicalError
from ithaca.clinical.instruments import Scale, read_spec
from ithaca.devices.errors import ServiceRefusal
from ithaca.devices.views import posted
from ithaca.outcomes import services
from ithaca.outcomes.forms_records import (
    SCORING_LABELS,
    AdmissionForm,
    ChooseInstrumentForm,
    DischargeForm,
    InstrumentForm,
    ScoreForm,
)
from ithaca.outcomes.models import Admission, InstrumentDefinition, InstrumentScore
from ithaca.patients.access import open_patient
from ithaca.patients.models import Patient
from ithaca.web.posting import refusal_to_form, saved


def to_form(form: forms.BaseForm, exc: ServiceRefusal) -> None:
    """The service's sentence beside the field it names, or above the form."""
    refusal_to_form(form, exc)


# --- the hub --------------------------------------------------------------------------------


@login_required
def hub(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.VIEW_REPORTS)
    user = request.user
    return render(
        request,
        "outcomes/hub.html",
        {
            "may_export": may(user, Action.EXPORT_REGISTRY),
            "may_manage_instruments": may(user, Action.MANAGE_INSTRUMENTS),
        },
    )


# --- registering an instrument --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScaleRow:
    id: str
    items: str
    scoring: str
    minimum: int


@dataclass(frozen=True, slots=True)
class InstrumentRow:
    definition: InstrumentDefinition
    items: int
    item_min: int
    item_max: int
    scales: tuple[ScaleRow, ...]
    problem: str


def runs(numbers: tuple[int, ...]) -> str:
    """(1, 2, 3, 4, 7) -> '1-4, 7': the item numbers as a clinician writes them."""
    parts: list[str] = []
    start = previous = numbers[0]
    for n in (*numbers[1:], None):
        if n is not None and n == previous + 1:
            previous = n
            continue
        parts.append(str(start) if start == previous else f"{start}-{previous}")
        if n is not None:
            start = previous = n
    return ", ".join(parts)


def _scale_row(scale: Scale) -> ScaleRow:
    label = str(SCORING_LABELS[scale.scoring])
    return ScaleRow(scale.id, runs(scale.items), label, scale.minimum_answered)


def instrument_row(definition: InstrumentDefinition) -> InstrumentRow:
    try:
        spec = read_spec(definition.scoring)
    except ClinicalError as exc:
        return InstrumentRow(definition, 0, 0, 0, (), str(exc))
    scales = tuple(_scale_row(s) for s in spec.scales)
    return InstrumentRow(definition, spec.items, spec.item_min, spec.item_max, scales, "")


@login_required
def instruments(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.MANAGE_INSTRUMENTS)
    form = InstrumentForm(posted(request))
    if request.method == "POST":

        def save() -> object:
            return services.register_instrument(acting_user(request), **form.registration())

        if saved(request, form, save, _("The instrument is registered.")):
            return redirect("outcomes:instruments")
    rows = [instrument_row(d) for d in InstrumentDefinition.objects.select_related("by__profile")]
    return render(request, "outcomes/instruments.html", {"form": form, "rows": rows})


# --- recording a patient's outcomes ---------------------------------------------------------


def _chosen(request: HttpRequest) -> tuple[ChooseInstrumentForm, InstrumentDefinition | None]:
    """The instrument chosen: from the POSTed score form, else from the page's address."""
    source = request.POST if request.method == "POST" else request.GET
    wanted = {"instrument": source["instrument"]} if "instrument" in source else None
    chooser = ChooseInstrumentForm(wanted)
    if chooser.is_bound and chooser.is_valid():
        definition: InstrumentDefinition = chooser.cleaned_data["instrument"]
        return chooser, definition
    return chooser, None


@login_required
def record(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = open_patient(request, patient_id, Action.RECORD_OUTCOME)
    which = request.POST.get("form", "") if request.method == "POST" else ""
    data = posted(request)
    chooser, definition = _chosen(request)
    score_form = (
        ScoreForm(data if which == "score" else None, definition=definition)
        if definition is not None
        else None
    )
    admission_form = AdmissionForm(data if which == "admission" else None)
    open_admissions = list(Admission.objects.filter(patient=patient, discharged_on__isnull=True))
    discharge_forms = {a.pk: DischargeForm(prefix=f"discharge-{a.pk}") for a in open_admissions}
    back = redirect("outcomes:record", patient_id=patient.pk)

    if which == "score" and score_form is not None:
        form = score_form

        def save_score() -> object:
            return services.record_instrument_score(
                acting_user(request), patient, form.definition, form.answers(), form.when
            )

        if saved(request, form, save_score, _("The score is recorded.")):
            return back
    elif which == "admission":

        def save_admission() -> object:
            clean = admission_form.cleaned_data
            return services.record_admission(
                acting_user(request),
                patient,
                admitted_on=clean["admitted_on"],
                reason=clean["reason"],
                pain_related=clean["pain_related"],
                discharged_on=clean.get("discharged_on"),
            )

        if saved(request, admission_form, save_admission, _("The admission is recorded.")):
            return back
    elif which == "discharge":
        admission = get_object_or_404(
            Admission, pk=request.POST.get("admission", "0") or "0", patient=patient
        )
        discharge = DischargeForm(data, prefix=f"discharge-{admission.pk}")
        discharge_forms[admission.pk] = discharge

        def save_discharge() -> object:
            day = discharge.cleaned_data["discharged_on"]
            return services.record_discharge(acting_user(request), admission, day)

        if saved(request, discharge, save_discharge, _("The discharge day is recorded.")):
            return back
    return render(
        request,
        "outcomes/record.html",
        _record_context(patient, chooser, score_form, admission_form, discharge_forms),
    )


def _record_context(
    patient: Patient,
    chooser: ChooseInstrumentForm,
    score_form: ScoreForm | None,
    admission_form: AdmissionForm,
    discharge_forms: dict[int, DischargeForm],
) -> dict[str, object]:
    admissions = list(Admission.objects.filter(patient=patient)[:20])
    return {
        "patient": patient,
        "chooser": chooser,
        "any_instrument": InstrumentDefinition.objects.exists(),
        "score_form": score_form,
        "admission_form": admission_form,
        "admissions": [(a, discharge_forms.get(a.pk)) for a in admissions],
        "scores": InstrumentScore.objects.filter(patient=patient).select_related("instrument")[:20],
    }
