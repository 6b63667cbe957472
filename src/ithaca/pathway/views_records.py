"""The pages that record the pathway's clinical records: the eligibility assessment, the
multidisciplinary decision, the trial or its waiver, the implant with its checklist, the
follow-ups and complications.

Every page opens the patient through open_patient with the record's own action, so a
caregiver, a stranger or a role that may not make the record is refused on GET as on POST.
Every change goes through the record's service; after it, the browser goes to the patient's
pathway page. Each page shows the rules it rests on, with source and mark.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from ithaca.accounts.permissions import Action, acting_user, may, require
from ithaca.clinical.eligibility import EligibilityInputs, EligibilityRules, SuggestedSystem
from ithaca.clinical.errors import InvalidEligibilityInputs
from ithaca.clinical.implant import FollowUpKind
from ithaca.clinical.pathway import Stage
from ithaca.clinical.sources import Confidence, Provenance
from ithaca.clinical.trial import TrialKind, observation_guidance
from ithaca.devices.errors import ServiceRefusal
from ithaca.devices.library import catalogue_in_force
from ithaca.devices.views import posted
from ithaca.economics.panel import patient_cost_panel
from ithaca.pathway import decisions, eligibility, implants, trials
from ithaca.pathway.forms_records import (
    ComplicationForm,
    DecisionForm,
    EligibilityForm,
    FollowUpDoneForm,
    ImplantForm,
    TrialForm,
    WaiveTrialForm,
)
from ithaca.pathway.models import EligibilityAssessment, FollowUp, ImplantRecord, TrialRecord
from ithaca.pathway.recording import sentence
from ithaca.pathway.records_context import trial_row
from ithaca.patients.access import open_patient
from ithaca.patients.models import Patient
from ithaca.web.posting import refusal_to_form, saved

UPCOMING_DAYS = 7  # how far ahead the follow-up worklist looks: a page setting, not a rule

# A service names the field it refuses; some are shown next to another field on the page.
FIELD_ALIASES = {"participants": "name_1", "checklist": None}


def to_form(form: forms.BaseForm, exc: ServiceRefusal) -> None:
    """Put the service's sentence next to the field it names, or above the form."""
    refusal_to_form(form, exc, FIELD_ALIASES)


def to_pathway(patient: Patient) -> HttpResponseRedirect:
    return redirect("pathway-patient", patient_id=patient.pk)


def rule(text: str, provenance: Provenance) -> dict[str, str]:
    """One rule a page rests on, as the page lists it."""
    return {
        "text": text,
        "source": provenance.describe(),
        "mark": provenance.confidence.label,
        "note": provenance.note,
    }


def stage_notice(patient: Patient, allowed: set[Stage], what: str) -> str:
    """Why the form is not shown, if the patient is not at a stage where `what` is recorded."""
    if patient.stage in allowed:
        return ""
    return (
        f"{patient.given_name} {patient.family_name} is at the stage {patient.stage.label}: "
        f"{what} cannot be recorded now. The pathway page shows the next steps."
    )


def record_page(
    request: HttpRequest,
    template: str,
    patient: Patient,
    form: forms.BaseForm,
    **extra: Any,
) -> HttpResponse:
    rules = catalogue_in_force().pathway
    return render(
        request,
        f"pathway/{template}",
        {"patient": patient, "form": form, "rules_label": rules.label, **extra},
    )


def handle(
    request: HttpRequest,
    form: forms.BaseForm,
    save: Callable[[], object],
    done: str,
) -> bool:
    """Validate and save a POSTed form; True when saved (the message is queued)."""
    return saved(request, form, save, done, FIELD_ALIASES)


# --- the decision ---------------------------------------------------------------------------

DECISION_STAGES = {Stage.ASSESSED, Stage.DECISION}


