"""Forms for the pathway's clinical records: raw input to typed values, each refusal next to
its field. The services check everything again; the forms say it first, at the bedside."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.utils import timezone

from ithaca.clinical.drugs import Drug
from ithaca.clinical.errors import ClinicalError
from ithaca.clinical.implant import ChecklistAnswer, ComplicationKind, InfectionDepth
from ithaca.clinical.parsing import parse_quantity
from ithaca.clinical.pathway_rules import ChecklistItem
from ithaca.clinical.quantities import DoseRate, Mass, Quantity
from ithaca.clinical.trial import TrialKind
from ithaca.devices.forms import past_date
from ithaca.devices.models import Device
from ithaca.pathway.decisions import Participant
from ithaca.pathway.models import DecisionOutcome, SystemType
from ithaca.pathway.recording import sentence
from ithaca.web.fields import check_drug_unit

TEXTAREA = {"rows": 3}
LOCAL_MINUTE = "%Y-%m-%dT%H:%M"
PARTICIPANT_ROWS = 6
PAIN_CHOICES = [(str(n), str(n)) for n in range(11)]


def pain_field(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=PAIN_CHOICES,
        coerce=int,
        widget=forms.RadioSelect(attrs={"class": "nrs"}),
        error_messages={
            "required": "Choose a score from 0 (no pain) to 10 (worst pain imaginable)."
        },
    )


def textarea(label: str, *, required: bool = True, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        max_length=4000,
        widget=forms.Textarea(attrs=TEXTAREA),
    )


class DecisionForm(forms.Form):
    patient_took_part = forms.BooleanField(label="The patient took part", required=False)
    caregiver_took_part = forms.BooleanField(label="A caregiver took part", required=False)
    options_discussed = forms.MultipleChoiceField(
        label="Options discussed",
        choices=DecisionOutcome.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Tick the options that were discussed."},
    )
    decision = forms.ChoiceField(
        label="Decision",
        choices=DecisionOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the decision."},
    )
    reasons = textarea(
        "Reasons for the decision",
        help_text="As the team gave them, e.g. life expectancy, what the patient wants, the trial plan.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for row in range(1, PARTICIPANT_ROWS + 1):
            self.fields[f"name_{row}"] = forms.CharField(
                label=f"Person {row}: name", max_length=120, required=False
            )
            self.fields[f"role_{row}"] = forms.CharField(
                label=f"Person {row}: role",
                max_length=120,
                required=False,
                help_text="e.g. pain physician, oncologist, palliative care nurse"
                if row == 1
                else "",
            )

    def participant_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"name_{r}"], self[f"role_{r}"]) for r in range(1, PARTICIPANT_ROWS + 1)]

    def participants(self) -> list[Participant]:
        data = self.cleaned_data
        return [
            Participant(data.get(f"name_{r}", ""), data.get(f"role_{r}", ""))
            for r in range(1, PARTICIPANT_ROWS + 1)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for row in range(1, PARTICIPANT_ROWS + 1):
            name, role = data.get(f"name_{row}", "").strip(), data.get(f"role_{row}", "").strip()
            if name and not role:
                self.add_error(f"role_{row}", f"Write {name}'s role.")
            if role and not name:
                self.add_error(f"name_{row}", f"Write the name of the {role}.")
        named = {data.get(f"name_{r}", "").strip().lower() for r in range(1, PARTICIPANT_ROWS + 1)}
        if len(named - {""}) < 2:
            self.add_error(
                "name_1",
                "A multidisciplinary decision needs at least two named people who took part.",
            )
        decision, options = data.get("decision"), data.get("options_discussed") or []
        if decision and options and decision not in options:
            self.add_error("decision", "The decision must be one of the options discussed.")
        return data


class TrialForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind of trial",
        choices=[(k.value, k.label) for k in TrialKind],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the kind of trial."},
    )
    drug = forms.ChoiceField(label="Drug (library in force)")
    dose = forms.CharField(
        label="Dose",
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text="Single shot: the amount given, e.g. 0.1 mg. Catheter: the daily dose, e.g. 0.5 mg/day. "
        "Type it in the drug's own unit.",
    )
    performed_at = forms.DateTimeField(
        label="Trial given at",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_MINUTE),
        input_formats=[LOCAL_MINUTE, "%Y-%m-%d %H:%M"],
    )
    observation_hours = forms.IntegerField(
        label="Hours the patient was observed afterwards",
        min_value=0,
        max_value=720,
        help_text="Whole hours. A shorter observation than the sources ask for is recorded and flagged.",
    )
    pain_before = pain_field("Pain score before the trial")
    pain_after = pain_field("Pain score after the trial")
    note = textarea(
        "Note", required=False, help_text="e.g. side effects, function, the patient's view"
    )
    dose_override_reason = textarea(
        "Reason for a dose above a limit",
        required=False,
        help_text=(
            "Only if ithaca says the dose is above a soft limit of the drug library and you "
            "have checked the number and the unit."
        ),
    )

    def __init__(self, *args: Any, drugs: dict[str, Drug], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"performed_at": timezone.localtime().strftime(LOCAL_MINUTE)})
        super().__init__(*args, **kwargs)
        self.drugs = drugs
        choices = [("", "Choose the drug")] + [(d.id, d.name) for d in drugs.values()]
        self.fields["drug"].choices = choices  # type: ignore[attr-defined]

    def clean_performed_at(self) -> datetime:
        value: datetime = self.cleaned_data["performed_at"]
        if value > timezone.now():
            raise forms.ValidationError(
                "The trial has been given already: its time cannot be in the future."
            )
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind, drug, text = data.get("kind"), data.get("drug"), data.get("dose")
        if kind and text:
            data["dose"] = self._dose(TrialKind(kind), text, self.drugs.get(drug or ""))
        return data

    def _dose(self, kind: TrialKind, text: str, drug: Drug | None) -> Quantity | None:
        expected: type[Quantity] = Mass if kind is TrialKind.SINGLE_SHOT else DoseRate
        try:
            dose = parse_quantity(text, expected)
        except ClinicalError as exc:
            self.add_error("dose", sentence(exc))
            return None
        problem = check_drug_unit(drug, dose) if drug is not None else None
        if problem:
            self.add_error("dose", problem)
            return None
        return dose


class WaiveTrialForm(forms.Form):
    reason = textarea(
        "Why the trial is waived",
        help_text="e.g. short life expectancy: the patient cannot wait for a trial.",
    )


class ImplantForm(forms.Form):
    system = forms.ChoiceField(
        label="System implanted",
        choices=[("", "Choose the system"), *SystemType.choices],
    )
    implanted_on = past_date(label="Implanted on")
    device = forms.TypedChoiceField(
        label="Pump registered for this patient",
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": "Choose one of this patient's pumps, or none."},
        help_text="Register the pump on the patient's page first to link it here; it can be left empty.",
    )
    note = textarea("Note", required=False)

    def __init__(
        self,
        *args: Any,
        checklist: tuple[ChecklistItem, ...],
        devices: list[Device],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.checklist = checklist
        self.fields["device"].choices = [("", "None linked")] + [  # type: ignore[attr-defined]
            (d.pk, f"{d.pump_model}, serial {d.serial_number}") for d in devices
        ]
        for item in checklist:
            self.fields[f"done_{item.id}"] = forms.BooleanField(label=item.text, required=False)
            self.fields[f"reason_{item.id}"] = forms.CharField(
                label="If not done: why it is left open",
                required=False,
                max_length=1000,
            )

    def item_rows(self) -> list[tuple[ChecklistItem, forms.BoundField, forms.BoundField]]:
        return [(i, self[f"done_{i.id}"], self[f"reason_{i.id}"]) for i in self.checklist]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for item in self.checklist:
            if (
                not data.get(f"done_{item.id}")
                and not (data.get(f"reason_{item.id}") or "").strip()
            ):
                self.add_error(
                    f"reason_{item.id}",
                    f"Not ticked: “{item.text}”. Tick it, or write why it is left open: "
                    "it cannot be left silently.",
                )
        return data

    def answers(self) -> dict[str, ChecklistAnswer]:
        data = self.cleaned_data
        return {
            item.id: ChecklistAnswer(
                done=bool(data.get(f"done_{item.id}")),
                reason_open=""
                if data.get(f"done_{item.id}")
                else data.get(f"reason_{item.id}", ""),
            )
            for item in self.checklist
        }


class FollowUpDoneForm(forms.Form):
    done_on = past_date(label="Done on")
    note = forms.CharField(
        label="What was found",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"done_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


class ComplicationForm(forms.Form):
    kind = forms.ChoiceField(
        label="What happened",
        choices=[("", "Choose"), *((k.value, k.label) for k in ComplicationKind)],
    )
    infection_depth = forms.ChoiceField(
        label="Depth (infection only)",
        required=False,
        choices=[("", "Not an infection"), *((d.value, d.label) for d in InfectionDepth)],
    )
    onset_on = past_date(label="Started on")
    description = textarea("What happened")
    action_taken = textarea("Action taken", required=False)
    outcome = textarea("Outcome", required=False)
    device = forms.TypedChoiceField(
        label="Pump involved",
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": "Choose one of this patient's pumps, or none."},
    )

    def __init__(self, *args: Any, devices: list[Device], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["device"].choices = [("", "None or not known")] + [  # type: ignore[attr-defined]
            (d.pk, f"{d.pump_model}, serial {d.serial_number}") for d in devices
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind, depth = data.get("kind"), data.get("infection_depth")
        if kind == ComplicationKind.INFECTION.value and not depth:
            self.add_error("infection_depth", "An infection is recorded with its depth.")
        if kind and kind != ComplicationKind.INFECTION.value and depth:
            self.add_error(
                "infection_depth", "Only an infection has a depth: choose 'Not an infection'."
            )
        return data


# --- the eligibility assessment ----------------------------------------------------------------

TRISTATE = [("", "Not recorded"), ("yes", "Yes"), ("no", "No")]
TRISTATE_VALUES: dict[str, bool | None] = {"yes": True, "no": False, "": None}
ANTICOAGULANTS_RECORDED = [
    ("", "Not recorded yet"),
    ("none", "None taken"),
    ("some", "Taken: tick each below"),
]


def tristate(label: str, help_text: str = "") -> forms.ChoiceField:
    """Yes, no, or not recorded: 'not recorded' is never read as 'no' (the core cautions)."""
    return forms.ChoiceField(
        label=label,
        choices=TRISTATE,
        required=False,
        widget=forms.RadioSelect,
        help_text=help_text,
    )


def count_field(label: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=0,
        max_digits=7,
        decimal_places=2,
        help_text="In ×10^9/L, e.g. 150 (platelets) or 1.5 (neutrophils). Leave empty if not known.",
    )


class EligibilityForm(forms.Form):
    life_expectancy_months = forms.IntegerField(
        label="Expected survival, in whole months",
        required=False,
        min_value=0,
        max_value=600,
        help_text="The team's estimate. Leave empty if not known: it is then a caution, never a pass.",
    )
    active_infection = tristate("Active infection now")
    anticoagulants_recorded = forms.ChoiceField(
        label="Anticoagulants, antiplatelets and NSAIDs",
        choices=ANTICOAGULANTS_RECORDED,
        required=False,
        widget=forms.RadioSelect,
    )
    anticoagulants = forms.MultipleChoiceField(
        label="Taken now",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    planned_implant_start = forms.DateTimeField(
        label="Planned implant date and time",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_MINUTE),
        input_formats=[LOCAL_MINUTE, "%Y-%m-%d %H:%M"],
        help_text="Sets the dates of each hold. Leave empty if not yet booked.",
    )
    platelets = count_field("Platelets (×10^9/L)")
    neutrophils = count_field("Neutrophils (×10^9/L)")
    imaging_reviewed = forms.BooleanField(label="Spine imaging has been reviewed", required=False)
    csf_flow_obstruction = tristate("Imaging shows CSF flow obstruction")
    epidural_disease_at_catheter_level = tristate(
        "Imaging shows epidural disease at the planned catheter level"
    )
    planned_drugs = forms.MultipleChoiceField(
        label="Planned intrathecal drugs",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked if not decided yet.",
    )
    psychosis_history = tristate("History of psychosis", "Ziconotide is contraindicated with it.")
    can_attend_refills = tristate("The patient can attend refill appointments")
    has_transport = tristate("The patient has transport to refills")
    travel_minutes = forms.IntegerField(
        label="Travel time to the refill clinic, in minutes",
        required=False,
        min_value=0,
        max_value=6000,
    )
    caregiver_available = tristate("A caregiver is available")
    can_respond_to_alarms = tristate("The patient can respond to pump alarms")

    def __init__(
        self,
        *args: Any,
        anticoagulants: list[tuple[str, str]],
        drugs: dict[str, Drug],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["anticoagulants"].choices = anticoagulants  # type: ignore[attr-defined]
        self.fields["planned_drugs"].choices = [  # type: ignore[attr-defined]
            (d.id, d.name) for d in drugs.values()
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        recorded, ticked = data.get("anticoagulants_recorded"), data.get("anticoagulants") or []
        if recorded == "some" and not ticked:
            self.add_error(
                "anticoagulants", "Tick each anticoagulant, antiplatelet or NSAID taken."
            )
        if recorded != "some" and ticked:
            self.add_error(
                "anticoagulants_recorded",
                "You ticked drugs below: choose 'Taken', or untick them.",
            )
        return data

    def inputs(self) -> dict[str, Any]:
        """Keyword arguments for the core's EligibilityInputs."""
        data = self.cleaned_data
        recorded = data.get("anticoagulants_recorded")
        anticoagulants = {"none": (), "some": tuple(data.get("anticoagulants") or ())}.get(
            recorded or ""
        )
        return {
            "life_expectancy_months": data.get("life_expectancy_months"),
            "active_infection": TRISTATE_VALUES[data.get("active_infection") or ""],
            "anticoagulants": anticoagulants,
            "planned_implant_start": data.get("planned_implant_start"),
            "platelets": data.get("platelets"),
            "neutrophils": data.get("neutrophils"),
            "csf_flow_obstruction": TRISTATE_VALUES[data.get("csf_flow_obstruction") or ""],
            "epidural_disease_at_catheter_level": TRISTATE_VALUES[
                data.get("epidural_disease_at_catheter_level") or ""
            ],
            "imaging_reviewed": bool(data.get("imaging_reviewed")),
            "planned_drugs": tuple(data.get("planned_drugs") or ()) or None,
            "psychosis_history": TRISTATE_VALUES[data.get("psychosis_history") or ""],
            "can_attend_refills": TRISTATE_VALUES[data.get("can_attend_refills") or ""],
            "travel_minutes": data.get("travel_minutes"),
            "has_transport": TRISTATE_VALUES[data.get("has_transport") or ""],
            "caregiver_available": TRISTATE_VALUES[data.get("caregiver_available") or ""],
            "can_respond_to_alarms": TRISTATE_VALUES[data.get("can_respond_to_alarms") or ""],
        }
