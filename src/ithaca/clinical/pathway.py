"""The IDDS care pathway: its stages, the moves allowed between them, and why a patient waits.

The transition table is the whole rule: a reviewer can read every allowed move below. A
move that is not in it is refused with a named error. Every move carries a written reason
(the row stored for it is the audit trail of the pathway). Some stages are entered only
by recording the thing that defines them: a referral, an eligibility assessment, a
multidisciplinary decision, a trial or its waiver, a completed implant checklist; the
generic "move" is refused for those, so a stage never claims a record that does not exist.
"""

from __future__ import annotations

from enum import Enum

from ithaca.clinical.errors import IllegalTransition, TransitionNeedsReason, TransitionNeedsRecord


class Stage(Enum):
    IDENTIFIED = "identified"
    REFERRED = "referred"
    ASSESSED = "assessed"
    DECISION = "decision"
    TRIAL = "trial"
    TRIAL_WAIVED = "trial_waived"
    IMPLANT_PLANNED = "implant_planned"
    IMPLANTED = "implanted"
    TITRATION = "titration"
    MAINTENANCE = "maintenance"
    END_OF_LIFE_CARE = "end_of_life_care"
    EXPLANTED = "explanted"
    DECEASED = "deceased"
    DECLINED = "declined"
    NOT_ELIGIBLE = "not_eligible"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def has_device(self) -> bool:
        return self in {Stage.IMPLANTED, Stage.TITRATION, Stage.MAINTENANCE, Stage.END_OF_LIFE_CARE}

    @property
    def is_terminal(self) -> bool:
        return not TRANSITIONS[self]

    @property
    def before_implant(self) -> bool:
        """A stage where the patient is still waiting for therapy to start."""
        return self in _BEFORE_IMPLANT


_BEFORE_IMPLANT = frozenset(
    {
        Stage.IDENTIFIED,
        Stage.REFERRED,
        Stage.ASSESSED,
        Stage.DECISION,
        Stage.TRIAL,
        Stage.TRIAL_WAIVED,
        Stage.IMPLANT_PLANNED,
    }
)

# Leaving the pathway is possible from every stage before implant: the patient may decline,
# be found not eligible, or die waiting (Mitchell 2024: 17 of 75 who accepted IDDS
# deteriorated before it could start), so those exits are on every row.
_EXITS = frozenset({Stage.DECLINED, Stage.NOT_ELIGIBLE, Stage.DECEASED})

TRANSITIONS: dict[Stage, frozenset[Stage]] = {
    Stage.IDENTIFIED: frozenset({Stage.REFERRED}) | _EXITS,
    Stage.REFERRED: frozenset({Stage.ASSESSED}) | _EXITS,
    Stage.ASSESSED: frozenset({Stage.DECISION}) | _EXITS,
    Stage.DECISION: frozenset({Stage.TRIAL, Stage.TRIAL_WAIVED}) | _EXITS,
    # A failed trial ends in not eligible; a successful one leads to planning the implant.
    Stage.TRIAL: frozenset({Stage.IMPLANT_PLANNED}) | _EXITS,
    Stage.TRIAL_WAIVED: frozenset({Stage.IMPLANT_PLANNED}) | _EXITS,
    Stage.IMPLANT_PLANNED: frozenset({Stage.IMPLANTED}) | _EXITS,
    # Once a device is in, the exits are explant, end-of-life care and death.
    Stage.IMPLANTED: frozenset(
        {Stage.TITRATION, Stage.END_OF_LIFE_CARE, Stage.EXPLANTED, Stage.DECEASED}
    ),
    Stage.TITRATION: frozenset(
        {Stage.MAINTENANCE, Stage.END_OF_LIFE_CARE, Stage.EXPLANTED, Stage.DECEASED}
    ),
    # Progressing disease sends a stable patient back to titration.
    Stage.MAINTENANCE: frozenset(
        {Stage.TITRATION, Stage.END_OF_LIFE_CARE, Stage.EXPLANTED, Stage.DECEASED}
    ),
    Stage.END_OF_LIFE_CARE: frozenset({Stage.MAINTENANCE, Stage.EXPLANTED, Stage.DECEASED}),
    # A pump removed for infection may be replaced once the infection is treated.
    Stage.EXPLANTED: frozenset({Stage.IMPLANT_PLANNED, Stage.DECEASED}),
    # A patient who declined or was not eligible may be referred again when things change.
    Stage.DECLINED: frozenset({Stage.REFERRED, Stage.DECEASED}),
    Stage.NOT_ELIGIBLE: frozenset({Stage.REFERRED, Stage.DECEASED}),
    Stage.DECEASED: frozenset(),
}

