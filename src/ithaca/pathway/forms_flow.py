"""Forms of the pathway page: a move, a delay reason, a side-effect assessment.

Each form carries the stage the user saw, so a change made by someone else in the meantime
is refused instead of applied blind. A target stage the table does not allow is not
refused here: the core's transition table says why, in its own sentence.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django import forms

from ithaca.clinical.pathway import DelayReason, Stage
from ithaca.web.fields import PastDateField

TEXTAREA = {"rows": 2}


def _stage(value: str) -> Stage:
    try:
        return Stage(value)
    except ValueError:
        raise forms.ValidationError("This is not a pathway stage: reload the page.") from None


class SeenStageMixin(forms.Form):
    expected_from = forms.CharField(widget=forms.HiddenInput)

    def clean_expected_from(self) -> Stage:
        return _stage(self.cleaned_data["expected_from"])


class MoveForm(SeenStageMixin):
    # A CharField with radio buttons: the buttons offer the allowed moves, while any stage
    # posted reaches the core, which names the moves that are allowed when it refuses.
    target = forms.CharField(
        label="Move to",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the stage to move the patient to."},
    )
    reason = forms.CharField(
        label="Reason, for the record (required)",
        widget=forms.Textarea(attrs=TEXTAREA),
        required=False,  # the core refuses an empty reason with its own sentence
    )

    happened_on = PastDateField(
        label="Date it happened, if not today (required for a death)",
        required=False,
        help_text="A death learned of later is dated when it happened: survival and the "
        "device-days of the safety report are counted from this date.",
    )

    def __init__(self, *args: Any, offered: Iterable[Stage] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        widget = cast(forms.RadioSelect, self.fields["target"].widget)
        widget.choices = [(stage.value, stage.label) for stage in offered]

    def clean_target(self) -> Stage:
        return _stage(self.cleaned_data["target"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("target") is Stage.DECEASED and data.get("happened_on") is None:
            self.add_error("happened_on", "Give the date of death.")
        return data


class DelayForm(SeenStageMixin):
    reason = forms.ChoiceField(
        label="Why is the patient waiting?",
        choices=[("", "Choose a reason")] + [(r.value, r.label) for r in DelayReason],
        error_messages={"required": "Choose why the patient is waiting."},
    )
    note = forms.CharField(
        label="Note",
        widget=forms.Textarea(attrs=TEXTAREA),
        required=False,
        help_text="Needed for 'Other'. Say what is awaited and from whom.",
    )

    def clean_reason(self) -> DelayReason:
        return DelayReason(self.cleaned_data["reason"])


class SideEffectsForm(forms.Form):
    dose_limiting = forms.TypedChoiceField(
        label="Do side effects stop the systemic opioid dose being raised?",
        choices=[("yes", "Yes: side effects limit the dose"), ("no", "No")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Answer yes or no."},
    )
    note = forms.CharField(
        label="Which side effects",
        widget=forms.Textarea(attrs=TEXTAREA),
        required=False,
        help_text="Needed for yes: e.g. sedation, delirium, myoclonus, nausea.",
    )
