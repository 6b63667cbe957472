"""The decision aid's and the check-in's forms, built from the rule set in force.

One radio field per question, named after the question's id, so the stored answers and the
form agree with the data file. A question left blank reaches the core as None, and the core
says which ones are missing; the form itself never invents an answer.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ithaca.clinical.answers import Item, Scale
from ithaca.clinical.decision import SessionAnswers
from ithaca.clinical.decision_rules import CheckInRules, DecisionAidRules
from ithaca.clinical.pathway import Stage
from ithaca.pathway.models import DecisionRecord
from ithaca.patients.models import Patient

CAREGIVER_ROWS = 2
YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def _to_bool(value: str) -> bool:
    return value == "yes"


def _rating(item: Item, scale: Scale) -> forms.TypedChoiceField:
    choices = [
        (str(score), f"{score}: {gettext(label)}") for score, label in enumerate(scale.labels)
    ]
    return forms.TypedChoiceField(
        label=gettext(item.text),
        choices=choices,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )


def _decision_choices(patient: Patient) -> forms.ModelChoiceField[DecisionRecord]:
    return forms.ModelChoiceField(
        queryset=patient.decisions.order_by("-at", "-pk"),
        required=False,
        label=_("The multidisciplinary decision this session informed (if already recorded)"),
        empty_label=_("Not recorded yet"),
    )


class AidForm(forms.Form):
    expected_stage = forms.TypedChoiceField(
        choices=[(s.value, s.label) for s in Stage], coerce=Stage, widget=forms.HiddenInput
    )
    patient_present = forms.BooleanField(label=_("The patient took part"), required=False)
    others_present = forms.CharField(
        label=_("Also present (team members, interpreter)"), max_length=300, required=False
    )
    patient_concern = forms.CharField(
        label=_("A concern the patient named"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    caregiver_concern = forms.CharField(
        label=_("A concern the family named"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(
        self, *args: Any, rules: DecisionAidRules, patient: Patient, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.rules = rules
        for row in range(1, CAREGIVER_ROWS + 1):
            self.fields[f"caregiver_{row}_name"] = forms.CharField(
                label=_("Caregiver's name"), max_length=120, required=False
            )
            self.fields[f"caregiver_{row}_relationship"] = forms.CharField(
                label=_("Relationship to the patient"), max_length=60, required=False
            )
        for item in rules.values.items:
            self.fields[f"value_{item.id}"] = _rating(item, rules.values.scale)
        for item in rules.sure.items:
            self.fields[f"sure_{item.id}"] = forms.TypedChoiceField(
                label=gettext(item.text),
                choices=YES_NO,
                coerce=_to_bool,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect,
            )
        for item in rules.readiness.items:
            self.fields[f"readiness_{item.id}"] = _rating(item, rules.readiness.scale)
        self.fields["decision"] = _decision_choices(patient)
        self.section_errors: dict[str, str] = {}

    def rows(self, prefix: str, items: tuple[Item, ...]) -> list[forms.BoundField]:
        return [self[f"{prefix}_{item.id}"] for item in items]

    def value_fields(self) -> list[forms.BoundField]:
        return self.rows("value", self.rules.values.items)

    def sure_fields(self) -> list[forms.BoundField]:
        return self.rows("sure", self.rules.sure.items)

    def readiness_fields(self) -> list[forms.BoundField]:
        return self.rows("readiness", self.rules.readiness.items)

    def caregiver_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [
            (self[f"caregiver_{row}_name"], self[f"caregiver_{row}_relationship"])
            for row in range(1, CAREGIVER_ROWS + 1)
        ]

    def caregivers(self) -> list[str]:
        found = []
        for row in range(1, CAREGIVER_ROWS + 1):
            name = " ".join(self.cleaned_data[f"caregiver_{row}_name"].split())
            relation = " ".join(self.cleaned_data[f"caregiver_{row}_relationship"].split())
            if name:
                found.append(f"{name} ({relation})" if relation else name)
            elif relation:
                self.add_error(f"caregiver_{row}_name", gettext("Write the caregiver's name."))
        return found

    def answers(self) -> SessionAnswers:
        data, rules = self.cleaned_data, self.rules
        return SessionAnswers(
            values={i.id: data[f"value_{i.id}"] for i in rules.values.items},
            sure={i.id: data[f"sure_{i.id}"] for i in rules.sure.items},
            readiness={i.id: data[f"readiness_{i.id}"] for i in rules.readiness.items},
            patient_concern=data["patient_concern"],
            caregiver_concern=data["caregiver_concern"],
        )

    @property
    def chosen_decision(self) -> DecisionRecord | None:
        decision: DecisionRecord | None = self.cleaned_data.get("decision")
        return decision


class LinkForm(forms.Form):
    def __init__(self, *args: Any, patient: Patient, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = _decision_choices(patient)
        field.required = True
        field.label = _("Link this session to the decision it informed")
        self.fields["decision"] = field


class CheckInForm(forms.Form):
    caregiver_name = forms.CharField(label=_("Caregiver's name"), max_length=120)
    relationship = forms.CharField(label=_("Relationship to the patient"), max_length=60)
    schedule_point = forms.ChoiceField(label=_("Check-in point"), widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("Note (what was talked about, help offered)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, rules: CheckInRules, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rules = rules
        point = cast(forms.ChoiceField, self.fields["schedule_point"])
        point.choices = [(p.id, gettext(p.label)) for p in rules.schedule]
        for item in rules.items:
            self.fields[f"item_{item.id}"] = _rating(item, rules.scale)

    def item_fields(self) -> list[forms.BoundField]:
        return [self[f"item_{item.id}"] for item in self.rules.items]

    def answers(self) -> dict[str, int | None]:
        return {i.id: self.cleaned_data[f"item_{i.id}"] for i in self.rules.items}
