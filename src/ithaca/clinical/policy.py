"""Clinic policy: the thresholds a clinic sets for itself, each with its basis."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from ithaca.clinical.datareader import Node
from ithaca.clinical.sourced import Sourced
from ithaca.clinical.sources import Enforcement, Unknown


class BolusScenario(Enum):
    """How many patient boluses to count when projecting a reservoir."""

    NONE = "none"
    TYPICAL = "typical"  # the number the patient usually takes, from the pump log
    MAXIMUM = "maximum"  # every bolus the program allows

    @property
    def words(self) -> str:
        return {
            "none": "no boluses",
            "typical": "typical boluses",
            "maximum": "every allowed bolus",
        }[self.value]


@dataclass(frozen=True, slots=True)
class ClinicPolicy:
    version: str
    residual_discrepancy_percent: Sourced[Decimal]
    max_dose_change_ratio: Sourced[Decimal]
    max_dose_change_enforcement: Enforcement
    max_refill_interval_days: Sourced[int] | Unknown
    bolus_planning: Sourced[BolusScenario]


def read_policy(node: Node) -> ClinicPolicy:
    policy = node.child("policy")
    change = policy.child("max_dose_change_ratio")
    change_provenance = change.provenance()
    ratio = change.decimal("value")
    if ratio <= 1:
        raise change.fail("value", "a dose-change ratio must be above 1")
    interval = policy.child("max_refill_interval_days")
    discrepancy = policy.child("residual_discrepancy_percent")
    percent = discrepancy.decimal("value")
    if not 0 < percent < 100:
        raise discrepancy.fail("value", "a percentage between 0 and 100 is expected")
    planning = policy.child("bolus_planning")
    try:
        scenario = BolusScenario(planning.text("value"))
    except ValueError:
        raise planning.fail("value", "must be none, typical or maximum") from None
    max_interval: Sourced[int] | Unknown
    if interval.is_unknown():
        max_interval = interval.unknown()
    else:
        days = interval.integer("value")
        if days <= 0:
            raise interval.fail("value", "must be at least one day")
        max_interval = Sourced(days, interval.provenance())
    return ClinicPolicy(
        version=policy.text("version"),
        residual_discrepancy_percent=Sourced(percent, discrepancy.provenance()),
        max_dose_change_ratio=Sourced(ratio, change_provenance),
        max_dose_change_enforcement=change.enforcement(change_provenance),
        max_refill_interval_days=max_interval,
        bolus_planning=Sourced(scenario, planning.provenance()),
    )
