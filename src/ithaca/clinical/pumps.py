"""The device catalogue: implanted, constant-flow and external pumps."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import TypeVar

from ithaca.clinical.battery import ServiceLife
from ithaca.clinical.datareader import Node
from ithaca.clinical.quantities import FlowRate, Quantity, Volume
from ithaca.clinical.sourced import Sourced
from ithaca.clinical.sources import Provenance, Unknown

Q = TypeVar("Q", bound=Quantity)


class PumpKind(Enum):
    PROGRAMMABLE = "programmable"
    CONSTANT_FLOW = "constant_flow"
    EXTERNAL = "external"


class ProgramMode(Enum):
    SIMPLE_CONTINUOUS = "simple_continuous"
    FLEXIBLE = "flexible"
    PATIENT_BOLUS = "patient_bolus"


@dataclass(frozen=True, slots=True)
class BolusCapability:
    capable: bool
    device: str | None
    limits: str | None
    provenance: Provenance
    # Whether the catalogue holds the bolus device's own limits (maximum activations a day,
    # lockout, maximum bolus). False means the settings must be checked against its manual.
    limits_known: bool = True


@dataclass(frozen=True, slots=True)
class PumpModel:
    id: str
    name: str
    maker: str
    kind: PumpKind
    labelled_drugs: tuple[str, ...]
    labelled_provenance: Provenance | None
    reservoir: Sourced[Volume] | Unknown
    min_rate: Sourced[FlowRate] | Unknown
    max_rate: Sourced[FlowRate] | Unknown
    low_reservoir_alarm: Sourced[Volume] | Unknown
    refill_discrepancy_alarm: Sourced[Volume] | Unknown
    overinfusion_percent: Sourced[Decimal] | Unknown
    patient_bolus: BolusCapability
    modes: tuple[ProgramMode, ...]
    battery: Sourced[str] | Unknown
    end_of_service: Sourced[str] | Unknown
    service_life: ServiceLife | Unknown
    mri: Sourced[str] | Unknown
    notes: tuple[Sourced[str], ...]


def read_pump(pump_id: str, node: Node) -> PumpModel:
    try:
        kind = PumpKind(node.text("kind"))
    except ValueError:
        raise node.fail("kind", "must be programmable, constant_flow or external") from None
    try:
        modes = tuple(ProgramMode(m) for m in node.texts("modes"))
    except ValueError:
        raise node.fail("modes", f"modes are {', '.join(m.value for m in ProgramMode)}") from None
    bolus = node.child("patient_bolus")
    capable = bolus.boolean("capable")
    if capable and not bolus.has("limits_known"):
        raise bolus.fail(
            "limits_known", "say whether the bolus device's limits are known (true or false)"
        )
    return PumpModel(
        id=pump_id,
        name=node.text("name"),
        maker=node.text("maker"),
        kind=kind,
        labelled_drugs=node.texts("labelled_drugs"),
        labelled_provenance=(
            node.child("labelled_drugs_source").provenance()
            if node.has("labelled_drugs_source")
            else None
        ),
        reservoir=_quantity(node.child("reservoir"), Volume),
        min_rate=_quantity(node.child("min_rate"), FlowRate),
        max_rate=_quantity(node.child("max_rate"), FlowRate),
        low_reservoir_alarm=_quantity(node.child("low_reservoir_alarm"), Volume),
        refill_discrepancy_alarm=_quantity(node.child("refill_discrepancy_alarm"), Volume),
        overinfusion_percent=_decimal(node.child("overinfusion_percent")),
        patient_bolus=BolusCapability(
            capable=capable,
            device=bolus.optional_text("device"),
            limits=bolus.optional_text("limits"),
            provenance=bolus.provenance(),
            limits_known=bolus.boolean("limits_known") if bolus.has("limits_known") else True,
        ),
        modes=modes,
        battery=_text(node.child("battery")),
        end_of_service=_text(node.child("end_of_service")),
        service_life=_service_life(node.child("service_life")),
        mri=_text(node.child("mri")),
        notes=tuple(Sourced(n.text("text"), n.provenance()) for n in node.children("notes")),
    )


def _quantity(node: Node, kind: type[Q]) -> Sourced[Q] | Unknown:
    if node.is_unknown():
        return node.unknown()
    return Sourced(node.quantity("value", kind), node.provenance())


def _decimal(node: Node) -> Sourced[Decimal] | Unknown:
    if node.is_unknown():
        return node.unknown()
    return Sourced(node.decimal("value"), node.provenance())


def _text(node: Node) -> Sourced[str] | Unknown:
    if node.is_unknown():
        return node.unknown()
    return Sourced(node.text("value"), node.provenance())


def _service_life(node: Node) -> ServiceLife | Unknown:
    if node.is_unknown():
        return node.unknown()
    values = {
        key: node.integer(key)
        for key in ("typical_life_years_min", "eri_to_stop_days", "plan_before_stop_months")
    }
    for key, value in values.items():
        if value <= 0:
            raise node.fail(key, "must be above zero")
    return ServiceLife(provenance=node.provenance(), **values)
