"""The decision aid's pages: the options and the form for one patient, a stored session with
its printable summary, and the caregiver check-in with each caregiver's trend.

Every page opens the patient through open_patient with the action it serves: the team
reads the aid and the check-ins (VIEW_PATHWAY) and a stored session and its summary
(VIEW_PATIENT: the team only, since a session holds what the patient confided, which a
linked relative must not read), and only the team's recording roles write. The
pages are English for the team, every string marked for translation: `?lang=zh-hans` shows
the aid in Simplified Chinese when the patient and family read it with the clinician.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _

from ithaca.accounts.permissions import Action, acting_user, may
from ithaca.decisionaid import checkins, services
from ithaca.decisionaid.forms import AidForm, CheckInForm, LinkForm
from ithaca.decisionaid.models import DecisionAidSession
from ithaca.decisionaid.summary import summary_pdf as render_summary
from ithaca.devices.errors import ServiceRefusal
from ithaca.devices.forms import add_refusal
from ithaca.devices.library import catalogue_in_force
from ithaca.patients.access import open_patient
from ithaca.web.fonts import MISSING_CJK, cjk_font_installed, needs_cjk


def chosen_language(request: HttpRequest) -> str | None:
    """The language asked for with ?lang=, if it is one ithaca offers."""
    lang = request.GET.get("lang", "").lower()
    return lang if lang in dict(settings.LANGUAGES) else None


def _in(lang: str | None) -> AbstractContextManager[None]:
    return translation.override(lang) if lang else nullcontext()


@login_required
def aid_page(request: HttpRequest, patient_id: int) -> HttpResponse:
    posting = request.method == "POST"
    action = Action.RECORD_DECISION_AID if posting else Action.VIEW_PATHWAY
    patient = open_patient(request, patient_id, action)
    lang = chosen_language(request)
    with _in(lang):
        rules = catalogue_in_force().decision_aid
        may_record = may(request.user, Action.RECORD_DECISION_AID, patient)
        form = AidForm(
            request.POST if posting else None,
            rules=rules,
            patient=patient,
            initial={"expected_stage": patient.stage.value},
        )
        if posting and form.is_valid():
            caregivers = form.caregivers()
            if not form.errors:
                try:
                    session = services.record_session(
                        acting_user(request),
                        patient,
                        services.SessionRequest(
                            patient_present=form.cleaned_data["patient_present"],
                            caregivers=caregivers,
                            answers=form.answers(),
                            others_present=form.cleaned_data["others_present"],
                            decision=form.chosen_decision,
                            expected_stage=form.cleaned_data["expected_stage"],
                        ),
                    )
                except ServiceRefusal as exc:
                    add_refusal(form, exc)
                    if exc.field in services.SECTION_FIELDS.values():
                        form.section_errors[str(exc.field)] = str(exc)
                else:
                    messages.success(request, _saved_message(session))
                    return redirect("decisionaid:session", session_id=session.pk)
        context = {
            "patient": patient,
            "rules": rules,
            "table": services.options_for(patient),
            "form": form if may_record else None,
            "delay_stage": patient.stage in services.DELAY_STAGES,
            "readiness_low_label": rules.readiness.scale.label(
                rules.readiness.low_if_any_item_at_or_below.value
            ),
            "sessions": DecisionAidSession.objects.filter(patient=patient).select_related(
                "by__profile"
            )[:10],
            "lang": lang or "",
        }
        return render(request, "decisionaid/aid.html", context)


def _saved_message(session: DecisionAidSession) -> str:
    message = _("The decision aid session is recorded.")
    if session.delays:
        labels = ", ".join(str(d["label"]) for d in session.delays)
        message += " " + _("A delay reason was recorded on the pathway: %(labels)s.") % {
            "labels": labels
        }
    elif session.delays_note:
        message += " " + session.delays_note
    return message


@login_required
def session_page(request: HttpRequest, session_id: int) -> HttpResponse:
    session = get_object_or_404(
        DecisionAidSession.objects.select_related("by__profile", "decision"), pk=session_id
    )
    posting = request.method == "POST"
    action = Action.RECORD_DECISION_AID if posting else Action.VIEW_PATIENT
    patient = open_patient(request, session.patient_id, action)
    lang = chosen_language(request)
    with _in(lang):
        may_link = (
            may(request.user, Action.RECORD_DECISION_AID, patient) and session.decision is None
        )
        form = LinkForm(request.POST if posting else None, patient=patient) if may_link else None
        if posting and form is None:
            messages.error(request, _("This session is already linked to a decision."))
            return redirect("decisionaid:session", session_id=session.pk)
        if posting and form is not None and form.is_valid():
            try:
                services.link_decision(acting_user(request), session, form.cleaned_data["decision"])
            except ServiceRefusal as exc:
                add_refusal(form, exc)
            else:
                messages.success(request, _("The session is linked to the decision."))
                return redirect("decisionaid:session", session_id=session.pk)
        context = {
            "patient": patient,
            "session": session,
            "link_form": form if form is not None and patient.decisions.exists() else None,
            "is_team": may(request.user, Action.VIEW_PATHWAY, patient),
            "lang": lang or "",
        }
        return render(request, "decisionaid/session.html", context)


@login_required
def summary_pdf(request: HttpRequest, session_id: int) -> HttpResponse:
    session = get_object_or_404(
        DecisionAidSession.objects.select_related("by__profile"), pk=session_id
    )
    patient = open_patient(request, session.patient_id, Action.VIEW_PATIENT)
    lang = chosen_language(request) or settings.LANGUAGE_CODE
    if needs_cjk(lang) and not cjk_font_installed():
        return render(
            request,
            "ithaca/error.html",
            {"title": "Cannot print in Chinese yet", "message": MISSING_CJK},
            status=503,
        )
    pdf = render_summary(session, patient, lang)
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"decision-aid-{patient.hospital_number}-{session.pk}-{lang}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@login_required
def checkin_page(request: HttpRequest, patient_id: int) -> HttpResponse:
    posting = request.method == "POST"
    action = Action.RECORD_CAREGIVER_CHECKIN if posting else Action.VIEW_PATHWAY
    patient = open_patient(request, patient_id, action)
    lang = chosen_language(request)
    with _in(lang):
        rules = catalogue_in_force().decision_aid.checkin
        may_record = may(request.user, Action.RECORD_CAREGIVER_CHECKIN, patient)
        form = CheckInForm(request.POST if posting else None, rules=rules)
        if posting and form.is_valid():
            try:
                saved = checkins.record_checkin(
                    acting_user(request),
                    patient,
                    checkins.CheckInRequest(
                        caregiver_name=form.cleaned_data["caregiver_name"],
                        relationship=form.cleaned_data["relationship"],
                        schedule_point=form.cleaned_data["schedule_point"],
                        answers=form.answers(),
                        note=form.cleaned_data["note"],
                    ),
                )
            except ServiceRefusal as exc:
                add_refusal(form, exc)
            else:
                message = _("Check-in recorded: total %(total)s of %(out_of)s.") % {
                    "total": saved.total,
                    "out_of": saved.out_of,
                }
                if saved.flagged:
                    message += " " + _("Flagged for the team to talk with the caregiver.")
                messages.success(request, message)
                return redirect("decisionaid:checkin", patient_id=patient.pk)
        context = {
            "patient": patient,
            "rules": rules,
            "form": form if may_record else None,
            "series": checkins.trends(request.user, patient, **checkins.plot_words()),
            "lang": lang or "",
        }
        return render(request, "decisionaid/checkin.html", context)
