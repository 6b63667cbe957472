"""Forms for pumps and programs (refills: forms_refills.py): raw text in, typed values out.

Each impossible value is refused next to its field with a sentence: a negative volume, a
fill larger than the reservoir, a date in the future, a dose or strength in the other mass
unit than the drug's own (morphine in mcg, ziconotide in mg).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, cast

from django import forms

from ithaca.clinical.catalogue import Catalogue
from ithaca.clinical.drugs import Drug
from ithaca.clinical.errors import ClinicalError
from ithaca.clinical.parsing import parse_quantity
from ithaca.clinical.programs import PatientBolus
from ithaca.clinical.pumps import ProgramMode, PumpKind, PumpModel
from ithaca.clinical.quantities import Concentration, DoseRate, FlowRate, Mass, Quantity, Volume
from ithaca.devices.errors import ServiceRefusal
from ithaca.devices.models import Device, DeviceEventKind
from ithaca.devices.programs import ProgramRequest
from ithaca.devices.registry import normalise_level
from ithaca.web.fields import PastDateField, QuantityField, check_drug_unit

MAX_DRUGS = 3
TEXTAREA = {"rows": 2}


def quantity_field(kind: type[Quantity], **kwargs: Any) -> QuantityField:
    """A QuantityField without the CharField length validator, which would run on the parsed
    quantity (and fail on len()) rather than on the text; the input still limits the length."""
    kwargs.setdefault("widget", forms.TextInput(attrs={"maxlength": "40", "autocomplete": "off"}))
    return QuantityField(kind, max_length=None, **kwargs)


def past_date(**kwargs: Any) -> PastDateField:
    """A PastDateField whose date picker receives its value as YYYY-MM-DD: an <input
    type=date> shows nothing for a value in the locale's format (23/11/2026)."""
    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    return PastDateField(widget=widget, **kwargs)


def ml(quantity: Quantity | None) -> Decimal | None:
    """A volume or flow in the column unit (mL, mL/day), exact."""
    return quantity.canonical if quantity is not None else None


def sentence(exc: Exception | str) -> str:
    """The core speaks in clauses ('a fill of 45 mL exceeds...'); a page shows sentences."""
    text = str(exc)
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def add_refusal(
    form: forms.Form, exc: ServiceRefusal | ClinicalError, field: str | None = None
) -> None:
    """Put a service's or the core's refusal next to its field (or above the form)."""
    target = field or getattr(exc, "field", None)
    form.add_error(target if target in form.fields else None, sentence(exc))


class ChoicesMixin(forms.Form):
    def choice_field(self, name: str) -> forms.ChoiceField:
        return cast(forms.ChoiceField, self.fields[name])


class DeviceForm(ChoicesMixin):
    pump_model = forms.ChoiceField(label="Pump (catalogue in force)")
    serial = forms.CharField(label="Serial number", max_length=40)
    implanted_on = past_date(label="Implanted (or connected) on")
    catheter_tip_level = forms.CharField(
        label="Catheter tip level",
        max_length=8,
        required=False,
        help_text="C1-C7, T1-T12, L1-L5 or S1-S5, e.g. T10",
    )
    reservoir_ml = quantity_field(
        Volume,
        label="Reservoir volume in use",
        required=False,
        help_text="Only where the catalogue does not size the device (external pump, Codman 3000), e.g. 100 mL",
    )
    low_alarm_ml = quantity_field(
        Volume,
        label="Low-reservoir alarm volume programmed on the pump",
        required=False,
        help_text="e.g. 2 mL; must be below the reservoir. Not for constant-flow pumps.",
    )
    fixed_rate_ml_per_day = quantity_field(
        FlowRate,
        label="Labelled fixed rate (constant-flow pumps only)",
        required=False,
        help_text="e.g. 1 mL/day",
    )
    eri_reported_on = past_date(label="Replacement indicator (ERI) reported on", required=False)

    def __init__(self, *args: Any, pumps: dict[str, PumpModel], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "Choose the pump")] + [(p.id, p.name) for p in pumps.values()]
        self.choice_field("pump_model").choices = choices

    def clean_catheter_tip_level(self) -> str:
        try:
            return normalise_level(self.cleaned_data["catheter_tip_level"])
        except ServiceRefusal as exc:
            raise forms.ValidationError(exc.message) from None


class DeviceEventForm(forms.Form):
    occurred_on = past_date(label="Date")
    kind = forms.ChoiceField(label="What happened", choices=DeviceEventKind.choices)
    description = forms.CharField(
        label="Description and action taken",
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text="Recording an explant takes the pump out of use: no new program or refill.",
    )


