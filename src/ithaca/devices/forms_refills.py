"""The refill worksheet form and the second person's verification: raw text in, a
RefillRequest out. A fill larger than the reservoir, a negative residual, a future date, a
syringe strength in the other mass unit or different from the program are refused next to
their fields, before the service is asked.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from ithaca.clinical.drugs import Drug
from ithaca.clinical.errors import RefillExceedsReservoir
from ithaca.clinical.parsing import Bound
from ithaca.clinical.policy import BolusScenario
from ithaca.clinical.quantities import Concentration, Volume
from ithaca.devices.forms import TEXTAREA, past_date, quantity_field, sentence
from ithaca.devices.models import ProgramVersion
from ithaca.devices.refills import RefillRequest
from ithaca.web.fields import check_drug_unit

NEEDLE_LABEL = "Needle placed in the reservoir fill port, NOT the catheter access port (CAP)"


class RefillForm(forms.Form):
    expected_sequence = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    performed_on = past_date(label="Performed on")
    measured_residual = quantity_field(
        Volume,
        bound=Bound.NON_NEGATIVE,
        label="Residual volume withdrawn (measured)",
        error_messages={
            "required": "Enter the residual volume withdrawn from the reservoir (0 mL if none)."
        },
        help_text="What you drew back from the reservoir before filling, e.g. 18.5 mL",
    )
    fill_volume = quantity_field(
        Volume, label="Volume filled", help_text="e.g. 40 mL; never more than the reservoir"
    )
    lot_number = forms.CharField(
        label="Lot number of the drug filled", max_length=60, required=False
    )
    needle_in_reservoir_confirmed = forms.BooleanField(label=NEEDLE_LABEL, required=False)
    discrepancy_action = forms.CharField(
        label="Action taken about a flagged discrepancy",
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text="Required when the discrepancy is flagged: e.g. pump interrogated, physician informed.",
    )
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs=TEXTAREA))

    def __init__(
        self,
        *args: Any,
        program: ProgramVersion,
        drugs: list[tuple[Drug, Concentration]],
        capacity: Volume,
        pump_name: str,
        first_fill: bool,
        saving: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.program, self.drugs, self.capacity, self.saving = program, drugs, capacity, saving
        self.pump_name = pump_name
        self.first_fill = first_fill
        if first_fill:
            del self.fields["measured_residual"]
        if program.bolus_dose_mcg is not None:
            self.fields["bolus_scenario"] = forms.ChoiceField(
                label="Boluses to count for the expected residual",
                choices=[(s.value, s.words) for s in BolusScenario],
                initial=BolusScenario.MAXIMUM.value,
                help_text="Read the bolus count from the handset log when you can; 'typical' needs the count a day.",
            )
            self.fields["typical_boluses_per_day"] = forms.DecimalField(
                label="Typical boluses a day",
                min_value=0,
                max_digits=5,
                decimal_places=2,
                required=False,
            )
        for i, (drug, concentration) in enumerate(drugs):
            self.fields[f"label_strength_{i}"] = quantity_field(
                Concentration,
                label=f"Strength on the syringe label: {drug.name}",
                required=False,
                help_text=f"Type it from the label; the program is {concentration.to(drug.concentration_unit)}",
            )

    def label_fields(self) -> list[forms.BoundField]:
        return [self[f"label_strength_{i}"] for i in range(len(self.drugs))]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        fill = data.get("fill_volume")
        if fill is not None and fill > self.capacity:
            self.add_error(
                "fill_volume",
                sentence(RefillExceedsReservoir(str(fill), str(self.capacity), self.pump_name)),
            )
        if (
            data.get("bolus_scenario") == BolusScenario.TYPICAL.value
            and data.get("typical_boluses_per_day") is None
        ):
            self.add_error(
                "typical_boluses_per_day",
                "Enter the typical number of boluses a day, from the handset log.",
            )
        for i, (drug, concentration) in enumerate(self.drugs):
            self._label_strength(data, f"label_strength_{i}", drug, concentration)
        if self.saving:
            if not (data.get("lot_number") or "").strip() and "lot_number" not in self.errors:
                self.add_error("lot_number", "Enter the lot number of the drug filled.")
            if not data.get("needle_in_reservoir_confirmed"):
                self.add_error(
                    "needle_in_reservoir_confirmed",
                    "Confirm the needle is in the reservoir fill port, not the catheter access port, before saving.",
                )
        return data

    def _label_strength(
        self, data: dict[str, Any], field: str, drug: Drug, prescribed: Concentration
    ) -> None:
        typed = data.get(field)
        if typed is None:
            if self.saving and field not in self.errors:
                self.add_error(
                    field, f"Type the {drug.name.lower()} strength printed on the syringe label."
                )
            return
        problem = check_drug_unit(drug, typed)
        if problem:
            self.add_error(field, problem)
        elif typed != prescribed:
            self.add_error(
                field,
                f"The program in force is {prescribed.to(drug.concentration_unit)}; the label says {typed}. "
                "Do not fill: check the syringe against the prescription with the pharmacist.",
            )

    def to_request(self) -> RefillRequest:
        data = self.cleaned_data
        scenario = BolusScenario(data.get("bolus_scenario") or BolusScenario.NONE.value)
        return RefillRequest(
            performed_on=data["performed_on"],
            expected_sequence=data["expected_sequence"],
            fill_volume=data["fill_volume"],
            lot_number=data.get("lot_number") or "",
            needle_in_reservoir_confirmed=bool(data.get("needle_in_reservoir_confirmed")),
            measured_residual=data.get("measured_residual"),
            bolus_scenario=scenario,
            typical_boluses_per_day=data.get("typical_boluses_per_day")
            if scenario is BolusScenario.TYPICAL
            else None,
            discrepancy_action=data.get("discrepancy_action") or "",
            notes=data.get("notes") or "",
        )


def refill_initial(sequence: int, capacity: Volume) -> dict[str, Any]:
    return {
        "expected_sequence": sequence,
        "performed_on": timezone.localdate(),
        "fill_volume": str(capacity),
    }


class RefillVerifyForm(forms.Form):
    confirmed = forms.BooleanField(
        label="I checked the drug, strength, volume and lot against the prescription, and the needle placement record",
        error_messages={"required": "Tick the box to confirm what you checked."},
    )
    note = forms.CharField(
        label="Note (optional)", required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )
