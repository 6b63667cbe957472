"""Form fields that turn typed text into ithaca's typed clinical values at the edge.

A QuantityField reads "2 mg/day" with the clinical core's closed-list parser, so the page
refuses "mgs", "m g", ".5", a concentration where a dose belongs, and a negative volume,
with the core's own sentence shown next to the field.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone

from ithaca.clinical.checks import unit_findings
from ithaca.clinical.drugs import Drug
from ithaca.clinical.errors import ClinicalError
from ithaca.clinical.parsing import Bound, parse_quantity
from ithaca.clinical.quantities import Concentration, DoseRate, Mass, Quantity

EXAMPLES = {DoseRate: "e.g. 2 mg/day", Concentration: "e.g. 10 mg/mL", Mass: "e.g. 0.1 mg"}


class QuantityField(forms.CharField):
    def __init__(
        self, kind: type[Quantity], *, bound: Bound = Bound.POSITIVE, **kwargs: Any
    ) -> None:
        self.kind = kind
        self.bound = bound
        # The length limit is checked on the typed text here, not by CharField's validator,
        # which would run on the parsed quantity.
        self.max_text_length = kwargs.pop("max_length", 40) or 40
        kwargs.setdefault("help_text", EXAMPLES.get(kind, "e.g. 20 mL"))
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("maxlength", str(self.max_text_length))

    def to_python(self, value: Any) -> Quantity | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        if len(text) > self.max_text_length:
            raise forms.ValidationError(f"At most {self.max_text_length} characters, e.g. 20 mL.")
        try:
            return parse_quantity(text, self.kind, bound=self.bound)
        except ClinicalError as exc:
            raise forms.ValidationError(str(exc)) from None

    def prepare_value(self, value: Any) -> Any:
        return str(value) if isinstance(value, Quantity) else value


class PastDateField(forms.DateField):
    """A date of something that has happened: never in the future."""

    # A date input only shows a value written YYYY-MM-DD, whatever the site's locale.
    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

    def validate(self, value: date | None) -> None:
        super().validate(value)
        if value is not None and value > timezone.localdate():
            raise forms.ValidationError(
                "This has already happened, so the date cannot be in the future."
            )


def check_drug_unit(drug: Drug, quantity: Quantity) -> str | None:
    """A sentence if a dose or strength is typed in the other mass unit than the drug's own
    (morphine in mcg, ziconotide in mg): the mg/mcg trap. None if it matches."""
    # The core decides what counts as the other unit; the form only words the refusal.
    if not unit_findings(drug, quantity):
        return None
    usual = drug.dose_unit.symbol
    return f"{drug.name} is prescribed in {usual}; you typed {quantity}. Enter it in {usual} to rule out a mg/mcg mix-up."
