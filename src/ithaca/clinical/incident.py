"""A device incident summary: the facts a manufacturer's or regulator's report asks for.

Every value comes from the record (the device, the complication, the program and refill
in force on the event date); nothing is written for the clinician. A fact the record does
not hold is shown as "not recorded" and listed, so the reporter knows what to add before
sending. The patient is named by a local reference and age, never by name. The summary is
a starting point: each regulator's form differs, and the reporter checks it against the form.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ithaca.clinical.implant import ComplicationKind, InfectionDepth

NOT_RECORDED = "not recorded"
CHECK_AGAINST_FORM = (
    "Check every field against the regulator's and the manufacturer's own form before "
    "sending: this summary holds what ithaca recorded, and the forms ask for more."
)


@dataclass(frozen=True, slots=True)
class IncidentFacts:
    reference: str
    patient_reference: str
    date_of_birth: date | None
    sex: str | None
    device_name: str
    maker: str
    model: str
    serial: str
    implanted_on: date | None
    explanted_on: date | None
    catheter_tip_level: str
    event_on: date
    kind: ComplicationKind
    depth: InfectionDepth | None
    description: str
    drugs: tuple[str, ...]  # each drug and its concentration, as filled
    program: str  # the program in force on the event date, in words; "" if none
    last_refill: str  # the last refill on or before the event date, in words; "" if none
    device_events: tuple[str, ...]  # pump and catheter events recorded up to the event
    outcome: str
    actions: str
    recorded_by: str
    recorded_on: date


@dataclass(frozen=True, slots=True)
class Fact:
    label: str
    value: str
    recorded: bool = True


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    facts: tuple[Fact, ...]


@dataclass(frozen=True, slots=True)
class IncidentSummary:
    reference: str
    sections: tuple[Section, ...]
    device_events: tuple[str, ...]
    check_statement: str = CHECK_AGAINST_FORM

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(f.label for s in self.sections for f in s.facts if not f.recorded)


def age_on(born: date, on: date) -> int:
    """Whole years of age on a date."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _fact(label: str, value: str | date | None) -> Fact:
    text = value.isoformat() if isinstance(value, date) else (value or "").strip()
    return Fact(label, text, True) if text else Fact(label, NOT_RECORDED, False)


def incident_summary(facts: IncidentFacts) -> IncidentSummary:
    age = (
        str(age_on(facts.date_of_birth, facts.event_on))
        if facts.date_of_birth is not None and facts.date_of_birth <= facts.event_on
        else None
    )
    event = facts.kind.label + (f" ({facts.depth.label.lower()})" if facts.depth else "")
    sections = (
        Section(
            "Patient",
            (
                _fact("Local reference", facts.patient_reference),
                _fact("Age at the event (years)", age),
                _fact("Sex", facts.sex),
            ),
        ),
        Section(
            "Device",
            (
                _fact("Device", facts.device_name),
                _fact("Manufacturer", facts.maker),
                _fact("Model (catalogue id)", facts.model),
                _fact("Serial number", facts.serial),
                _fact("Implant date", facts.implanted_on),
                _fact("Explant date", facts.explanted_on or "not explanted (as recorded)"),
                _fact("Catheter tip level", facts.catheter_tip_level),
            ),
        ),
        Section(
            "Event",
            (
                _fact("Event date", facts.event_on),
                _fact("Event", event),
                _fact("Description (as recorded)", facts.description),
            ),
        ),
        Section(
            "Therapy at the time",
            (
                _fact("Drugs and concentrations in the pump", "; ".join(facts.drugs)),
                _fact("Program in force", facts.program),
                _fact("Last refill before the event", facts.last_refill),
            ),
        ),
        Section(
            "Outcome and actions",
            (
                _fact("Outcome (as recorded)", facts.outcome),
                _fact("Actions taken (as recorded)", facts.actions),
                _fact("Recorded by", f"{facts.recorded_by}, {facts.recorded_on.isoformat()}"),
            ),
        ),
    )
    return IncidentSummary(facts.reference, sections, facts.device_events)
