"""The outcome pages: the cohort report (HTML and PDF), one patient's outcomes, and the
registry export. Viewing the report is audited with its filters; the export with what it
held (tables and row counts), never with the data.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML

from ithaca import __version__
from ithaca.accounts.permissions import Action, acting_user, may, require
from ithaca.audit.chain import record
from ithaca.audit.models import AuditAction
from ithaca.devices.library import catalogue_in_force
from ithaca.outcomes.cohort import Filters, build_report
from ithaca.outcomes.export import export_registry
from ithaca.outcomes.forms import ExportForm, FilterForm
from ithaca.outcomes.models import Admission, InstrumentScore
from ithaca.outcomes.present import report_context
from ithaca.patients.access import open_patient


def _report(request: HttpRequest, what: str) -> tuple[FilterForm, dict[str, object]]:
    require(request.user, Action.VIEW_REPORTS)
    form = FilterForm(request.GET or None)
    filters = form.filters() if form.is_bound and form.is_valid() else Filters()
    report = build_report(filters)
    record(
        request.user,
        AuditAction.VIEW,
        "outcomes_report",
        what,
        detail={"filters": filters.as_query(), "implanted": report.outcomes.implanted},
    )
    return form, report_context(report, catalogue_in_force().outcomes)


@login_required
def report_page(request: HttpRequest) -> HttpResponse:
    form, context = _report(request, "html")
    return render(request, "outcomes/report.html", context | {"form": form})


@login_required
def report_pdf(request: HttpRequest) -> HttpResponse:
    _form, context = _report(request, "pdf")
    context |= {"ithaca_version": __version__, "printed_at": timezone.localtime()}
    html = render_to_string("outcomes/print/report.html", context)
    response = HttpResponse(bytes(HTML(string=html).write_pdf()), content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="ithaca-outcomes-report.pdf"'
    response["Cache-Control"] = "no-store"  # patient-level figures: never cached
    return response


@login_required
def patient_page(request: HttpRequest, patient_id: int) -> HttpResponse:
    require(request.user, Action.VIEW_REPORTS)
    patient = open_patient(request, patient_id, Action.VIEW_PATIENT)
    report = build_report(Filters(patient=patient.pk))
    record_ = next((r for r in report.records if r.key == str(patient.pk)), None)
    course = None
    if record_ is not None and record_.implanted_on is not None:
        from ithaca.clinical.outcomes import pain_course

        rules = catalogue_in_force().outcomes
        course = pain_course(
            record_.pain, record_.implanted_on, record_.followed_until(report.as_of), rules
        )
    context = {
        "patient": patient,
        "record": record_,
        "course": course,
        "admissions": Admission.objects.filter(patient=patient),
        "scores": InstrumentScore.objects.filter(patient=patient).select_related("instrument"),
        "may_record": may(request.user, Action.RECORD_OUTCOME, patient),
    }
    return render(request, "outcomes/patient.html", context)


@login_required
def export_page(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.EXPORT_REGISTRY)
    form = ExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = acting_user(request)
        content, manifest = export_registry(user, shift_dates=form.cleaned_data["shift_dates"])
        response = HttpResponse(content, content_type="application/zip")
        name = f"ithaca-registry-{manifest['exported_on']}.zip"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["Cache-Control"] = "no-store"  # the dataset is never kept by a cache
        return response
    return render(request, "outcomes/export.html", {"form": form})
