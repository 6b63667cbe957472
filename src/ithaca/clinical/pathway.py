"""The stages of the IDDS care pathway, from the first warning sign to the end of therapy.

The transition table and its rules come with the pathway work; the stages are named here
so that every part of ithaca speaks of them the same way.
"""

from __future__ import annotations

from enum import Enum


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
