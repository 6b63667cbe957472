"""The caregiver needs-and-burden check-in: ithaca's own short instrument (not the Zarit
interview, which needs a licence), scored per item and in total, with a flag that asks the
team to talk with the caregiver.

Each item asks how much something has been a problem lately, from 0 (not at all) to 4
(very much), so a higher total means more burden. The flag is raised when the total
reaches the clinic's level, or has risen by the clinic's number of points since this
caregiver's previous check-in. Both numbers are ithaca-policy defaults [U] until the clinic
sets its own: the flag prompts a conversation, it never blocks anything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ithaca.clinical.answers import check_ratings
from ithaca.clinical.decision_rules import CheckInRules, SchedulePoint
from ithaca.clinical.errors import ClinicalError

INSTRUMENT = "caregiver check-in"


class UnknownSchedulePoint(ClinicalError, LookupError):
    def __init__(self, given: str, known: Sequence[str]) -> None:
        super().__init__(given)
        self.given = given
        self.known = tuple(known)

    def __str__(self) -> str:
        return f"'{self.given}' is not a check-in point; choose one of: {', '.join(self.known)}"


def schedule_point(rules: CheckInRules, point_id: str) -> SchedulePoint:
    point = rules.point(point_id)
    if point is None:
        raise UnknownSchedulePoint(point_id, [p.label for p in rules.schedule])
    return point


@dataclass(frozen=True, slots=True)
class CheckInResult:
    answers: dict[str, int]
    total: int
    out_of: int
    previous_total: int | None  # this caregiver's previous check-in, if any
    flagged: bool
    reasons: tuple[str, ...]  # why it is flagged, each naming the clinic rule

    @property
    def change(self) -> int | None:
        return None if self.previous_total is None else self.total - self.previous_total


def score_checkin(
    rules: CheckInRules, answers: Mapping[str, int | None], previous_total: int | None = None
) -> CheckInResult:
    checked = check_ratings(INSTRUMENT, rules.items, rules.scale, answers)
    total = sum(checked.values())
    return CheckInResult(
        checked,
        total,
        rules.highest_total,
        previous_total,
        *_flag(rules, total, previous_total),
    )


def _flag(rules: CheckInRules, total: int, previous: int | None) -> tuple[bool, tuple[str, ...]]:
    reasons: list[str] = []
    level, rise = rules.flag_total.value, rules.flag_rise.value
    if total >= level:
        reasons.append(f"total {total} of {rules.highest_total} is at or above {level}")
    if previous is not None and total - previous >= rise:
        reasons.append(f"up {total - previous} points since the previous check-in ({previous})")
    return bool(reasons), tuple(reasons)


def flag_series(rules: CheckInRules, totals: Sequence[int]) -> list[bool]:
    """Whether each check-in in a caregiver's series (oldest first) would be flagged."""
    return [_flag(rules, total, totals[i - 1] if i else None)[0] for i, total in enumerate(totals)]
