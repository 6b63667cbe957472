"""The demonstration caseload: who is where on the pathway, and what happened to them.

A block of 40 patients is the unit of the demo: every pathway stage, every pump make in
the catalogue, one flagged residual discrepancy, one overdue refill, one battery at ERI.
Larger demos repeat the block with other people and other numbers. Dates are counted back
from today, so the clinic always has refills due, overdue and recently done.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from ithaca.clinical.factors import Route
from ithaca.clinical.pathway import Stage
from ithaca.patients.models import Prognosis
from ithaca.web.demo_people import Person, make_person

BLOCK = 40


@dataclass(frozen=True)
class Therapy:
    """How a pump is used: the drugs (a None strength is chosen from the dose, for a
    constant-flow pump), what the device itself needs entered, and any patient bolus."""

    pump: str
    drugs: tuple[tuple[str, str | None], ...]
    low_alarm_ml: str | None = None
    reservoir_ml: str | None = None
    fixed_rate_ml_per_day: str | None = None
    bolus: tuple[str, int, int] | None = None  # dose per bolus, lockout minutes, most a day
    typical_boluses: str = "0"
    flexible: bool = False
    min_dose: Decimal = Decimal("1.5")  # mg/day of the first drug
    max_dose: Decimal = Decimal("10")


THERAPIES = {
    "sm40-m25": Therapy("synchromed-ii-40", (("morphine", "25 mg/mL"),), low_alarm_ml="2"),
    "sm40-m10": Therapy("synchromed-ii-40", (("morphine", "10 mg/mL"),), low_alarm_ml="2"),
    "sm20-m10": Therapy("synchromed-ii-20", (("morphine", "10 mg/mL"),), low_alarm_ml="2"),
    "sm20-m10-flex": Therapy(
        "synchromed-ii-20", (("morphine", "10 mg/mL"),), low_alarm_ml="2", flexible=True
    ),
    "sm20-zic": Therapy("synchromed-ii-20", (("ziconotide", "25 mcg/mL"),), low_alarm_ml="2"),
    "sm40-m25-ptm": Therapy(
        "synchromed-ii-40",
        (("morphine", "25 mg/mL"),),
        low_alarm_ml="2",
        bolus=("0.25 mg", 120, 6),
        typical_boluses="2",
    ),
    "sm40-mb": Therapy(
        "synchromed-ii-40",
        (("morphine", "10 mg/mL"), ("bupivacaine", "15 mg/mL")),
        low_alarm_ml="2",
    ),
    "sm40-m25b": Therapy(
        "synchromed-ii-40",
        (("morphine", "25 mg/mL"), ("bupivacaine", "10 mg/mL")),
        low_alarm_ml="2",
        max_dose=Decimal(16),
    ),
    "pr20-m10": Therapy("prometra-ii-20", (("morphine", "10 mg/mL"),)),
    "pr20-m25-high": Therapy(
        "prometra-ii-20", (("morphine", "25 mg/mL"),), min_dose=Decimal(5), max_dose=Decimal(9)
    ),
    "pr40-m10-ptc": Therapy(
        "prometra-ii-40",
        (("morphine", "10 mg/mL"),),
        bolus=("0.2 mg", 180, 4),
        typical_boluses="1.5",
    ),
    "pr40-m25": Therapy("prometra-ii-40", (("morphine", "25 mg/mL"),)),
    "pr40-mb": Therapy("prometra-ii-40", (("morphine", "10 mg/mL"), ("bupivacaine", "10 mg/mL"))),
    "pr40-m10": Therapy("prometra-ii-40", (("morphine", "10 mg/mL"),)),
    "isomed-m": Therapy("isomed-20", (("morphine", None),), fixed_rate_ml_per_day="0.5"),
    "codman-m": Therapy(
        "codman-3000", (("morphine", None),), reservoir_ml="30", fixed_rate_ml_per_day="0.6"
    ),
    "external-mb": Therapy(
        "external-tunnelled",
        (("morphine", "2 mg/mL"), ("bupivacaine", "4 mg/mL")),
        reservoir_ml="100",
        low_alarm_ml="5",
        bolus=("0.5 mg", 60, 6),
        typical_boluses="2",
        max_dose=Decimal(6),
    ),
}

# Special stories: at most one patient a block has each.
DISCREPANCY = "discrepancy"  # a refill whose measured residual is flagged
OVERDUE = "overdue"  # missed the last refill: its due date has passed
ERI = "eri"  # SynchroMed battery at its elective replacement indicator
PENDING_CHECK = "pending_check"  # a new program version waiting for its double check
REJECTED = "rejected"  # a version the pharmacist rejected, then a corrected one
OVERRIDE = "override"  # an end-of-life escalation past a soft limit, with its reason
CAREGIVER = "caregiver"  # the demo caregiver's patient
INFECTION = "infection"  # explanted for a pump-pocket infection
POST_MORTEM = "post_mortem"  # died with the pump; removed after death


@dataclass(frozen=True)
class Slot:
    stage: Stage
    therapy: str | None = None
    special: frozenset[str] = frozenset()


def _slot(stage: Stage, therapy: str | None = None, *special: str) -> Slot:
    return Slot(stage, therapy, frozenset(special))


S = Stage
# The first 20 already hold every stage and every pump; the rest fill the caseload out.
SLOTS = (
    _slot(S.MAINTENANCE, "sm40-m25", DISCREPANCY),
    _slot(S.IDENTIFIED),
    _slot(S.MAINTENANCE, "pr20-m25-high", OVERDUE),
    _slot(S.REFERRED),
    _slot(S.END_OF_LIFE_CARE, "external-mb"),
    _slot(S.ASSESSED),
    _slot(S.TITRATION, "sm20-zic"),
    _slot(S.DECISION),
    _slot(S.IMPLANTED, "sm40-m10", PENDING_CHECK),
    _slot(S.TRIAL),
    _slot(S.MAINTENANCE, "isomed-m"),
    _slot(S.TRIAL_WAIVED),
    _slot(S.MAINTENANCE, "sm20-m10", ERI),
    _slot(S.IMPLANT_PLANNED),
    _slot(S.MAINTENANCE, "pr40-m10-ptc", CAREGIVER),
    _slot(S.EXPLANTED, "sm40-m10", INFECTION),
    _slot(S.DECEASED, "pr40-mb", POST_MORTEM),
    _slot(S.DECLINED),
    _slot(S.NOT_ELIGIBLE),
    _slot(S.MAINTENANCE, "codman-m"),
    _slot(S.TITRATION, "pr20-m10"),
    _slot(S.MAINTENANCE, "sm40-mb"),
    _slot(S.IDENTIFIED),
    _slot(S.TITRATION, "sm40-mb"),
    _slot(S.REFERRED),
    _slot(S.MAINTENANCE, "sm20-m10-flex"),
    _slot(S.END_OF_LIFE_CARE, "sm40-m25b", OVERRIDE),
    _slot(S.ASSESSED),
    _slot(S.TITRATION, "sm40-m10"),
    _slot(S.IDENTIFIED),
    _slot(S.MAINTENANCE, "sm40-m25-ptm"),
    _slot(S.DECISION),
    _slot(S.MAINTENANCE, "pr40-m25"),
    _slot(S.TRIAL),
    _slot(S.MAINTENANCE, "sm40-m10", REJECTED),
    _slot(S.REFERRED),
    _slot(S.MAINTENANCE, "pr20-m10"),
    _slot(S.IMPLANT_PLANNED),
    _slot(S.IMPLANTED, "pr40-m10"),
    _slot(S.DECEASED),
)
assert len(SLOTS) == BLOCK  # noqa: S101 - a module constant, checked once at import


@dataclass(frozen=True)
class RegimenSpec:
    opioid: str
    route: Route
    dose: str  # as a clinician types it: "80 mg/day", "25 mcg/h"
    started_on: date
    stopped_on: date | None = None
    stop_reason: str = ""


@dataclass(frozen=True)
class PainSpec:
    on: date
    minute: int  # minutes after midnight, clinic hours
    score: int
    note: str = ""


@dataclass
class Story:
    index: int
    slot: Slot
    person: Person
    first_seen: date
    implanted_on: date | None = None
    records_from: date | None = None  # the first fill ithaca holds (the implant day, unless older)
    ends_on: date | None = None  # the pump out of use (explant), if it is
    died_on: date | None = None
    responder: bool = True
    regimen: list[RegimenSpec] = field(default_factory=list)
    pain: list[PainSpec] = field(default_factory=list)
    journey: list[tuple[Stage, date]] = field(default_factory=list)  # see demo_pathway

    @property
    def stage(self) -> Stage:
        return self.slot.stage

    @property
    def special(self) -> frozenset[str]:
        return self.slot.special

    @property
    def therapy(self) -> Therapy | None:
        return THERAPIES[self.slot.therapy] if self.slot.therapy else None


PROGNOSES: dict[Stage, tuple[Prognosis, ...]] = {
    S.IDENTIFIED: (
        Prognosis.THREE_TO_6_MONTHS,
        Prognosis.SIX_TO_12_MONTHS,
        Prognosis.OVER_12_MONTHS,
        Prognosis.UNKNOWN,
    ),
    S.TRIAL_WAIVED: (Prognosis.THREE_TO_6_MONTHS,),
    S.END_OF_LIFE_CARE: (Prognosis.UNDER_1_MONTH, Prognosis.ONE_TO_3_MONTHS),
    S.DECEASED: (Prognosis.UNDER_1_MONTH,),
    S.NOT_ELIGIBLE: (Prognosis.UNDER_1_MONTH, Prognosis.ONE_TO_3_MONTHS),
    S.DECLINED: (Prognosis.SIX_TO_12_MONTHS, Prognosis.OVER_12_MONTHS),
}
DEFAULT_PROGNOSES = (
    Prognosis.THREE_TO_6_MONTHS,
    Prognosis.SIX_TO_12_MONTHS,
    Prognosis.OVER_12_MONTHS,
)
ECOG: dict[Stage, tuple[int, ...]] = {
    S.IDENTIFIED: (1, 2),
    S.END_OF_LIFE_CARE: (3, 4),
    S.DECEASED: (4,),
    S.NOT_ELIGIBLE: (3, 4),
    S.DECLINED: (1, 2),
}

# Days before today that the first contact with the pain team falls in, by stage.
FIRST_SEEN = {
    S.IDENTIFIED: (3, 40),
    S.REFERRED: (20, 70),
    S.ASSESSED: (30, 90),
    S.DECISION: (40, 100),
    S.TRIAL: (40, 110),
    S.TRIAL_WAIVED: (30, 80),
    S.IMPLANT_PLANNED: (50, 120),
    S.DECLINED: (30, 120),
    S.NOT_ELIGIBLE: (10, 60),
    S.DECEASED: (80, 150),
}
# Days before today of the implant, by stage (and for the special stories).
IMPLANTED = {
    S.IMPLANTED: (2, 10),
    S.TITRATION: (21, 56),
    S.MAINTENANCE: (120, 395),
    S.END_OF_LIFE_CARE: (120, 240),
    S.EXPLANTED: (240, 330),
    S.DECEASED: (180, 270),
}


def days(rng: random.Random, bounds: tuple[int, int]) -> timedelta:
    return timedelta(days=rng.randint(*bounds))


def make_story(rng: random.Random, index: int, today: date) -> Story:
    slot = SLOTS[index % BLOCK]
    stage = slot.stage
    prognosis = rng.choice(PROGNOSES.get(stage, DEFAULT_PROGNOSES))
    if slot.therapy == "external-mb":
        prognosis = Prognosis.UNDER_1_MONTH  # the reason an external system was chosen
    ecog = rng.choice(ECOG.get(stage, (1, 2, 3)))
    person = make_person(
        rng, index, today, prognosis=prognosis, ecog=ecog, needs_caregiver=CAREGIVER in slot.special
    )
    story = Story(index, slot, person, first_seen=today)
    if slot.therapy is None:
        story.first_seen = today - days(rng, FIRST_SEEN[stage])
        if stage is S.DECEASED:  # died awaiting the implant: the late referral the studies describe
            story.died_on = today - days(rng, (5, 40))
    else:
        _device_dates(rng, story, today)
    story.responder = rng.random() < 0.8
    story.regimen = regimen_for(rng, story)
    story.pain = pain_for(rng, story, today)
    return story


def _device_dates(rng: random.Random, story: Story, today: date) -> None:
    stage, special = story.stage, story.special
    bounds = IMPLANTED[stage]
    if OVERDUE in special:
        bounds = (300, 390)
    elif DISCREPANCY in special:
        bounds = (200, 390)
    elif story.slot.therapy == "external-mb":
        bounds = (14, 35)
    implanted = today - days(rng, bounds)
    story.implanted_on = story.records_from = implanted
    if ERI in special:
        # Implanted six years ago; ithaca's records start a year ago, with the first refill it saw.
        story.implanted_on = today - timedelta(days=6 * 365 + rng.randint(0, 200))
        story.records_from = today - days(rng, (355, 375))
    lead_in = (10, 30) if story.slot.therapy == "external-mb" else (30, 90)
    story.first_seen = story.implanted_on - days(rng, lead_in)
    if INFECTION in special:
        story.ends_on = today - days(rng, (60, 110))
    if POST_MORTEM in special:
        story.died_on = today - days(rng, (20, 60))
        story.ends_on = story.died_on + timedelta(days=2)


# Long-acting systemic opioids: name, route, unit, the doses clinicians prescribe.
LONG_ACTING = (
    ("oxycodone", Route.ORAL, "mg/day", (80, 100, 120, 160, 200, 240)),
    ("morphine", Route.ORAL, "mg/day", (120, 180, 200, 240, 300, 360)),
    ("hydromorphone", Route.ORAL, "mg/day", (24, 32, 48, 64)),
    ("fentanyl", Route.TRANSDERMAL, "mcg/h", (50, 75, 100, 125)),
    ("methadone", Route.ORAL, "mg/day", (20, 30, 40, 60)),
)
BREAKTHROUGH = (("morphine", "mg/day", (30, 40, 60, 90)), ("oxycodone", "mg/day", (20, 30, 40, 60)))
STOPPED_AT_IMPLANT = "Replaced by intrathecal therapy: systemic opioids stopped at the implant."


def regimen_for(rng: random.Random, story: Story) -> list[RegimenSpec]:
    """An earlier, lower long-acting dose; the escalated one; often a breakthrough opioid;
    stopped at the implant (most patients) and restarted after an explant."""
    opioid, route, unit, doses = rng.choices(LONG_ACTING, weights=(4, 4, 2, 3, 1))[0]
    current = rng.choice(doses)
    earlier = max(doses[0] // 2, round(current * rng.uniform(0.45, 0.7)))
    escalated_on = story.first_seen - days(rng, (7, 40))
    started_on = escalated_on - days(rng, (60, 200))
    implant = story.implanted_on
    items = [
        RegimenSpec(
            opioid,
            route,
            f"{earlier} {unit}",
            started_on,
            escalated_on,
            "Pain not controlled: dose increased.",
        ),
    ]
    current_stop = (implant, STOPPED_AT_IMPLANT) if implant else (None, "")
    items.append(RegimenSpec(opioid, route, f"{current} {unit}", escalated_on, *current_stop))
    if rng.random() < 0.6:
        name, bt_unit, bt_doses = rng.choice(BREAKTHROUGH)
        items.append(
            RegimenSpec(
                name, Route.ORAL, f"{rng.choice(bt_doses)} {bt_unit}", escalated_on, *current_stop
            )
        )
    if implant is not None:
        therapy = story.therapy
        if therapy is not None and therapy.drugs[0][0] == "ziconotide":
            # Ziconotide is not an opioid: the systemic opioid is tapered, not stopped.
            half = max(doses[0] // 2, current // 2)
            items.append(RegimenSpec(opioid, route, f"{half} {unit}", implant))
        elif rng.random() < 0.2:
            items.append(
                RegimenSpec("morphine", Route.ORAL, f"{rng.choice((10, 20))} mg/day", implant)
            )
    if story.ends_on is not None and story.died_on is None:
        items.append(RegimenSpec("fentanyl", Route.TRANSDERMAL, "50 mcg/h", story.ends_on))
    return items


NOTES_BEFORE = (
    "",
    "",
    "",
    "Pain on movement; sleep broken.",
    "Breakthrough doses 4-5 a day.",
    "Drowsy on current dose.",
)
NOTES_AFTER = (
    "",
    "",
    "",
    "Walking to the shops again.",
    "Sleeping through the night.",
    "Mild itch, settling.",
)


def pain_for(rng: random.Random, story: Story, today: date) -> list[PainSpec]:
    """NRS 0-10 every two to five weeks: high before the implant, falling after it for most."""
    last = min(d for d in (today, story.died_on) if d is not None)
    implant = story.implanted_on
    if (
        story.records_from is not None
    ):  # ithaca's record of a pump patient starts a little before its first fill
        start = story.records_from - days(rng, (20, 60))
    else:
        start = story.first_seen - days(rng, (0, 30))
    before = rng.uniform(6.2, 8.2)
    settled = rng.uniform(1.5, 3.4) if story.responder else rng.uniform(4.2, 5.8)
    scores: list[PainSpec] = []
    on = start
    while on <= last:
        scores.append(_score(rng, story, on, implant, before, settled))
        on += days(rng, (12, 32))
    if not scores or scores[-1].on < last - timedelta(days=3):
        scores.append(_score(rng, story, last, implant, before, settled))
    return scores


def _score(
    rng: random.Random, story: Story, on: date, implant: date | None, before: float, settled: float
) -> PainSpec:
    if implant is None or on < implant:
        level = before + rng.uniform(0, 1.2) * (
            1 if story.died_on and on > story.died_on - timedelta(days=30) else 0.5
        )
        note = rng.choice(NOTES_BEFORE)
    elif story.ends_on is not None and story.died_on is None and on >= story.ends_on:
        level, note = rng.uniform(5.5, 7.5), "Back on systemic opioids after the explant."
    else:
        since = (on - implant).days
        weight = min(1.0, since / 21)
        level = before * (1 - weight) + settled * weight - (1.0 if since < 3 else 0)
        if story.died_on is not None and on > story.died_on - timedelta(days=21):
            level += 1.5
        if story.stage is S.END_OF_LIFE_CARE and since > 60:
            level += rng.uniform(0.5, 2)
        note = rng.choice(NOTES_AFTER)
    score = max(0, min(10, round(level + rng.uniform(-0.8, 0.8))))
    return PainSpec(on, rng.randint(9 * 60, 16 * 60 + 30), score, note)
