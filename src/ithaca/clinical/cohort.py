"""A cohort's outcomes after implant, summed from each patient's record.

Every figure carries the n it rests on. Survival is from the implant day to death; the
living are censored on `as_of` (the report's day), which assumes every death is recorded:
a patient lost to follow-up is counted alive until then. A patient is NOT censored at
explant: survival is the patient's, and removing a pump does not stop the follow-up of
the person who had it (the intention-to-treat view of Smith 2002's survival comparison).
A patient whose death is dated before their implant is left out of survival, and counted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from ithaca.clinical.outcome_rules import OutcomeRules
from ithaca.clinical.outcomes import (
    DoseChange,
    OpioidSpan,
    PainCourse,
    Reading,
    Summary,
    add_months,
    dose_in_force,
    is_due,
    ome_on,
    pain_course,
    summarise,
)
from ithaca.clinical.survival import KaplanMeier, Observation, kaplan_meier


@dataclass(frozen=True, slots=True)
class AdmissionSpan:
    admitted_on: date
    discharged_on: date | None  # None while still in hospital
    pain_related: bool


@dataclass(frozen=True, slots=True)
class CaregiverReading:
    on: date
    total: int
    out_of: int


@dataclass(frozen=True, slots=True)
class PatientRecord:
    key: str
    implanted_on: date | None
    died_on: date | None = None
    pain: tuple[Reading, ...] = ()
    opioids: tuple[OpioidSpan, ...] = ()
    opioids_convertible: bool = True  # False if an item has no conversion factor
    doses: tuple[DoseChange, ...] = ()
    admissions: tuple[AdmissionSpan, ...] = ()
    side_effects: tuple[tuple[date, bool], ...] = ()  # (day, dose-limiting)
    caregiver: tuple[CaregiverReading, ...] = ()

    def followed_until(self, as_of: date) -> date:
        return min(self.died_on, as_of) if self.died_on is not None else as_of


@dataclass(frozen=True, slots=True)
class PainRow:
    months: int
    due: int  # patients for whom the interval was reached alive
    read: int  # ... with a score in the window
    score: Summary
    change: Summary  # points fallen, among those with a baseline and a reading
    important: int  # clinically important fall by either threshold
    by_points: int
    by_percent: int


@dataclass(frozen=True, slots=True)
class OmeRow:
    months: int
    ome: Summary  # mg/day, among the due patients whose opioids all convert
    on_opioids_before: int  # of them, taking systemic opioids the day before implant
    stopped: int  # of those, taking none at the interval


@dataclass(frozen=True, slots=True)
class CohortOutcomes:
    as_of: date
    implanted: int
    pain_baseline: Summary
    pain: tuple[PainRow, ...]
    trajectory: tuple[tuple[int, Summary], ...]  # month after implant -> pain scores
    ome_before: Summary
    ome_not_convertible: int
    ome: tuple[OmeRow, ...]
    it_dose: dict[str, tuple[tuple[int, Summary], ...]]  # drug -> (month, mcg/day)
    admissions: int
    admissions_pain_related: int
    patients_admitted: int
    inpatient_days: Summary  # completed stays after implant
    limiting_before: tuple[int, int]  # (assessed before implant, dose-limiting)
    limiting_after: tuple[int, int]  # latest assessment after implant
    caregiver_change: Summary  # last − first total, same instrument length
    caregiver_rose: int
    caregiver_fell: int
    survival: KaplanMeier
    survival_excluded: int = 0
    notes: tuple[str, ...] = field(default=())


def cohort_outcomes(
    records: Sequence[PatientRecord], rules: OutcomeRules, as_of: date
) -> CohortOutcomes:
    implanted = [r for r in records if r.implanted_on is not None and r.implanted_on <= as_of]
    months = rules.intervals_months.value
    limiting_before, limiting_after = _side_effects(implanted)
    change, rose, fell = _caregiver(implanted)
    admitted = [a for r in implanted for a in r.admissions if a.admitted_on >= _implant(r)]
    observations, excluded = _observations(implanted, as_of)
    courses = _courses(implanted, rules, as_of)
    return CohortOutcomes(
        as_of=as_of,
        implanted=len(implanted),
        pain_baseline=summarise([c.baseline[1] for c in courses if c.baseline]),
        pain=tuple(_pain_row(courses, m) for m in months),
        trajectory=_trajectory(courses, rules),
        ome_before=summarise(
            [
                ome_on(r.opioids, _implant(r) - timedelta(days=1))
                for r in implanted
                if r.opioids_convertible
            ]
        ),
        ome_not_convertible=sum(1 for r in implanted if not r.opioids_convertible),
        ome=tuple(_ome_row(implanted, as_of, m) for m in months),
        it_dose=_it_dose(implanted, as_of, months),
        admissions=len(admitted),
        admissions_pain_related=sum(1 for a in admitted if a.pain_related),
        patients_admitted=sum(
            1 for r in implanted if any(a.admitted_on >= _implant(r) for a in r.admissions)
        ),
        inpatient_days=summarise(
            [(a.discharged_on - a.admitted_on).days for a in admitted if a.discharged_on]
        ),
        limiting_before=limiting_before,
        limiting_after=limiting_after,
        caregiver_change=change,
        caregiver_rose=rose,
        caregiver_fell=fell,
        survival=kaplan_meier(observations),
        survival_excluded=excluded,
    )


def _implant(record: PatientRecord) -> date:
    if record.implanted_on is None:  # pragma: no cover - only implanted records reach here
        raise ValueError(f"patient {record.key} has no implant date")
    return record.implanted_on


def _courses(
    records: Sequence[PatientRecord], rules: OutcomeRules, as_of: date
) -> list[PainCourse]:
    """Each patient's pain at every month read by the report: the intervals and each month
    of the trajectory, worked out once."""
    months = sorted(set(rules.intervals_months.value) | set(_trajectory_months(rules)))
    return [
        pain_course(r.pain, _implant(r), r.followed_until(as_of), rules, months) for r in records
    ]


def _trajectory_months(rules: OutcomeRules) -> list[int]:
    return list(range(1, rules.trajectory_months.value + 1))


def _pain_row(courses: Sequence[PainCourse], months: int) -> PainRow:
    intervals = [next(i for i in c.intervals if i.months == months) for c in courses]
    changes = [i.change for i in intervals if i.change is not None]
    return PainRow(
        months=months,
        due=sum(1 for i in intervals if i.due),
        read=sum(1 for i in intervals if i.reading is not None),
        score=summarise([i.reading[1] for i in intervals if i.reading is not None]),
        change=summarise([c.points for c in changes]),
        important=sum(1 for c in changes if c.important),
        by_points=sum(1 for c in changes if c.meets_points),
        by_percent=sum(1 for c in changes if c.meets_percent),
    )


def _trajectory(
    courses: Sequence[PainCourse], rules: OutcomeRules
) -> tuple[tuple[int, Summary], ...]:
    months = _trajectory_months(rules)
    scores: dict[int, list[int]] = defaultdict(list)
    for course in courses:
        if course.baseline is not None:
            scores[0].append(course.baseline[1])
        for interval in course.intervals:
            if interval.reading is not None and interval.months in months:
                scores[interval.months].append(interval.reading[1])
    return tuple((m, summarise(scores[m])) for m in [0, *months])


def _ome_row(records: Sequence[PatientRecord], as_of: date, months: int) -> OmeRow:
    values, before_on, stopped = [], 0, 0
    for r in records:
        target = add_months(_implant(r), months)
        if not r.opioids_convertible or not is_due(target, r.followed_until(as_of)):
            continue
        after = ome_on(r.opioids, target)
        values.append(after)
        if ome_on(r.opioids, _implant(r) - timedelta(days=1)) > 0:
            before_on += 1
            stopped += after == 0
    return OmeRow(months, summarise(values), before_on, stopped)


def _it_dose(
    records: Sequence[PatientRecord], as_of: date, months: Sequence[int]
) -> dict[str, tuple[tuple[int, Summary], ...]]:
    by_drug: dict[str, dict[int, list[Decimal]]] = defaultdict(lambda: defaultdict(list))
    for r in records:
        for m in months:
            target = add_months(_implant(r), m)
            dose = (
                dose_in_force(r.doses, target) if is_due(target, r.followed_until(as_of)) else None
            )
            if dose is not None:
                by_drug[dose.drug][m].append(dose.mcg_per_day)
    return {
        drug: tuple((m, summarise(per_month[m])) for m in months)
        for drug, per_month in sorted(by_drug.items())
    }


def _side_effects(records: Sequence[PatientRecord]) -> tuple[tuple[int, int], tuple[int, int]]:
    before = [max(s) for r in records if (s := [e for e in r.side_effects if e[0] < _implant(r)])]
    after = [max(s) for r in records if (s := [e for e in r.side_effects if e[0] >= _implant(r)])]
    return (len(before), sum(1 for e in before if e[1])), (
        len(after),
        sum(1 for e in after if e[1]),
    )


def _caregiver(records: Sequence[PatientRecord]) -> tuple[Summary, int, int]:
    changes = []
    for r in records:
        series = sorted(r.caregiver, key=lambda c: c.on)
        if len(series) >= 2 and series[0].out_of == series[-1].out_of:
            changes.append(series[-1].total - series[0].total)
    return summarise(changes), sum(1 for c in changes if c > 0), sum(1 for c in changes if c < 0)


def _observations(records: Sequence[PatientRecord], as_of: date) -> tuple[list[Observation], int]:
    observations, excluded = [], 0
    for r in records:
        end = r.followed_until(as_of)
        if end < _implant(r):
            excluded += 1
            continue
        observations.append(
            Observation((end - _implant(r)).days, r.died_on is not None and r.died_on <= as_of)
        )
    return observations, excluded