# Stages entered only by recording what defines them, and the name of that record.
GATED: dict[Stage, str] = {
    Stage.REFERRED: "the referral form",
    Stage.ASSESSED: "an eligibility assessment",
    Stage.DECISION: "the multidisciplinary decision",
    Stage.TRIAL: "the trial",
    Stage.TRIAL_WAIVED: "the reason the trial was waived",
    Stage.IMPLANTED: "the completed implant checklist",
}


# Where a newly registered patient may start: at the beginning, or (a transfer from another
# service) already living with a device. Any other stage would claim a referral, an
# assessment or a decision that ithaca does not hold.
REGISTRATION_STAGES: tuple[Stage, ...] = (
    Stage.IDENTIFIED,
    Stage.IMPLANTED,
    Stage.TITRATION,
    Stage.MAINTENANCE,
    Stage.END_OF_LIFE_CARE,
)


def allowed_next(current: Stage) -> tuple[Stage, ...]:
    """The stages a patient may move to next, in the order the enumeration lists them."""
    return tuple(stage for stage in Stage if stage in TRANSITIONS[current])


def check_transition(current: Stage, target: Stage, reason: str, *, by_record: bool) -> str:
    """The cleaned reason, or a named error saying why the move cannot be made.

    `by_record` is True when the move is made by recording the stage's defining record
    (the referral, the assessment...), False for a plain move with a reason.
    """
    if target not in TRANSITIONS[current]:
        raise IllegalTransition(
            current.label, target.label, (s.label for s in allowed_next(current))
        )
    if target in GATED and not by_record:
        raise TransitionNeedsRecord(target.label, GATED[target])
    cleaned = " ".join(reason.split())
    if not cleaned:
        raise TransitionNeedsReason(target.label)
    return cleaned


class DelayReason(Enum):
    """Why a patient is waiting: the reasons the pain team records, to see where time goes."""

    PATIENT_UNDECIDED = "patient_undecided"
    CAREGIVER_CONCERNS = "caregiver_concerns"
    WAITING_FOR_IMAGING = "waiting_for_imaging"
    WAITING_FOR_BLOODS = "waiting_for_bloods"
    ANTICOAGULATION_HOLD = "anticoagulation_hold"
    INFECTION = "infection"
    UNWELL_OR_ADMITTED = "unwell_or_admitted"
    ONCOLOGY_TREATMENT = "oncology_treatment"
    BED_OR_THEATRE = "bed_or_theatre"
    FUNDING_APPROVAL = "funding_approval"
    DEVICE_OR_DRUG_SUPPLY = "device_or_drug_supply"
    TEAM_AVAILABILITY = "team_availability"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "patient_undecided": "Patient undecided",
            "caregiver_concerns": "Caregiver concerns",
            "waiting_for_imaging": "Waiting for imaging",
            "waiting_for_bloods": "Waiting for blood results",
            "anticoagulation_hold": "Anticoagulation hold",
            "infection": "Infection being treated",
            "unwell_or_admitted": "Patient unwell or admitted",
            "oncology_treatment": "Oncology treatment under way",
            "bed_or_theatre": "Bed or theatre availability",
            "funding_approval": "Funding approval",
            "device_or_drug_supply": "Device or drug supply",
            "team_availability": "Team availability",
            "other": "Other (see note)",
        }[self.value]
