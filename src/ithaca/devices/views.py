"""What the device pages and the printed worksheets share: finding a device through the
patient's access check, and putting stored programs and catalogue facts into words.

The pages themselves live in views_devices.py, views_programs.py and views_refills.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest, QueryDict
from django.shortcuts import get_object_or_404

from ithaca.accounts.permissions import Action
from ithaca.clinical.catalogue import Catalogue
from ithaca.clinical.errors import ClinicalError
from ithaca.clinical.findings import Finding
from ithaca.clinical.pumps import PumpKind, PumpModel
from ithaca.clinical.sourced import Sourced
from ithaca.clinical.sources import Unknown
from ithaca.devices.convert import core_program, dose_rate, shown_in
from ithaca.devices.models import Device, ProgramVersion
from ithaca.devices.programs import finding_record
from ithaca.patients.access import open_patient

MODE_WORDS = {
    "simple_continuous": "continuous",
    "flexible": "flexible schedule",
    "patient_bolus": "continuous with patient bolus",
}
FACTOR_WORDS = {
    "low_reservoir_alarm": "low-reservoir alarm",
    "empty": "reservoir empty",
    "stability": "drug stability",
    "clinic_max_interval": "clinic's maximum interval",
}
VERDICT_WORDS = {"ok": "ok", "needs_override": "needs override", "blocked": "blocked"}
CAP_WARNING = "Refill only through the reservoir fill port."
CAP_DANGER = (
    "The catheter access port (CAP) leads straight to the catheter and the spinal fluid: a refill "
    "injected there, or into the pocket around the pump, can kill."
)


def posted(request: HttpRequest) -> QueryDict | None:
    """The form data of a POST, even an empty one (an empty POST must still be validated)."""
    return request.POST if request.method == "POST" else None


def device_for(
    request: HttpRequest, device_id: int, action: Action = Action.VIEW_PATIENT
) -> Device:
    """The device, if this user may do `action` to its patient (a view is audited)."""
    device: Device = get_object_or_404(Device.objects.select_related("patient"), pk=device_id)
    open_patient(request, device.patient_id, action)
    return device


def pump_rows(pumps: Iterable[PumpModel]) -> list[tuple[str, str, str, str]]:
    """What each pump in the catalogue asks for at registration: name, kind, reservoir, alarm."""
    rows = []
    for p in pumps:
        reservoir = (
            str(p.reservoir.value)
            if isinstance(p.reservoir, Sourced)
            else "enter the volume in use"
        )
        if p.kind is PumpKind.CONSTANT_FLOW:
            alarm = "none: enter the labelled fixed rate instead"
        elif isinstance(p.low_reservoir_alarm, Sourced):
            alarm = f"{p.low_reservoir_alarm.value} (catalogue)"
        else:
            alarm = "enter the volume programmed on the pump"
        rows.append((p.name, p.kind.value.replace("_", " "), reservoir, alarm))
    return rows


def factor_words(factor: str) -> str:
    return FACTOR_WORDS.get(factor, factor.replace("_", " "))


@dataclass(frozen=True)
class Fact:
    label: str
    value: str
    source: str | None = None
    known: bool = True


def fact(label: str, value: Sourced[Any] | Unknown) -> Fact:
    if isinstance(value, Sourced):
        note = f" {value.provenance.note}" if value.provenance.note else ""
        return Fact(label, f"{value.value}", f"{value.provenance.describe()}.{note}")
    return Fact(label, f"not in the catalogue: {value.note}", None, known=False)


def pump_facts(pump: PumpModel, device: Device) -> list[Fact]:
    """The catalogue's facts about the pump, with the patient's own device values where entered."""
    facts = [Fact("Kind", pump.kind.value.replace("_", " ")), Fact("Maker", pump.maker)]
    if device.reservoir_ml is not None:
        facts.append(
            Fact("Reservoir", f"{device.reservoir_ml.normalize():f} mL (entered for this device)")
        )
    else:
        facts.append(fact("Reservoir", pump.reservoir))
    if device.fixed_rate_ml_per_day is not None:
        facts.append(
            Fact(
                "Fixed rate",
                f"{device.fixed_rate_ml_per_day.normalize():f} mL/day (from the device label)",
            )
        )
    facts += [fact("Minimum rate", pump.min_rate), fact("Maximum rate", pump.max_rate)]
    if device.low_alarm_ml is not None:
        facts.append(
            Fact(
                "Low-reservoir alarm",
                f"{device.low_alarm_ml.normalize():f} mL (programmed on this pump)",
            )
        )
    else:
        facts.append(fact("Low-reservoir alarm", pump.low_reservoir_alarm))
    facts.append(fact("Refill discrepancy alarm", pump.refill_discrepancy_alarm))
    bolus = pump.patient_bolus
    bolus_text = f"yes, {bolus.device}" if bolus.capable else "no"
    if bolus.capable and bolus.limits:
        bolus_text += (
            f" ({bolus.limits})"
            if bolus.limits_known
            else f" (limits not in the catalogue: {bolus.limits})"
        )
    facts += [
        Fact("Patient bolus", bolus_text, bolus.provenance.describe()),
        fact("Battery", pump.battery),
        fact("End of service", pump.end_of_service),
        fact("MRI", pump.mri),
    ]
    facts += [fact("Note", note) for note in pump.notes]
    return facts


def cap_warning(pump: PumpModel) -> Fact | None:
    """The catheter access port warning for an implanted pump, sourced where the catalogue has it."""
    if pump.kind is PumpKind.EXTERNAL:
        return None
    for note in pump.notes:
        if "catheter access port" in note.value.lower():
            return Fact("CAP", f"{note.value} {CAP_DANGER}", note.provenance.describe())
    return Fact("CAP", f"{CAP_WARNING} {CAP_DANGER}")


def finding_rows(findings: tuple[Finding, ...]) -> list[dict[str, object]]:
    return [finding_record(f) for f in findings]


@dataclass(frozen=True)
class DrugLine:
    name: str
    concentration: str
    daily_dose: str
    with_boluses: str | None = None


@dataclass(frozen=True)
class ProgramSummary:
    version: ProgramVersion
    mode: str
    drugs: list[DrugLine]
    daily_volume: str = ""
    steps: list[tuple[str, str]] = field(default_factory=list)
    bolus: str | None = None
    problem: str | None = None

    @property
    def verdict(self) -> str:
        return str(VERDICT_WORDS.get(self.version.verdict, self.version.verdict))

    @property
    def headline(self) -> str:
        """'morphine 10 mg/mL, 2 mg/day' for tables and the printed worksheet."""
        return "; ".join(f"{d.name} {d.concentration}, {d.daily_dose}" for d in self.drugs)


def program_summary(version: ProgramVersion, catalogue: Catalogue) -> ProgramSummary:
    """A stored version in words: each drug's strength (as entered) and daily dose, the rate."""
    stored = list(version.drugs.all())
    mode = MODE_WORDS.get(version.mode, version.mode)
    try:
        program = core_program(version, catalogue)
    except ClinicalError as exc:
        lines = [
            DrugLine(d.drug_id, f"{d.concentration_mcg_per_ml.normalize():f} mcg/mL", "")
            for d in stored
        ]
        return ProgramSummary(
            version,
            mode,
            lines,
            problem=f"The library in force cannot rebuild this version: {exc}.",
        )
    lines = []
    for item, row in zip(program.per_drug(), stored, strict=True):
        high = str(item.max_daily_dose.rounded(4)) if program.bolus is not None else None
        lines.append(
            DrugLine(
                item.drug.id,
                shown_in(row.entered_unit, item.concentration),
                str(item.min_daily_dose.rounded(4)),
                high,
            )
        )
    primary = program.primary.drug
    steps = [
        (s.start_text, str(dose_rate(s_row.dose_mcg_per_day).to(primary.dose_rate_unit)))
        for s, s_row in zip(program.steps, version.steps.all(), strict=False)
        if version.mode == "flexible"
    ]
    bolus = None
    if program.bolus is not None:
        bolus = (
            f"{program.bolus.dose.to(primary.dose_unit)} a bolus, lockout {program.bolus.lockout_minutes} min, "
            f"at most {program.bolus.max_per_day} a day"
        )
    return ProgramSummary(
        version,
        mode,
        lines,
        str(program.basal_daily_volume().rounded(4)),
        steps,
        bolus,
    )
