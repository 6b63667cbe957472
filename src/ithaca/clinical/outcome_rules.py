"""The outcome rules, read from outcomes.toml: what counts as a clinically important change
in pain (Farrar 2001), and when after implant the outcomes are read.

The thresholds rest on Farrar 2001 [C]. The intervals and the windows around them are
ithaca-policy [U] defaults: no guideline gives them, so a clinic sets its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ithaca.clinical.datareader import Node
from ithaca.clinical.sourced import Sourced

MOST_MONTHS = 120  # ten years after implant: far beyond any cancer IDDS follow-up


@dataclass(frozen=True, slots=True)
class OutcomeRules:
    name: str
    version: str
    change_points: Sourced[int]  # a fall of at least this many NRS points is important
    change_percent: Sourced[Decimal]  # ... or a fall of at least this percentage of baseline
    intervals_months: Sourced[tuple[int, ...]]
    window_days: Sourced[int]
    baseline_days: Sourced[int]
    trajectory_months: Sourced[int]

    @property
    def label(self) -> str:
        return f"{self.name} {self.version}"


def read_outcome_rules(root: Node) -> OutcomeRules:
    node = root.child("outcomes")
    percent = node.child("nrs_change_percent")
    share = percent.decimal("value")
    if not 0 < share < 100:
        raise percent.fail("value", "a percentage between 0 and 100 is expected")
    return OutcomeRules(
        name=node.text("name"),
        version=node.text("version"),
        change_points=_whole(node, "nrs_change_points", 1, 10),
        change_percent=Sourced(share, percent.provenance()),
        intervals_months=_intervals(node.child("intervals")),
        window_days=_whole(node, "window_days", 1, 90),
        baseline_days=_whole(node, "baseline_days", 0, 365),
        trajectory_months=_whole(node, "trajectory_months", 1, MOST_MONTHS),
    )


def _whole(node: Node, key: str, lowest: int, highest: int) -> Sourced[int]:
    item = node.child(key)
    value = item.integer("value")
    if not lowest <= value <= highest:
        raise item.fail("value", f"a whole number from {lowest} to {highest} is expected")
    return Sourced(value, item.provenance())


def _intervals(node: Node) -> Sourced[tuple[int, ...]]:
    months = node.raw("months")
    if not isinstance(months, list) or not months:
        raise node.fail(
            "months", "a list of whole months after implant is expected, e.g. [1, 3, 6]"
        )
    if not all(isinstance(m, int) and not isinstance(m, bool) for m in months):
        raise node.fail("months", "each interval is a whole number of months")
    if any(not 1 <= m <= MOST_MONTHS for m in months) or sorted(set(months)) != months:
        raise node.fail(
            "months", f"intervals rise, without repeats, from 1 to {MOST_MONTHS} months"
        )
    return Sourced(tuple(int(m) for m in months), node.provenance())
