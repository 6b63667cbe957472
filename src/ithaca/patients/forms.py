"""Forms for a patient's record: raw input to typed, bounded values, with the message
next to the field. The services check everything again; the forms say it first."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, cast

from django import forms
from django.utils import timezone

from ithaca.clinical.factors import Route
from ithaca.clinical.pathway import REGISTRATION_STAGES, Stage
from ithaca.clinical.quantities import DoseRate
from ithaca.patients.models import Patient
from ithaca.patients.services import PatientDetails
from ithaca.web.fields import PastDateField, QuantityField

ECOG_CHOICES = [
    ("", "Not recorded"),
    ("0", "0: fully active"),
    ("1", "1: restricted in strenuous activity, walks, light work"),
    ("2", "2: walks and self-cares, no work; up more than half the day"),
    ("3", "3: limited self-care; in bed or chair more than half the day"),
    ("4", "4: completely disabled; confined to bed or chair"),
]
LOCAL_MINUTE = "%Y-%m-%dT%H:%M"


def date_input() -> forms.DateInput:
    """<input type=date> shows a value only in ISO form, whatever the page's locale."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PatientForm(forms.ModelForm[Patient]):
    """Demographics and diagnosis. The hospital number's uniqueness is checked here too."""

    date_of_birth = PastDateField(label="Date of birth", widget=date_input())
    ecog = forms.TypedChoiceField(
        label="ECOG performance status",
        choices=ECOG_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
    )

    class Meta:
        model = Patient
        fields: ClassVar[list[str]] = [
            "hospital_number",
            "family_name",
            "given_name",
            "date_of_birth",
            "sex",
            "diagnosis",
            "cancer_stage",
            "ecog",
            "prognosis",
            "phone",
            "address",
        ]
        labels: ClassVar[dict[str, str]] = {
            "diagnosis": "Cancer diagnosis",
            "cancer_stage": "Cancer stage",
            "prognosis": "Estimated prognosis",
        }
        help_texts: ClassVar[dict[str, str]] = {
            "cancer_stage": "e.g. IV, or T3 N1 M1",
            "hospital_number": "as on the wristband",
        }
        error_messages: ClassVar[dict[str, dict[str, str]]] = {
            "hospital_number": {
                "unique": "This hospital number already belongs to another patient: search for them instead."
            }
        }
        widgets: ClassVar[dict[str, forms.Widget]] = {"address": forms.Textarea(attrs={"rows": 2})}

    def details(self) -> PatientDetails:
        data = self.cleaned_data
        return PatientDetails(**{name: data[name] for name in PatientDetails.__dataclass_fields__})


class RegisterPatientForm(PatientForm):
    pathway_stage = forms.ChoiceField(
        label="Where the patient is on the pathway now",
        choices=[(s.value, s.label) for s in REGISTRATION_STAGES],
        initial=Stage.IDENTIFIED.value,
        help_text=(
            "A new patient starts at Identified; a patient who already has a pump (a transfer) "
            "at their stage of therapy. Later changes of stage are recorded on the pathway "
            "page, with who and why."
        ),
    )


class EditPatientForm(PatientForm):
    reason = forms.CharField(
        label="Why the details change",
        max_length=200,
        help_text="e.g. new phone number; prognosis reviewed at MDT",
    )


class PainScoreForm(forms.Form):
    score = forms.TypedChoiceField(
        label="Pain score (0 = no pain, 10 = worst pain imaginable)",
        choices=[(str(n), str(n)) for n in range(11)],
        coerce=int,
        widget=forms.RadioSelect(attrs={"class": "nrs"}),
        error_messages={
            "required": "Choose a score from 0 to 10.",
            "invalid_choice": "A pain score is a whole number from 0 (no pain) to 10 (worst pain imaginable).",
        },
    )
    recorded_at = forms.DateTimeField(
        label="When the patient gave it",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_MINUTE),
        input_formats=[LOCAL_MINUTE, "%Y-%m-%d %H:%M"],
    )
    note = forms.CharField(
        label="Note",
        max_length=200,
        required=False,
        help_text="e.g. at rest; on movement; breakthrough after bolus",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"recorded_at": timezone.localtime().strftime(LOCAL_MINUTE)})
        super().__init__(*args, **kwargs)

    def clean_recorded_at(self) -> datetime:
        value: datetime = self.cleaned_data["recorded_at"]
        if value > timezone.now():
            raise forms.ValidationError(
                "The score was given already, so its time cannot be in the future."
            )
        return value


class ContactForm(forms.Form):
    name = forms.CharField(max_length=120)
    relationship = forms.CharField(
        max_length=60, help_text="e.g. daughter, husband, district nurse, GP"
    )
    phone = forms.CharField(max_length=40)
    is_caregiver = forms.BooleanField(label="Primary caregiver", required=False)


class RegimenItemForm(forms.Form):
    opioid = forms.ChoiceField(label="Opioid")
    route = forms.ChoiceField(label="Route", choices=[(r.value, r.value) for r in Route])
    # max_length=None: CharField's length validator would run on the parsed DoseRate and fail.
    dose = QuantityField(
        DoseRate,
        label="Total daily dose",
        help_text="e.g. 30 mg/day; a patch: 25 mcg/h",
        max_length=None,
        widget=forms.TextInput(attrs={"maxlength": 40, "autocomplete": "off"}),
    )
    started_on = PastDateField(label="Started on", widget=date_input())
    reason = forms.CharField(label="Note", max_length=200, required=False)

    def __init__(self, *args: Any, opioids: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["opioid"]).choices = [
            ("", "Choose…"),
            *((name, name) for name in opioids),
        ]

    @property
    def route_value(self) -> Route:
        return Route(self.cleaned_data["route"])


class StopRegimenForm(forms.Form):
    stopped_on = PastDateField(
        label="Stopped on", help_text="the first day it was no longer taken", widget=date_input()
    )
    reason = forms.CharField(
        label="Why it stopped",
        max_length=200,
        help_text="e.g. replaced by the intrathecal dose; side effects",
    )
