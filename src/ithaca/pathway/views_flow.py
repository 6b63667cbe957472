"""The pathway pages: a patient's stage and history with its forms, the referral form with
its guide, the referral worklist and where patients wait.

Every page opens the patient through open_patient (or calls `require`) with the action it
serves; every change goes through a service, which checks the permission again, writes
the audit event and refuses in a sentence shown next to the form. The clock is read here,
never in the core.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from ithaca.accounts.permissions import Action, acting_user, may, require
from ithaca.clinical.delays import WAITING_STAGES, days
from ithaca.clinical.pathway import GATED, Stage, allowed_next
from ithaca.clinical.sourced import Sourced
from ithaca.devices.errors import ServiceRefusal
from ithaca.devices.forms import add_refusal
from ithaca.devices.library import catalogue_in_force
from ithaca.pathway import delays, referrals, screening
from ithaca.pathway.forms_flow import DelayForm, MoveForm, SideEffectsForm
from ithaca.pathway.models import StageMove
from ithaca.pathway.moves import move_patient
from ithaca.pathway.records_context import records_context
from ithaca.patients.access import open_patient
from ithaca.patients.models import Patient

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

POLICY_SOURCE = "ithaca-policy"

# Each gated stage's record form, and the permission that form needs.
RECORD_FORMS: dict[Stage, tuple[str, Action]] = {
    Stage.REFERRED: ("pathway-refer", Action.REFER_PATIENT),
    Stage.ASSESSED: ("pathway-assess", Action.ASSESS_ELIGIBILITY),
    Stage.DECISION: ("pathway-decision", Action.RECORD_DECISION),
    Stage.TRIAL: ("pathway-trial", Action.RECORD_TRIAL),
    Stage.TRIAL_WAIVED: ("pathway-waive-trial", Action.RECORD_TRIAL),
    Stage.IMPLANTED: ("pathway-implant", Action.RECORD_IMPLANT),
}


@dataclass(frozen=True)
class Target:
    """A stage target as shown: its days and what it rests on, in words."""

    days: int
    basis: str

    @classmethod
    def of(cls, target: Sourced[timedelta] | None) -> Target | None:
        if target is None:
            return None
        basis = target.provenance.describe()
        if target.provenance.source.id == POLICY_SOURCE:
            basis = f"clinic policy, not guideline [{target.provenance.confidence.value}]"
        return cls(target.value.days, basis)


@dataclass(frozen=True)
class RecordLink:
    """A gated next stage: the record that makes the move, and its form if this user may."""

    stage: Stage
    record: str
    url: str | None


@dataclass(frozen=True)
class Wait:
    since: datetime
    waited: timedelta
    target: Target | None

    @property
    def days(self) -> str:
        return days(self.waited)

    @property
    def over(self) -> bool:
        return self.target is not None and self.waited > timedelta(days=self.target.days)


def plain_moves(stage: Stage) -> list[Stage]:
    """The next stages a plain move (with a reason) may reach: those no record defines."""
    return [s for s in allowed_next(stage) if s not in GATED]


def _record_links(user: User | AnonymousUser, patient: Patient) -> list[RecordLink]:
    links = []
    for stage in allowed_next(patient.stage):
        if stage not in GATED:
            continue
        name, action = RECORD_FORMS[stage]
        url = (
            reverse(name, kwargs={"patient_id": patient.pk}) if may(user, action, patient) else None
        )
        links.append(RecordLink(stage, GATED[stage], url))
    return links


def _wait(history: list[StageMove], target: Sourced[timedelta] | None) -> Wait | None:
    if not history:
        return None
    since = history[0].at
    return Wait(since, timezone.now() - since, Target.of(target))


def pathway_context(
    request: HttpRequest, patient: Patient, **bound: forms.BaseForm
) -> dict[str, object]:
    """Everything the pathway page shows; `bound` replaces a blank form with one to show again."""
    user, stage = request.user, patient.stage
    rules = catalogue_in_force().pathway
    history = list(patient.stage_moves.select_related("by__profile").order_by("-at", "-pk"))
    seen = {"expected_from": stage.value}
    can = {
        "move": may(user, Action.MOVE_PATHWAY, patient),
        "delay": may(user, Action.RECORD_DELAY, patient) and stage in WAITING_STAGES,
        "side_effects": may(user, Action.RECORD_SIDE_EFFECTS, patient),
        "refer": may(user, Action.REFER_PATIENT, patient) and Stage.REFERRED in allowed_next(stage),
    }
    blank: dict[str, forms.BaseForm | None] = {
        "move_form": MoveForm(initial=seen, offered=plain_moves(stage))
        if can["move"] and plain_moves(stage)
        else None,
        "delay_form": DelayForm(initial=seen) if can["delay"] else None,
        "side_effects_form": SideEffectsForm() if can["side_effects"] else None,
    }
    return {
        "patient": patient,
        "stage": stage,
        "can": can,
        "wait": _wait(history, rules.targets.get(stage)),
        "history": history,
        "next_records": _record_links(user, patient),
        **blank,
        **bound,
        "screen": screening.screen_patient(patient, timezone.localdate()),
        "rules_label": rules.label,
        "side_effects": patient.side_effects.select_related("by__profile")[:5],
        "delay_notes": patient.delay_notes.select_related("by__profile")[:10],
        "referrals": patient.referrals.select_related("by__profile"),
        **records_context(patient, user=user, today=timezone.localdate()),
    }


@login_required
def patient_pathway(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = open_patient(request, patient_id, Action.VIEW_PATHWAY)
    return render(request, "pathway/patient.html", pathway_context(request, patient))


def _post(
    request: HttpRequest,
    patient_id: int,
    action: Action,
    make_form: Callable[[Patient], forms.Form],
    name: str,
    save: Callable[[Patient, forms.Form], str],
) -> HttpResponse:
    """A form posted from the pathway page. Saved: back to the page, at its section, with a
    message. Refused: the page again with the sentence next to the field."""
    patient = open_patient(request, patient_id, action)
    form = make_form(patient)
    if form.is_valid():
        try:
            message = save(patient, form)
        except ServiceRefusal as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, message)
            return redirect(reverse("pathway-patient", args=[patient.pk]) + f"#{name}")
    context = pathway_context(request, patient, **{f"{name}_form": form})
    return render(request, "pathway/patient.html", context)


@login_required
@require_POST
def move(request: HttpRequest, patient_id: int) -> HttpResponse:
    def make_form(patient: Patient) -> MoveForm:
        return MoveForm(request.POST, offered=plain_moves(patient.stage))

    def save(patient: Patient, form: forms.Form) -> str:
        data = form.cleaned_data
        moved = move_patient(
            acting_user(request),
            patient,
            data["target"],
            data["reason"],
            expected_from=data["expected_from"],
            at=_when_it_happened(patient, data["happened_on"]),
        )
        return f"{patient.given_name} {patient.family_name} is now at {moved.stage.label}."

    return _post(request, patient_id, Action.MOVE_PATHWAY, make_form, "move", save)


def _when_it_happened(patient: Patient, day: date | None) -> datetime | None:
    """The move's time for a date given: the start of that day, or the last move's time if
    that was later the same day. A date before the last move is passed on unchanged, for
    the move service to refuse in words."""
    if day is None:
        return None
    start = timezone.make_aware(datetime.combine(day, time.min))
    last = patient.stage_moves.order_by("-at", "-pk").first()
    if last is not None and timezone.localtime(last.at).date() == day:
        return max(start, last.at)
    return start


@login_required
@require_POST
def delay_note(request: HttpRequest, patient_id: int) -> HttpResponse:
    def make_form(patient: Patient) -> DelayForm:
        return DelayForm(request.POST)

    def save(patient: Patient, form: forms.Form) -> str:
        data = form.cleaned_data
        note = delays.record_delay(
            acting_user(request),
            patient,
            data["reason"],
            data["note"],
            expected_stage=data["expected_from"],
        )
        return f"Delay recorded at {Stage(note.stage).label}: {data['reason'].label}."

    return _post(request, patient_id, Action.RECORD_DELAY, make_form, "delay", save)


@login_required
@require_POST
def side_effects(request: HttpRequest, patient_id: int) -> HttpResponse:
    def make_form(patient: Patient) -> SideEffectsForm:
        return SideEffectsForm(request.POST)

    def save(patient: Patient, form: forms.Form) -> str:
        data = form.cleaned_data
        screening.record_side_effects(
            acting_user(request), patient, data["dose_limiting"], data["note"]
        )
        limiting = "limit" if data["dose_limiting"] else "do not limit"
        return f"Recorded: side effects {limiting} the opioid dose."

    return _post(request, patient_id, Action.RECORD_SIDE_EFFECTS, make_form, "side_effects", save)


@login_required
def refer(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = open_patient(request, patient_id, Action.REFER_PATIENT)
    user = acting_user(request)
    initial = {
        "expected_from": patient.stage.value,
        "referrer_name": getattr(getattr(user, "profile", None), "display_name", ""),
    }
    form = referrals.ReferralForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            referrals.refer_patient(
                user, patient, form.details(), expected_from=form.cleaned_data["expected_from"]
            )
        except ServiceRefusal as exc:
            add_refusal(form, exc)
        else:
            messages.success(
                request,
                f"The referral is sent: {patient.given_name} {patient.family_name} is now "
                "at Referred, waiting for the eligibility assessment.",
            )
            return redirect("pathway-patient", patient_id=patient.pk)
    catalogue = catalogue_in_force()
    rules = catalogue.pathway
    context = {
        "life": catalogue.eligibility.life_expectancy,
        "patient": patient,
        "form": form,
        "can_refer": Stage.REFERRED in allowed_next(patient.stage),
        "screen": screening.screen_patient(patient, timezone.localdate()),
        "rules": rules,
        "rules_label": rules.label,
    }
    return render(request, "pathway/refer.html", context)


@login_required
def worklist(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.VIEW_PATHWAY)
    today, rules = timezone.localdate(), catalogue_in_force().pathway
    context = {
        "today": today,
        "worklist": screening.referral_worklist(today),
        "can_refer": may(request.user, Action.REFER_PATIENT),
        "rules_label": rules.label,
        "screening": rules.screening,
        "target": Target.of(rules.targets.get(Stage.IDENTIFIED)),
    }
    return render(request, "pathway/worklist.html", context)


@dataclass(frozen=True)
class StageRow:
    """A row of the delays page, in days with one decimal, as people read them."""

    report: delays.StageReport
    target: Target | None

    @property
    def median(self) -> str:
        median = self.report.summary.median
        return days(median) if median is not None else ""

    @property
    def p90(self) -> str:
        p90 = self.report.summary.p90
        return days(p90) if p90 is not None else ""


@login_required
def delay_overview(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.VIEW_PATHWAY)
    report = delays.delay_report(timezone.now())
    rows = [StageRow(stage, Target.of(stage.target)) for stage in report.stages]
    return render(request, "pathway/delays.html", {"report": report, "rows": rows})