STEP_LINE = re.compile(r"^(\d{1,2}):(\d{2})\s*=\s*(.+)$")


def parse_steps(text: str) -> list[tuple[int, DoseRate]]:
    """'00:00=2 mg/day' per line -> [(start minute, daily-dose rate)], in order, from midnight."""
    steps: list[tuple[int, DoseRate]] = []
    for number, line in enumerate((ln.strip() for ln in text.splitlines() if ln.strip()), start=1):
        match = STEP_LINE.match(line)
        if match is None:
            raise forms.ValidationError(
                f"Line {number} '{line}': write HH:MM=dose, e.g. 08:00=3 mg/day."
            )
        hours, minutes = int(match.group(1)), int(match.group(2))
        if hours > 23 or minutes > 59:
            raise forms.ValidationError(
                f"Line {number}: {match.group(1)}:{match.group(2)} is not a time of day."
            )
        try:
            dose = parse_quantity(match.group(3), DoseRate)
        except ClinicalError as exc:
            raise forms.ValidationError(f"Line {number}: {exc}") from None
        start = hours * 60 + minutes
        if steps and start <= steps[-1][0]:
            raise forms.ValidationError(
                f"Line {number}: steps must be in time order and not repeat."
            )
        steps.append((start, dose))
    if not steps:
        raise forms.ValidationError("A flexible schedule needs at least one step.")
    if steps[0][0] != 0:
        raise forms.ValidationError(
            "The first step must start at 00:00 so the whole day is covered."
        )
    return steps


