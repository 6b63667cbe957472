"""Forms that record outcomes: registering an instrument's scoring rule, scoring it for a
patient, an admission and its discharge day. Raw input to typed values, each refusal beside
its field; the services in ithaca.outcomes.services check everything again.

The instrument form has no field for an item's wording, on purpose: a licensed instrument's
scoring rule is numbers (items, range, method, minimum answered) and scale names, and the
spec it builds holds nothing else.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ithaca.clinical.instruments import (
    MOST_ITEMS,
    InstrumentSpecInvalid,
    ResponsesInvalid,
    Scoring,
    TooFewAnswered,
    read_spec,
    score_instrument,
)
from ithaca.devices.forms import past_date
from ithaca.outcomes.models import AdmissionReason, InstrumentDefinition

LOCAL_MINUTE = "%Y-%m-%dT%H:%M"
SCORING_LABELS = {
    Scoring.SUM: _("Sum of the items"),
    Scoring.MEAN: _("Mean of the answered items"),
    Scoring.PRORATED_SUM: _("Sum prorated over the answered items"),
    Scoring.NONE: _("No total: scored by its subscales only"),
}
SUBSCALE_SCORINGS = {s.value for s in Scoring if s is not Scoring.NONE}
SCALE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _\-]{0,39}")
RANGE = re.compile(r"(\d+)-(\d+)")
AT_LEAST = re.compile(r"at least (\d+)")
YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class SubscaleLineInvalid(ValueError):
    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"Line {line}: {reason}")


def item_numbers(text: str, items: int, line: int) -> list[int]:
    """'1-4' or '5, 6, 8' or '1 3 5': distinct item numbers from 1 to `items`, in order given."""
    numbers: list[int] = []
    tokens = [t for t in re.split(r"[,\s]+", text.strip()) if t]
    if not tokens:
        raise SubscaleLineInvalid(line, "give the item numbers after the colon, e.g. 1-4.")
    for token in tokens:
        if token.isdigit():
            numbers.append(int(token))
        elif match := RANGE.fullmatch(token):
            low, high = int(match[1]), int(match[2])
            if high < low:
                raise SubscaleLineInvalid(line, f"the range {token} runs backwards.")
            numbers.extend(range(low, high + 1))
        else:
            raise SubscaleLineInvalid(
                line, f"'{token}' is not an item number or a range such as 5-11."
            )
    outside = [n for n in numbers if not 1 <= n <= items]
    if outside:
        raise SubscaleLineInvalid(
            line, f"item {outside[0]} does not exist: the instrument has items 1 to {items}."
        )
    repeated = sorted({n for n in numbers if numbers.count(n) > 1})
    if repeated:
        raise SubscaleLineInvalid(line, f"item {repeated[0]} is listed twice.")
    return numbers


def parse_subscales(text: str, items: int, total_scoring: Scoring) -> list[dict[str, object]]:
    """Subscale lines, 'name: item numbers[; scoring][; at least N]', to the spec's subscales.

    Strict: a line that is not exactly that is refused, naming the line. Without its own
    scoring a subscale takes the instrument's; with no total, each line must give one.
    """
    subscales: list[dict[str, object]] = []
    names: set[str] = {"total"} if total_scoring is not Scoring.NONE else set()
    for line, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        name, colon, rest = raw.partition(":")
        name = name.strip()
        if not colon:
            raise SubscaleLineInvalid(line, "write it as name: item numbers, e.g. severity: 1-4.")
        if not SCALE_NAME.fullmatch(name):
            raise SubscaleLineInvalid(
                line,
                "the name is a short label (letters, digits, spaces, - or _; up to 40), "
                "not an item's wording.",
            )
        if name.lower() in names:
            reason = (
                "'total' is the instrument's own total: name the subscale otherwise."
                if name.lower() == "total"
                else f"the name {name} is used twice."
            )
            raise SubscaleLineInvalid(line, reason)
        names.add(name.lower())
        parts = [p.strip() for p in rest.split(";")]
        sub: dict[str, object] = {"id": name, "items": item_numbers(parts[0], items, line)}
        for part in parts[1:]:
            if part in SUBSCALE_SCORINGS and "scoring" not in sub:
                sub["scoring"] = part
            elif (match := AT_LEAST.fullmatch(part)) and "minimum_answered" not in sub:
                sub["minimum_answered"] = int(match[1])
            else:
                raise SubscaleLineInvalid(
                    line,
                    f"after the item numbers, '{part}' is not understood: give at most one "
                    "scoring (sum, mean or prorated_sum) and one 'at least N'.",
                )
        if "scoring" not in sub:
            if total_scoring is Scoring.NONE:
                raise SubscaleLineInvalid(
                    line,
                    "with no total, each subscale gives its scoring, e.g. 'mobility: 1-3; sum'.",
                )
            sub["scoring"] = total_scoring.value
        subscales.append(sub)
    return subscales


# Where read_spec's complaint is shown: the spec key it names, to the form field.
SPEC_FIELDS = {
    "items": "items",
    "item_min": "item_min",
    "item_max": "item_max",
    "spec.scoring": "scoring",
    "spec.minimum_answered": "minimum_answered",
    "scoring": "subscales",  # no total and no subscale: a subscale is what is missing
}


class InstrumentForm(forms.Form):
    identifier = forms.CharField(
        label=_("Identifier"), max_length=40, help_text=_("A short code, e.g. BPI-SF.")
    )
    name = forms.CharField(label=_("Name"), max_length=120)
    version = forms.CharField(
        label=_("Version"), max_length=40, help_text=_("As the licence holder numbers it.")
    )
    licence_holder = forms.CharField(label=_("Licence holder"), max_length=120)
    licence_note = forms.CharField(
        label=_("Licence note"),
        max_length=300,
        help_text=_("The site's licence or registration: its number, date or terms."),
    )
    items = forms.IntegerField(
        label=_("Number of items"),
        min_value=1,
        max_value=MOST_ITEMS,
        error_messages={"required": _("Give the number of items.")},
    )
    item_min = forms.IntegerField(
        label=_("Lowest answer to an item"),
        error_messages={"required": _("Give the lowest answer.")},
    )
    item_max = forms.IntegerField(
        label=_("Highest answer to an item"),
        error_messages={"required": _("Give the highest answer.")},
    )
    scoring = forms.ChoiceField(
        label=_("Total score"),
        choices=[(s.value, SCORING_LABELS[s]) for s in Scoring],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how the total is made.")},
    )
    minimum_answered = forms.IntegerField(
        label=_("Items that must be answered for a total"),
        required=False,
        min_value=1,
        help_text=_("Blank: every item. Leave blank when there is no total."),
    )
    subscales = forms.CharField(
        label=_("Subscales (optional)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One a line: name: item numbers, then optionally ; scoring and ; at least N. "
            "E.g. 'severity: 1-4; mean' and 'interference: 5-11; mean; at least 4'. "
            "Without its own scoring a subscale is scored as the total."
        ),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self.spec: dict[str, object] | None = None
        items, low, high = data.get("items"), data.get("item_min"), data.get("item_max")
        raw_scoring = data.get("scoring")
        if items is None or low is None or high is None or not raw_scoring:
            return data
        scoring = Scoring(raw_scoring)
        spec: dict[str, object] = {
            "items": items,
            "item_min": low,
            "item_max": high,
            "scoring": scoring.value,
        }
        minimum = data.get("minimum_answered")
        if minimum is not None:
            if scoring is Scoring.NONE:
                self.add_error(
                    "minimum_answered",
                    _("With no total, leave this blank: give 'at least N' on a subscale line."),
                )
                return data
            spec["minimum_answered"] = minimum
        try:
            subscales = parse_subscales(data.get("subscales") or "", items, scoring)
        except SubscaleLineInvalid as exc:
            self.add_error("subscales", str(exc))
            return data
        if subscales:
            spec["subscales"] = subscales
        try:
            read_spec(spec)
        except InstrumentSpecInvalid as exc:
            where = SPEC_FIELDS.get(exc.where, "subscales")
            self.add_error(where, str(exc))
            return data
        self.spec = spec
        return data

    def registration(self) -> dict[str, Any]:
        data = self.cleaned_data
        fields = ("identifier", "name", "version", "licence_holder", "licence_note")
        return {key: data[key] for key in fields} | {"scoring": self.spec}


class ChooseInstrumentForm(forms.Form):
    instrument = forms.ModelChoiceField(
        label=_("Instrument"),
        queryset=InstrumentDefinition.objects.all(),
        empty_label=_("Choose"),
        error_messages={
            "required": _("Choose an instrument."),
            "invalid_choice": _("Choose one of the registered instruments."),
        },
    )


class ScoreForm(forms.Form):
    """One whole-number field per item of the chosen instrument, generated from its spec."""

    taken_at = forms.DateTimeField(
        label=_("Answered at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_MINUTE),
        input_formats=[LOCAL_MINUTE, "%Y-%m-%d %H:%M"],
        error_messages={"required": _("Give the day and time the answers were given.")},
    )
    # Carries what is wrong with the answers taken together (too few answered).
    responses = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, definition: InstrumentDefinition, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.definition = definition
        self.spec = read_spec(definition.scoring)
        if not self.is_bound:
            self.initial.setdefault("taken_at", timezone.localtime().replace(second=0))
        limits = {"min": self.spec.item_min, "max": self.spec.item_max, "step": 1}
        for number in range(1, self.spec.items + 1):
            self.fields[f"item_{number}"] = forms.IntegerField(
                label=_("Item %(number)d") % {"number": number},
                required=False,
                widget=forms.NumberInput(attrs=limits | {"inputmode": "numeric"}),
                error_messages={"invalid": _("A whole number, or blank if not answered.")},
            )

    def item_fields(self) -> list[forms.BoundField]:
        return [self[f"item_{n}"] for n in range(1, self.spec.items + 1)]

    def answers(self) -> list[int | None]:
        return [self.cleaned_data.get(f"item_{n}") for n in range(1, self.spec.items + 1)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if any(f"item_{n}" in self.errors for n in range(1, self.spec.items + 1)):
            return data
        answers = self.answers()
        try:
            score_instrument(self.definition.identifier, self.spec, answers)
        except ResponsesInvalid as exc:
            self.add_error(self._first_out_of_range(answers), str(exc))
        except TooFewAnswered as exc:
            self.add_error("responses", str(exc))
        return data

    def _first_out_of_range(self, answers: list[int | None]) -> str:
        low, high = self.spec.item_min, self.spec.item_max
        for number, answer in enumerate(answers, start=1):
            if answer is not None and not low <= answer <= high:
                return f"item_{number}"
        return "responses"

    @property
    def when(self) -> datetime:
        taken_at: datetime = self.cleaned_data["taken_at"]
        return taken_at


class AdmissionForm(forms.Form):
    admitted_on = past_date(label=_("Admitted on"))
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=AdmissionReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the reason for the admission.")},
    )
    pain_related = forms.TypedChoiceField(
        label=_("Related to pain or its treatment"),
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether the admission was related to pain.")},
    )
    discharged_on = past_date(
        label=_("Discharged on"),
        required=False,
        help_text=_("Blank while the patient is in hospital: set it once, later."),
    )


class DischargeForm(forms.Form):
    discharged_on = past_date(
        label=_("Discharged on"),
        error_messages={"required": _("Give the discharge day.")},
    )
