"""The report's filter form: raw query text to typed filters at the edge."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ithaca.outcomes.cohort import SYSTEM_CHOICES, Filters


class FilterForm(forms.Form):
    start = forms.DateField(
        label=_("Implanted or referred from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end = forms.DateField(
        label=_("to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    diagnosis = forms.CharField(label=_("Diagnosis contains"), required=False, max_length=100)
    system = forms.ChoiceField(
        label=_("System"), required=False, choices=[("", _("Any system")), *SYSTEM_CHOICES]
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end of the period comes after its start."))
        return data

    def filters(self) -> Filters:
        data = self.cleaned_data
        return Filters(
            start=data.get("start"),
            end=data.get("end"),
            diagnosis=(data.get("diagnosis") or "").strip(),
            system=data.get("system") or "",
        )


class ExportForm(forms.Form):
    shift_dates = forms.BooleanField(
        label=_("Shift every date by a random offset per patient (intervals kept)"),
        required=False,
        initial=True,  # on unless someone deliberately exports exact dates
    )