@login_required
def decision(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = open_patient(request, patient_id, Action.RECORD_DECISION)
    form = DecisionForm(posted(request))
    notice = stage_notice(patient, DECISION_STAGES, "the multidisciplinary decision")

    def save() -> object:
        data = form.cleaned_data
        return decisions.record_decision(
            acting_user(request),
            patient,
            form.participants(),
            data["patient_took_part"],
            data["caregiver_took_part"],
            data["options_discussed"],
            data["decision"],
            data["reasons"],
        )

    revised = patient.stage is Stage.DECISION
    if not notice and handle(request, form, save, "The decision is recorded."):
        return to_pathway(patient)
    return record_page(
        request,
        "records_decision.html",
        patient,
        form,
        notice=notice,
        revised=revised,
        previous=patient.decisions.first(),
        minimum=decisions.MIN_PARTICIPANTS,
    )


# --- the trial ------------------------------------------------------------------------------


def trial_rules() -> list[dict[str, str]]:
    rules = catalogue_in_force().pathway.trial
    shown = [
        rule(
            f"A trial succeeds when the pain falls by at least {rules.success_percent.value}%.",
            rules.success_percent.provenance,
        ),
    ]
    # Both kinds, and the morphine rule: the page does not know yet what will be chosen.
    for guidance in (
        *observation_guidance(TrialKind.SINGLE_SHOT, "morphine", rules),
        *observation_guidance(TrialKind.CATHETER, "", rules),
    ):
        shown.append(rule(guidance.text, guidance.provenance))
    return shown


@login_required
def trial(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = open_patient(request, patient_id, Action.RECORD_TRIAL)
    catalogue = catalogue_in_force()
    form = TrialForm(posted(request), drugs=catalogue.drugs)
    notice = stage_notice(patient, trials.TRIAL_STAGES, "a trial")
    saved: list[TrialRecord] = []

    def save() -> object:
        data = form.cleaned_data
        if data.get("dose") is None:
            raise ServiceRefusal("Enter the dose.", field="dose")
        saved.append(
            trials.record_trial(
                acting_user(request),
                patient,
                TrialKind(data["kind"]),
                data["drug"],
                data["dose"],
                data["performed_at"],
                data["observation_hours"],
                data["pain_before"],
                data["pain_after"],
                data["note"],
                data["dose_override_reason"],
            )
        )
        return saved[-1]

    if not notice and handle(request, form, save, "The trial is recorded."):
        row = trial_row(saved[-1])
        messages.info(request, row.suggestion)
        if row.observation.get("short"):
            messages.warning(
                request,
                f"Observed {row.observation['recorded_hours']} h, shorter than the "
                f"{row.observation['required_hours']} h the sources ask for: see the trial's page.",
            )
        return to_pathway(patient)
    return record_page(
        request, "records_trial.html", patient, form, notice=notice, rules=trial_rules()
    )


@login_required
def waive_trial(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = open_patient(request, patient_id, Action.RECORD_TRIAL)
    form = WaiveTrialForm(posted(request))
    notice = stage_notice(patient, {Stage.DECISION}, "waiving the trial")

    def save() -> object:
        return trials.waive_trial(acting_user(request), patient, form.cleaned_data["reason"])

    if not notice and handle(request, form, save, "The trial is recorded as waived."):
        return to_pathway(patient)
    basis = catalogue_in_force().pathway.trial.may_be_waived
    return record_page(
        request,
        "records_waive.html",
        patient,
        form,
        notice=notice,
        rules=[rule("A trial is normally used but may be skipped in selected populations.", basis)],
    )


@login_required
def trial_detail(request: HttpRequest, trial_id: int) -> HttpResponse:
    record = get_object_or_404(
        TrialRecord.objects.select_related("patient", "by__profile"), pk=trial_id
    )
    patient = open_patient(request, record.patient_id, Action.VIEW_PATHWAY)
    return render(
        request,
        "pathway/records_trial_detail.html",
        {"patient": patient, "row": trial_row(record), "trial": record},
    )


# --- the implant, follow-ups and complications -----------------------------------------------


@login_required
def implant(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = open_patient(request, patient_id, Action.RECORD_IMPLANT)
    rules = catalogue_in_force().pathway
    devices = list(patient.devices.order_by("-implanted_on"))
    form = ImplantForm(posted(request), checklist=rules.checklist, devices=devices)
    notice = stage_notice(patient, {Stage.IMPLANT_PLANNED}, "the implant")

    def save() -> object:
        data = form.cleaned_data
        device = next((d for d in devices if d.pk == data["device"]), None)
        return implants.record_implant(
            acting_user(request),
            patient,
            data["system"],
            data["implanted_on"],
            device,
            form.answers(),
            data["note"],
        )

    if not notice and handle(
        request, form, save, "The implant is recorded; its follow-ups are planned."
    ):
        return to_pathway(patient)
    follow_up_rules = [
        rule(
            f"{kind_label(r.kind)}: day {', '.join(str(d) for d in r.days)} after the implant.",
            r.provenance,
        )
        for r in rules.follow_ups
    ]
    return record_page(
        request,
        "records_implant.html",
        patient,
        form,
        notice=notice,
        follow_up_rules=follow_up_rules,
        checklist_sources={i.id: rule(i.text, i.provenance) for i in rules.checklist},
    )


def kind_label(kind: str) -> str:
    return FollowUpKind(kind).label


@login_required
def complication(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = open_patient(request, patient_id, Action.RECORD_COMPLICATION)
    devices = list(patient.devices.order_by("-implanted_on"))
    form = ComplicationForm(posted(request), devices=devices)

    def save() -> object:
        data = form.cleaned_data
        device = next((d for d in devices if d.pk == data["device"]), None)
        return implants.record_complication(
            acting_user(request),
            patient,
            data["kind"],
            data["infection_depth"],
            data["onset_on"],
            data["description"],
            data["action_taken"],
            data["outcome"],
            device,
        )

    if handle(request, form, save, "The complication is recorded."):
        return to_pathway(patient)
    return record_page(request, "records_complication.html", patient, form)


@login_required
def follow_up_done(request: HttpRequest, follow_up_id: int) -> HttpResponse:
    follow_up = get_object_or_404(
        FollowUp.objects.select_related("patient", "implant"), pk=follow_up_id
    )
    patient = open_patient(request, follow_up.patient_id, Action.RECORD_FOLLOW_UP)
    form = FollowUpDoneForm(posted(request))

    def save() -> object:
        data = form.cleaned_data
        return implants.complete_follow_up(
            acting_user(request), follow_up, data["done_on"], data["note"]
        )

    if handle(
        request, form, save, f"The {follow_up.get_kind_display().lower()} is recorded as done."
    ):
        if request.POST.get("back") == "worklist":
            return redirect("pathway-follow-ups")
        return to_pathway(patient)
    return render(
        request,
        "pathway/records_follow_up_done.html",
        {"patient": patient, "follow_up": follow_up, "form": form},
    )


@login_required
def follow_ups(request: HttpRequest) -> HttpResponse:
    """Follow-ups overdue, due today and coming up, for the nurses' round."""
    require(request.user, Action.VIEW_PATHWAY)
    today = timezone.localdate()
    # Only the latest implant's follow-ups, for patients living with a device: a patient
    # explanted, dead or re-implanted does not owe the visits of an earlier implant.
    latest = ImplantRecord.objects.filter(patient=OuterRef("patient")).order_by(
        "-implanted_on", "-pk"
    )
    open_ = (
        FollowUp.objects.filter(
            done_on__isnull=True,
            due_on__lte=today + timedelta(days=UPCOMING_DAYS),
            patient__pathway_stage__in=[s.value for s in Stage if s.has_device],
            implant=Subquery(latest.values("pk")[:1]),
        )
        .select_related("patient", "implant")
        .order_by("due_on", "patient__family_name", "pk")
    )
    rows = list(open_)
    return render(
        request,
        "pathway/records_follow_ups.html",
        {
            "today": today,
            "overdue": [f for f in rows if f.due_on < today],
            "due_today": [f for f in rows if f.due_on == today],
            "upcoming": [f for f in rows if f.due_on > today],
            "upcoming_days": UPCOMING_DAYS,
            "may_complete": may(request.user, Action.RECORD_FOLLOW_UP, None),
            "form": FollowUpDoneForm(),
        },
    )


# --- the eligibility assessment ----------------------------------------------------------------


@login_required
def assess(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = open_patient(request, patient_id, Action.ASSESS_ELIGIBILITY)
    catalogue = catalogue_in_force()
    holds = catalogue.eligibility.hold_rules
    form = EligibilityForm(
        posted(request),
        anticoagulants=[(rule_id, h.name) for rule_id, h in holds.items()],
        drugs=catalogue.drugs,
    )
    notice = stage_notice(patient, eligibility.ASSESS_STAGES, "an eligibility assessment")

    def save() -> object:
        try:
            inputs = EligibilityInputs(**form.inputs())
        except InvalidEligibilityInputs as exc:
            raise ServiceRefusal(sentence(exc), field=exc.field) from None
        return eligibility.assess_eligibility(acting_user(request), patient, inputs)

    if not notice and handle(request, form, save, "The eligibility assessment is recorded."):
        return to_pathway(patient)
    return record_page(
        request,
        "records_assess.html",
        patient,
        form,
        notice=notice,
        reassessment=patient.stage in eligibility.REASSESS_STAGES,
        eligibility_rules=catalogue.eligibility,
        rules=eligibility_rules_shown(catalogue.eligibility),
    )


def eligibility_rules_shown(rules: EligibilityRules) -> list[dict[str, str]]:
    """The rules the assessment applies, with source and mark, before anything is entered."""
    life = rules.life_expectancy
    return [
        rule(
            f"A fully implanted pump for an expected survival above {life.implanted_above.value} months.",
            life.implanted_above.provenance,
        ),
        rule(
            f"An external pump with a tunnelled catheter below {life.external_below.value} months.",
            life.external_below.provenance,
        ),
        rule(
            f"A temporary percutaneous catheter below {life.temporary_below.value} months.",
            life.temporary_below.provenance,
        ),
        rule("Active infection is a device contraindication.", rules.active_infection),
        rule(
            f"Anticoagulant holds for a {rules.holds.procedure_risk.value} procedure.",
            rules.holds.procedure_risk.provenance,
        ),
        rule("Hold dates convention.", rules.holds.convention),
        rule(
            "Ziconotide is contraindicated with a history of psychosis.", rules.ziconotide_psychosis
        ),
        rule("Spine imaging is reviewed before deciding.", rules.imaging_review),
        rule(
            "CSF flow obstruction on imaging is reviewed with the implanting team.",
            rules.csf_flow_obstruction,
        ),
        rule("Epidural disease at the catheter level is reviewed.", rules.epidural_disease),
        rule(
            "The patient or a caregiver can attend refills and respond to alarms.",
            rules.refill_and_alarm_access,
        ),
    ]


RULE_LABELS = {
    "life-expectancy": "Life expectancy and the system it suggests",
    "active-infection": "Active infection",
    "anticoagulants": "Anticoagulants, antiplatelets and NSAIDs",
    "platelets": "Platelets",
    "neutrophils": "Neutrophils",
    "imaging-review": "Spine imaging reviewed",
    "csf-flow-obstruction": "CSF flow obstruction",
    "epidural-disease": "Epidural disease at the catheter level",
    "ziconotide-psychosis": "Ziconotide and psychosis",
    "refill-access": "Getting to refills",
    "alarm-response": "Responding to pump alarms",
}


def rule_label(rule_id: str, holds: dict[str, str]) -> str:
    if rule_id.startswith("anticoagulant-hold:"):
        drug = rule_id.split(":", 1)[1]
        return f"Hold: {holds.get(drug, drug)}"
    return RULE_LABELS.get(rule_id, rule_id.replace("-", " ").capitalize())


def finding_rows(result: dict[str, Any], holds: dict[str, str]) -> list[dict[str, Any]]:
    rows = []
    for finding in result.get("findings", []):
        basis = finding.get("provenance") or {}
        mark = basis.get("confidence")
        rows.append(
            {
                **finding,
                "label": rule_label(finding["rule"], holds),
                "citation": basis.get("citation", ""),
                "mark": f"{mark} ({Confidence(mark).label})" if mark else "",
                "basis_note": basis.get("note", ""),
            }
        )
    return rows


@login_required
def assessment_detail(request: HttpRequest, assessment_id: int) -> HttpResponse:
    saved = get_object_or_404(
        EligibilityAssessment.objects.select_related("patient", "by__profile"), pk=assessment_id
    )
    patient = open_patient(request, saved.patient_id, Action.VIEW_PATHWAY)
    holds = {k: h.name for k, h in catalogue_in_force().eligibility.hold_rules.items()}
    system = saved.suggested_system
    return render(
        request,
        "pathway/records_assessment.html",
        {
            "patient": patient,
            "assessment": saved,
            "findings": finding_rows(saved.result, holds),
            "system_words": SuggestedSystem(system).words if system else "",
            "before_implant": saved.result.get("before_implant", []),
            "inputs": input_rows(saved.inputs, holds),
            "signoff": saved.result.get("signoff", ""),
            "cost_panel": patient_cost_panel(saved),
        },
    )


INPUT_LABELS = {
    "life_expectancy_months": "Expected survival (months)",
    "active_infection": "Active infection",
    "anticoagulants": "Anticoagulants, antiplatelets, NSAIDs",
    "planned_implant_start": "Planned implant start",
    "platelets": "Platelets (×10^9/L)",
    "neutrophils": "Neutrophils (×10^9/L)",
    "csf_flow_obstruction": "CSF flow obstruction on imaging",
    "epidural_disease_at_catheter_level": "Epidural disease at the catheter level",
    "imaging_reviewed": "Spine imaging reviewed",
    "planned_drugs": "Planned intrathecal drugs",
    "psychosis_history": "History of psychosis",
    "can_attend_refills": "Can attend refills",
    "travel_minutes": "Travel time to refills (minutes)",
    "has_transport": "Has transport",
    "caregiver_available": "Caregiver available",
    "can_respond_to_alarms": "Can respond to alarms",
}


def input_rows(inputs: dict[str, Any], holds: dict[str, str]) -> list[tuple[str, str]]:
    """Each input as the team entered it; None is shown as 'not recorded', never as 'no'."""

    def shown(key: str, value: Any) -> str:
        if value is None:
            return "not recorded"
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, list):
            names = [
                holds.get(str(v), str(v)) if key == "anticoagulants" else str(v) for v in value
            ]
            return ", ".join(names) if names else "none"
        return str(value)

    return [(label, shown(key, inputs.get(key))) for key, label in INPUT_LABELS.items()]
