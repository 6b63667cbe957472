"""Safety pages: the report, each pump's and patient's control chart, the incident summary."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from ithaca.accounts.permissions import Action, require
from ithaca.audit.chain import record
from ithaca.audit.models import AuditAction
from ithaca.clinical.surveillance import Period
from ithaca.devices.library import catalogue_in_force
from ithaca.devices.views import device_for
from ithaca.pathway.models import Complication, SystemType
from ithaca.patients.access import open_patient
from ithaca.safety import report
from ithaca.safety.charts import control_chart_svg
from ithaca.safety.incident import incident_pdf, summary_context

SVG = "image/svg+xml"


class SafetyFilter(forms.Form):
    first = forms.DateField(label="From", required=False, widget=forms.DateInput({"type": "date"}))
    last = forms.DateField(label="To", required=False, widget=forms.DateInput({"type": "date"}))
    system = forms.ChoiceField(
        label="System", required=False, choices=[("", "All systems"), *SystemType.choices]
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        first, last = data.get("first"), data.get("last")
        if first and last and last < first:
            raise forms.ValidationError("The period cannot end before it starts.")
        return data


@login_required
def safety_report(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.VIEW_REPORTS)
    catalogue = catalogue_in_force()
    today = timezone.localdate()
    form = SafetyFilter(request.GET or None)
    period, system, as_of = None, None, today
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        as_of = min(data["last"] or today, today)
        if data["first"]:
            period = Period(min(data["first"], as_of), as_of)
        system = data["system"] or None
    rates = report.rates(as_of, catalogue, period, system)
    # The report names patients (pumps to watch, complications): reading it is audited.
    record(
        request.user,
        AuditAction.VIEW,
        "safety_report",
        as_of.isoformat(),
        detail={"period": str(period) if period else "all", "system": system or "all"},
    )
    return render(
        request,
        "safety/report.html",
        {
            "form": form,
            "rates": rates,
            "system_label": dict(SystemType.choices).get(system or "", "All systems"),
            "watch": report.pumps_to_watch(catalogue, system, today),
            "complications": report.complications(as_of, catalogue, rates.period, system),
            "chart_rules": catalogue.surveillance.chart,
            "library": catalogue.identity,
        },
    )


@login_required
def device_control_chart(request: HttpRequest, device_id: int) -> HttpResponse:
    device = device_for(request, device_id, Action.VIEW_REPORTS)
    chart = report.chart_for_devices([device], catalogue_in_force())
    title = f"Refill control chart: {device.pump_model} {device.serial_number}"
    return _private(HttpResponse(control_chart_svg(chart, title), content_type=SVG))


@login_required
def patient_control_chart(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = open_patient(request, patient_id, Action.VIEW_REPORTS)
    devices = list(patient.devices.order_by("implanted_on", "pk"))
    chart = report.chart_for_devices(devices, catalogue_in_force())
    title = f"Refill control chart: {patient.family_name.upper()}, {patient.given_name}, every pump"
    return _private(HttpResponse(control_chart_svg(chart, title), content_type=SVG))


def _complication(request: HttpRequest, complication_id: int) -> Complication:
    complication: Complication = get_object_or_404(
        Complication.objects.select_related("patient", "device", "by__profile"),
        pk=complication_id,
    )
    open_patient(request, complication.patient_id, Action.VIEW_REPORTS)
    return complication


@login_required
def incident(request: HttpRequest, complication_id: int) -> HttpResponse:
    complication = _complication(request, complication_id)
    context = summary_context(complication, catalogue_in_force())
    return render(request, "safety/incident.html", context)


@login_required
def incident_pdf_view(request: HttpRequest, complication_id: int) -> HttpResponse:
    complication = _complication(request, complication_id)
    pdf = incident_pdf(summary_context(complication, catalogue_in_force()))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="incident-complication-{complication.pk}.pdf"'
    )
    return _private(response)


def _private(response: HttpResponse) -> HttpResponse:
    """A patient's chart or report is never kept by a browser or proxy cache."""
    response["Cache-Control"] = "no-store"
    return response