class ProgramForm(ChoicesMixin):
    mode = forms.ChoiceField(label="Mode")
    daily_dose = quantity_field(DoseRate, label="Daily dose of the first drug", required=False)
    steps = forms.CharField(
        label="Flexible schedule",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One step a line, HH:MM=daily-dose rate of the first drug, from 00:00: e.g. 00:00=2 mg/day, 08:00=3 mg/day",
    )
    fixed_rate = quantity_field(
        FlowRate, label="Fixed rate (the pump's label)", required=False, help_text="e.g. 1 mL/day"
    )
    days_since_last_increase = forms.IntegerField(
        label="Days since the last dose increase", min_value=0, required=False
    )
    override_reason = forms.CharField(
        label="Reason for overriding a soft limit",
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text="Needed only when the check says the program crosses a soft limit.",
    )

    def __init__(
        self, *args: Any, device: Device, pump: PumpModel, catalogue: Catalogue, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.device, self.pump, self.catalogue = device, pump, catalogue
        self.allows_flexible = (
            pump.kind is not PumpKind.CONSTANT_FLOW and ProgramMode.FLEXIBLE in pump.modes
        )
        drug_choices = [("", "—")] + [(d.id, d.name) for d in catalogue.drugs.values()]
        for i in range(MAX_DRUGS):
            first = i == 0
            self.fields[f"drug_{i}"] = forms.ChoiceField(
                label="Drug (the program is prescribed by this one)"
                if first
                else f"Drug {i + 1} (admixture)",
                choices=drug_choices,
                required=first,
            )
            self.fields[f"concentration_{i}"] = quantity_field(
                Concentration, label="Concentration", required=first
            )
        if pump.kind is PumpKind.CONSTANT_FLOW:
            self.choice_field("mode").choices = [("fixed_rate", "Fixed rate (constant-flow pump)")]
            self.fields["mode"].initial = "fixed_rate"
            if device.fixed_rate_ml_per_day is not None:
                self.fields[
                    "fixed_rate"
                ].initial = f"{device.fixed_rate_ml_per_day.normalize():f} mL/day"
        else:
            modes = [("continuous", "Continuous daily dose")]
            if self.allows_flexible:
                modes.append(("flexible", "Flexible schedule (steps through the day)"))
            self.choice_field("mode").choices = modes
            self.fields["mode"].initial = "continuous"
        if pump.patient_bolus.capable and ProgramMode.PATIENT_BOLUS in pump.modes:
            self.fields["bolus_dose"] = quantity_field(
                Mass, label="Patient bolus: dose of the first drug", required=False
            )
            self.fields["bolus_lockout_minutes"] = forms.IntegerField(
                label="Lockout (minutes)", min_value=1, max_value=1440, required=False
            )
            self.fields["bolus_max_per_day"] = forms.IntegerField(
                label="Most boluses a day", min_value=1, max_value=96, required=False
            )

    def drug_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"drug_{i}"], self[f"concentration_{i}"]) for i in range(MAX_DRUGS)]

    def clean_steps(self) -> list[tuple[int, DoseRate]]:
        text = self.cleaned_data.get("steps") or ""
        if self.data.get(self.add_prefix("mode")) != "flexible":
            return []
        return parse_steps(text)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        drugs = self._drugs(data)
        primary = drugs[0][0] if drugs else None
        mode = data.get("mode")
        if mode == "continuous":
            self._need_dose(data, "daily_dose", "Enter the daily dose, e.g. 2 mg/day.", primary)
        if mode == "fixed_rate":
            self._fixed_rate(data)
        if primary is not None and mode == "flexible":
            for _, dose in data.get("steps") or []:
                self._unit("steps", primary, dose)
        self._bolus(data, primary)
        data["drugs"] = [(drug.id, concentration) for drug, concentration in drugs]
        return data

    def _drugs(self, data: dict[str, Any]) -> list[tuple[Drug, Concentration]]:
        rows: list[tuple[Drug, Concentration]] = []
        for i in range(MAX_DRUGS):
            drug_id, concentration = data.get(f"drug_{i}"), data.get(f"concentration_{i}")
            if drug_id and concentration is None and f"concentration_{i}" not in self.errors:
                self.add_error(
                    f"concentration_{i}", "Enter the concentration of this drug, e.g. 10 mg/mL."
                )
            elif concentration is not None and not drug_id:
                self.add_error(f"drug_{i}", "Choose the drug this concentration is for.")
            elif drug_id and concentration is not None:
                drug = self.catalogue.drug(drug_id)
                if any(d.id == drug.id for d, _ in rows):
                    self.add_error(f"drug_{i}", f"{drug.name} is already listed.")
                elif self._unit(f"concentration_{i}", drug, concentration):
                    rows.append((drug, concentration))
        return rows

    def _unit(self, field: str, drug: Drug, quantity: Quantity) -> bool:
        problem = check_drug_unit(drug, quantity)
        if problem:
            self.add_error(field, problem)
        return problem is None

    def _need_dose(self, data: dict[str, Any], field: str, missing: str, drug: Drug | None) -> None:
        if data.get(field) is None:
            if field not in self.errors:
                self.add_error(field, missing)
        elif drug is not None:
            self._unit(field, drug, data[field])

    def _fixed_rate(self, data: dict[str, Any]) -> None:
        rate, labelled = data.get("fixed_rate"), self.device.fixed_rate_ml_per_day
        if rate is None:
            if "fixed_rate" not in self.errors:
                self.add_error("fixed_rate", "Enter the rate on the pump's label, e.g. 1 mL/day.")
        elif labelled is not None and rate.canonical != labelled:
            self.add_error(
                "fixed_rate",
                f"This pump is registered at {labelled.normalize():f} mL/day: the rate is set at manufacture.",
            )

    def _bolus(self, data: dict[str, Any], primary: Drug | None) -> None:
        names = ("bolus_dose", "bolus_lockout_minutes", "bolus_max_per_day")
        if names[0] not in self.fields:
            data["bolus"] = None
            return
        given = [data.get(n) is not None for n in names]
        data["bolus"] = None
        if any(given) and not all(given):
            for name, present in zip(names, given, strict=True):
                if not present and name not in self.errors:
                    self.add_error(
                        name,
                        "A patient bolus needs its dose, lockout and most a day: enter all three, or none.",
                    )
            return
        if (
            all(given)
            and primary is not None
            and self._unit("bolus_dose", primary, data["bolus_dose"])
        ):
            data["bolus"] = PatientBolus(
                data["bolus_dose"], data["bolus_lockout_minutes"], data["bolus_max_per_day"]
            )

    def to_request(self) -> ProgramRequest:
        data = self.cleaned_data
        mode = data["mode"]
        return ProgramRequest(
            drugs=data["drugs"],
            daily_dose=data.get("daily_dose") if mode == "continuous" else None,
            steps=(data.get("steps") or ()) if mode == "flexible" else (),
            fixed_rate=data.get("fixed_rate") if mode == "fixed_rate" else None,
            bolus=data.get("bolus") if mode != "fixed_rate" else None,
            days_since_last_increase=data.get("days_since_last_increase"),
        )


class ProgramCheckForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    confirm_override = forms.BooleanField(
        label="I confirm the override: I have read the prescriber's reason and agree",
        required=False,
    )
    note = forms.CharField(
        label="Note (required to reject: what the prescriber should correct)",
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
    )
