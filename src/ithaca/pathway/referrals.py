"""Referring a patient for intrathecal therapy: the referral, its screen, and the move.

The referral keeps a snapshot of the referral screen as it stood when it was sent (its
inputs, each reason with its source and mark, the rule and the rules version), so the
team later sees what the referrer saw even after the record moved on. The referral and
the move to REFERRED are written in one transaction: there is never one without the other.
The core's transition table decides where a referral may come from (first referral from
IDENTIFIED, or again after DECLINED or NOT_ELIGIBLE).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import TYPE_CHECKING

from django import forms
from django.db import transaction
from django.utils import timezone

from ithaca.accounts.permissions import Action, require
from ithaca.audit.chain import record
from ithaca.audit.models import AuditAction
from ithaca.clinical.pathway import Stage
from ithaca.devices.errors import ServiceRefusal
from ithaca.devices.library import catalogue_in_force
from ithaca.pathway.models import Referral, Urgency
from ithaca.pathway.moves import move_patient
from ithaca.pathway.recording import locked
from ithaca.pathway.screening import screen_patient, snapshot
from ithaca.patients.models import Patient

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# The free-text fields a referral cannot be sent without, and how the refusal names them.
REQUIRED_TEXT = {
    "referrer_name": "your name",
    "referrer_team": "your team",
    "referrer_contact": "a phone number or bleep the pain team can reach you on",
    "pain_description": "a description of the pain",
    "treatments_tried": "the treatments already tried",
}


@dataclass(frozen=True)
class ReferralDetails:
    referrer_name: str
    referrer_team: str
    referrer_contact: str
    urgency: str
    pain_description: str
    treatments_tried: str
    questions: str
    patient_aware: bool

    def cleaned(self) -> ReferralDetails:
        return replace(
            self,
            **{
                name: getattr(self, name).strip()
                for name in (*REQUIRED_TEXT, "urgency", "questions")
            },
        )


def _validate(details: ReferralDetails) -> None:
    for name, what in REQUIRED_TEXT.items():
        if not getattr(details, name):
            raise ServiceRefusal(f"Enter {what}.", field=name)
    if details.urgency not in Urgency.values:
        raise ServiceRefusal("Choose how urgent the referral is.", field="urgency")
    if details.patient_aware is not True:
        raise ServiceRefusal(
            "A referral is sent only once the patient knows about it and agrees: "
            "talk with them first, then tick the box.",
            field="patient_aware",
        )


def refer_patient(
    user: User, patient: Patient, details: ReferralDetails, *, expected_from: Stage | None = None
) -> Referral:
    """Store the referral with the screen's snapshot and move the patient to REFERRED."""
    require(user, Action.REFER_PATIENT, patient)
    details = details.cleaned()
    _validate(details)
    rules = catalogue_in_force().pathway
    now = timezone.now()
    screened = screen_patient(patient, timezone.localdate(now))
    with transaction.atomic():
        # Lock the patient before the audit head, as every other pathway service does: the
        # same lock order everywhere is what keeps two services from deadlocking.
        locked(patient)
        referral: Referral = Referral.objects.create(
            patient=patient,
            **asdict(details),
            screening=snapshot(screened, rules.label),
            at=now,
            by=user,
        )
        record(
            user,
            AuditAction.CREATE,
            "referral",
            referral.pk,
            patient_id=patient.pk,
            detail={
                "urgency": details.urgency,
                "referrer": f"{details.referrer_name}, {details.referrer_team}",
                "screen": screened.result.outcome.value,
                "rules_version": rules.label,
            },
        )
        move_patient(
            user,
            patient,
            Stage.REFERRED,
            _move_reason(details),
            expected_from=expected_from,
            record_kind="referral",
            record_id=referral.pk,
            at=now,
        )
    return referral


def _move_reason(details: ReferralDetails) -> str:
    urgency = Urgency(details.urgency).label.lower()
    return f"Referred by {details.referrer_name} ({details.referrer_team}), {urgency}."


class ReferralForm(forms.Form):
    """What the pain team needs from a referrer who may never have referred for IDDS."""

    expected_from = forms.CharField(widget=forms.HiddenInput)
    referrer_name = forms.CharField(label="Your name", max_length=120)
    referrer_team = forms.CharField(
        label="Your team", max_length=120, help_text="e.g. Oncology, Palliative care"
    )
    referrer_contact = forms.CharField(
        label="How to reach you", max_length=120, help_text="phone, bleep or e-mail"
    )
    urgency = forms.ChoiceField(
        label="Urgency",
        choices=Urgency.choices,
        widget=forms.RadioSelect,
        help_text="Urgent when the prognosis is short or the pain is a crisis.",
    )
    pain_description = forms.CharField(
        label="The pain",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Where it is, what it is like (e.g. neuropathic, incident), how it limits the patient, and the cancer causing it.",
    )
    treatments_tried = forms.CharField(
        label="Treatments tried",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Opioids and doses, co-analgesics, radiotherapy, nerve blocks; and the side effects that limited them.",
    )
    questions = forms.CharField(
        label="Your questions for the pain team",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    # Not required here so that the service's own sentence explains the refusal.
    patient_aware = forms.BooleanField(
        label="The patient knows about this referral and agrees to it", required=False
    )

    def clean_expected_from(self) -> Stage:
        try:
            return Stage(self.cleaned_data["expected_from"])
        except ValueError:
            raise forms.ValidationError("Reload the page and try again.") from None

    def details(self) -> ReferralDetails:
        data = self.cleaned_data
        return ReferralDetails(
            **{f.name: data[f.name] for f in fields(ReferralDetails) if f.name in data}
        )
