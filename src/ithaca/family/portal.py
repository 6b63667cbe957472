"""What the portal shows for one patient, read from the stored records; it writes nothing.

The next refill is the pump's stored forecast (Device.next_due_on), the same date the team
sees; the contents are the double-checked program in force; the alarm advice comes from the
device catalogue (family.alarms). All words are in the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from ithaca.clinical.catalogue import Catalogue
from ithaca.clinical.errors import ClinicalError
from ithaca.clinical.pumps import PumpKind, PumpModel
from ithaca.clinical.quantities import Concentration, Unit
from ithaca.clinical.sourced import Sourced
from ithaca.devices.convert import shown_in
from ithaca.devices.library import catalogue_in_force
from ithaca.devices.models import Device, DeviceStatus
from ithaca.devices.queries import active_program
from ithaca.family.alarms import Advice, alarm_advice
from ithaca.family.models import TeamContact
from ithaca.patients.models import Patient

# Why the refill falls on that day, for a family: the forecast's limiting factor in words.
FACTOR_REASONS = {
    "low_reservoir_alarm": gettext_lazy(
        "It is set before the pump's low-reservoir alarm is due, so there is time to spare."
    ),
    "empty": gettext_lazy("It is set before the pump is expected to run empty."),
    "stability": gettext_lazy(
        "It is set by how long the medicine stays good in the pump, even if some is left."
    ),
    "clinic_max_interval": gettext_lazy(
        "It is set by the team's rule for the longest time between refills."
    ),
}

DRUG_NAMES = {
    "morphine": gettext_lazy("morphine"),
    "hydromorphone": gettext_lazy("hydromorphone"),
    "fentanyl": gettext_lazy("fentanyl"),
    "sufentanil": gettext_lazy("sufentanil"),
    "ziconotide": gettext_lazy("ziconotide"),
    "bupivacaine": gettext_lazy("bupivacaine"),
    "clonidine": gettext_lazy("clonidine"),
}

KIND_WORDS = {
    PumpKind.PROGRAMMABLE: gettext_lazy("a programmable pump under the skin"),
    PumpKind.CONSTANT_FLOW: gettext_lazy("a fixed-rate pump under the skin"),
    PumpKind.EXTERNAL: gettext_lazy("an external pump, worn outside the body"),
}


@dataclass(frozen=True)
class Held:
    drug: str
    strength: str


@dataclass
class PumpCard:
    device: Device
    name: str
    kind: str
    due_on: date | None
    days_left: int | None
    reason: str
    holds: list[Held] = field(default_factory=list)
    reservoir: str | None = None
    advice: list[Advice] = field(default_factory=list)

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0

    @property
    def days_overdue(self) -> int:
        return -(self.days_left or 0)

    @property
    def soon(self) -> bool:
        return self.days_left is not None and 0 <= self.days_left <= 7


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str
    when: str

    @property
    def dial(self) -> str:
        """The number as a tel: link wants it: digits and a leading plus only."""
        return "".join(ch for ch in self.phone if ch.isdigit() or ch == "+")


def pump_cards(patient: Patient, today: date | None = None) -> list[PumpCard]:
    today = today or timezone.localdate()
    catalogue = catalogue_in_force()
    devices = patient.devices.filter(status=DeviceStatus.ACTIVE).order_by("implanted_on", "pk")
    return [_card(device, catalogue, today) for device in devices]


def _card(device: Device, catalogue: Catalogue, today: date) -> PumpCard:
    try:
        pump: PumpModel | None = catalogue.pump(device.pump_model)
    except ClinicalError:
        pump = None
    due = device.next_due_on
    card = PumpCard(
        device=device,
        name=pump.name if pump else device.pump_model,
        kind=str(KIND_WORDS[pump.kind]) if pump else "",
        due_on=due,
        days_left=(due - today).days if due else None,
        reason=str(FACTOR_REASONS.get(device.next_due_factor, "")),
    )
    program = active_program(device)
    if program is not None:
        card.holds = [
            Held(
                str(DRUG_NAMES.get(d.drug_id, d.drug_id)),
                _strength(d.entered_unit, d.concentration_mcg_per_ml),
            )
            for d in program.drugs.all()
        ]
    card.reservoir = _reservoir(device, pump)
    card.advice = (
        alarm_advice(pump, device.eri_reported_on)
        if pump
        else [Advice(_("If the pump alarms, call the pain team straight away, day or night."))]
    )
    return card


def _strength(unit: str, mcg_per_ml: Decimal) -> str:
    """As the team entered it (10 mg/mL), not the stored canonical unit (10000 mcg/mL)."""
    return shown_in(unit, Concentration(Decimal(mcg_per_ml), Unit.MCG_PER_ML))


def _reservoir(device: Device, pump: PumpModel | None) -> str | None:
    if device.reservoir_ml is not None:
        return f"{device.reservoir_ml.normalize():f} mL"
    if pump is not None and isinstance(pump.reservoir, Sourced):
        return str(pump.reservoir.value)
    return None


def team_contacts() -> list[Contact]:
    language = get_language() or ""
    return [
        Contact(c.name_in(language), c.phone, str(c.get_when_display()))
        for c in TeamContact.objects.filter(active=True)
    ]


def cited(source_id: str) -> str:
    return catalogue_in_force().sources[source_id].short()


def urgent_sources() -> dict[str, str]:
    """What the warnings in the urgent-signs box rest on (the lists of signs themselves are
    general knowledge, and the box says so)."""
    return {
        "infection": f"{cited('sindt-2020')}; {cited('aprili-2009')}",
        "withdrawal": cited("medtronic-2011-advisory"),
        "breathing": cited("infumorph-label"),
        "why": cited("medtronic-2011-advisory"),
    }
