"""The demo patients' journeys along the care pathway: when each one entered each stage.

A journey runs from the day the pain team first saw the patient to the stage the story
puts them at, through the stages the transition table allows. Patients with a pump enter
"implanted" on their implant day; the others' moves are spread between the first contact
and a few days ago, so that some wait longer than the clinic's targets and the delays
view has something true to show. These are synthetic histories: every move's reason
says so, and none carries a clinical record (referral, assessment...) it did not have.
"""

from __future__ import annotations

import itertools
import random
from datetime import date, timedelta

from ithaca.clinical.pathway import TRANSITIONS, DelayReason, Stage
from ithaca.web.demo_story import INFECTION, POST_MORTEM, Story

S = Stage
BEFORE_IMPLANT = (S.IDENTIFIED, S.REFERRED, S.ASSESSED, S.DECISION)
# The stages walked to reach each stage that ends a journey before any implant.
ROUTES: dict[Stage, tuple[Stage, ...]] = {
    S.IDENTIFIED: (S.IDENTIFIED,),
    S.REFERRED: (S.IDENTIFIED, S.REFERRED),
    S.ASSESSED: (S.IDENTIFIED, S.REFERRED, S.ASSESSED),
    S.DECISION: BEFORE_IMPLANT,
    S.TRIAL: (*BEFORE_IMPLANT, S.TRIAL),
    S.TRIAL_WAIVED: (*BEFORE_IMPLANT, S.TRIAL_WAIVED),
    S.IMPLANT_PLANNED: (*BEFORE_IMPLANT, S.TRIAL, S.IMPLANT_PLANNED),
    S.DECLINED: (*BEFORE_IMPLANT, S.DECLINED),
    S.NOT_ELIGIBLE: (S.IDENTIFIED, S.REFERRED, S.ASSESSED, S.NOT_ELIGIBLE),
    S.DECEASED: (S.IDENTIFIED, S.REFERRED, S.ASSESSED, S.DECEASED),
}


def journey(story: Story, today: date) -> list[tuple[Stage, date]]:
    """Each stage the story's patient entered, with the day they entered it, oldest first."""
    rng = random.Random(f"pathway-{story.index}")  # noqa: S311 - synthetic data; apart from the story's own sequence
    if story.implanted_on is None:
        moves = _before_implant(rng, story, today)
    else:
        moves = _with_device(rng, story, today)
    _check(moves)
    return moves


def _before_implant(rng: random.Random, story: Story, today: date) -> list[tuple[Stage, date]]:
    route = ROUTES[story.stage]
    end = story.died_on if story.died_on is not None else today - timedelta(days=1)
    span = (end - story.first_seen).days
    # Distinct days after the first contact, one per later stage, the last one at `end`
    # for a death (the day it happened) and anywhere up to `end` otherwise.
    later = len(route) - 1
    if story.stage is S.DECEASED:
        days = [*sorted(rng.sample(range(1, span), later - 1)), span]
    else:
        days = sorted(rng.sample(range(1, span + 1), later))
    return [(route[0], story.first_seen)] + [
        (stage, story.first_seen + timedelta(days=d))
        for stage, d in zip(route[1:], days, strict=True)
    ]


def _with_device(rng: random.Random, story: Story, today: date) -> list[tuple[Stage, date]]:
    implanted = story.implanted_on
    assert implanted is not None  # noqa: S101 - only called for a story with a pump
    waived = story.slot.therapy == "external-mb"  # short prognosis: the trial was skipped
    route = (*BEFORE_IMPLANT, S.TRIAL_WAIVED if waived else S.TRIAL, S.IMPLANT_PLANNED)
    lead = (implanted - story.first_seen).days
    days = sorted(rng.sample(range(1, lead), len(route) - 1))
    moves = [(route[0], story.first_seen)] + [
        (stage, story.first_seen + timedelta(days=d))
        for stage, d in zip(route[1:], days, strict=True)
    ]
    moves.append((S.IMPLANTED, implanted))
    if story.stage is S.IMPLANTED:
        return moves
    titration = implanted + timedelta(days=rng.randint(1, 3))
    moves.append((S.TITRATION, titration))
    if story.stage is S.TITRATION:
        return moves
    stable = titration + timedelta(days=rng.randint(21, 50))
    if story.stage is S.END_OF_LIFE_CARE:
        # An external system goes in near the end: such a patient may never reach a
        # stable dose before end-of-life care begins.
        last_days = max(titration + timedelta(days=1), today - timedelta(days=rng.randint(5, 30)))
        if stable < last_days:
            moves.append((S.MAINTENANCE, stable))
        moves.append((S.END_OF_LIFE_CARE, last_days))
        return moves
    moves.append((S.MAINTENANCE, stable))
    if story.stage is S.EXPLANTED and INFECTION in story.special:
        assert story.ends_on is not None  # noqa: S101 - an explant story has its date
        moves.append((S.EXPLANTED, story.ends_on))
    elif story.stage is S.DECEASED and POST_MORTEM in story.special:
        assert story.died_on is not None  # noqa: S101 - a post-mortem story has its date
        moves.append((S.END_OF_LIFE_CARE, story.died_on - timedelta(days=rng.randint(7, 20))))
        moves.append((S.DECEASED, story.died_on))
    return moves


def _check(moves: list[tuple[Stage, date]]) -> None:
    """Every step allowed by the transition table, and no step back in time."""
    for (stage, on), (following, later) in itertools.pairwise(moves):
        if following not in TRANSITIONS[stage] or later < on:
            raise ValueError(f"demo journey breaks the pathway: {stage.value} -> {following.value}")


# Why some of the patients still waiting are waiting: the reasons the studies describe.
DELAYS: tuple[tuple[DelayReason, str], ...] = (
    (DelayReason.PATIENT_UNDECIDED, "Wants to talk it over with the family first."),
    (DelayReason.CAREGIVER_CONCERNS, "Daughter worried about who will manage the alarms."),
    (DelayReason.WAITING_FOR_IMAGING, "Spine MRI requested; no slot yet."),
    (DelayReason.ANTICOAGULATION_HOLD, "On apixaban for AF: cardiology to advise on stopping."),
    (DelayReason.FUNDING_APPROVAL, "Funding request sent to the commissioner."),
    (DelayReason.BED_OR_THEATRE, "No theatre list with the implanting surgeon this month."),
)


def delay_for(story: Story) -> tuple[DelayReason, str] | None:
    """A recorded reason for two in three of the patients waiting before implant."""
    if not story.stage.before_implant or story.index % 3 == 0:
        return None
    return DELAYS[story.index % len(DELAYS)]
