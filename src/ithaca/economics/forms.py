"""The scenario form of the cost report: raw input becomes a bounded Scenario at the edge."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from ithaca.clinical.economics import OptionId
from ithaca.clinical.economics_data import EconomicsRules
from ithaca.economics.report import MEDIAN, WHOLE_HORIZON, Scenario

MOST_MONTHS = 120


class ScenarioForm(forms.Form):
    horizon = forms.IntegerField(label=_("Horizon (months)"), min_value=1, max_value=MOST_MONTHS)
    survival = forms.ChoiceField(label=_("Survival"))
    median_months = forms.IntegerField(
        label=_("Median survival (months), for the constant-risk curve"),
        min_value=1,
        max_value=MOST_MONTHS,
        required=False,
    )
    figures = forms.ChoiceField(
        label=_("Figures"),
        choices=[
            ("clinic", _("This clinic's own figures")),
            ("published", _("Published US payer figures where the clinic has none")),
        ],
    )
    against = forms.ChoiceField(
        label=_("Compare the implanted pump with"),
        choices=[
            (OptionId.CMM.value, OptionId.CMM.words),
            (OptionId.EXTERNAL.value, OptionId.EXTERNAL.words),
        ],
    )

    def __init__(self, data: Mapping[str, Any] | None, rules: EconomicsRules) -> None:
        settings = rules.settings
        initial = {
            "horizon": settings.horizon_months.value,
            "survival": WHOLE_HORIZON,
            "figures": "published" if settings.use_published_defaults.value else "clinic",
            "against": OptionId.CMM.value,
        }
        super().__init__(data or None, initial=initial)
        survival = cast(forms.ChoiceField, self.fields["survival"])
        survival.choices = [
            (WHOLE_HORIZON, _("Alive for the whole horizon (no weighting)")),
            (MEDIAN, _("The same risk each month, with the median below")),
            *[(key, curve.description) for key, curve in rules.survival.items()],
        ]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("survival") == MEDIAN and not data.get("median_months"):
            self.add_error("median_months", _("Enter the median survival in months."))
        return data

    def scenario(self) -> Scenario:
        """The scenario asked for, or the defaults when nothing valid was posted."""
        source = self.cleaned_data if self.is_bound and self.is_valid() else self.initial
        return Scenario(
            horizon=int(source["horizon"]),
            survival=str(source["survival"]),
            median_months=source.get("median_months"),
            published=source["figures"] == "published",
            against=OptionId(source["against"]),
        )
