"""The cost panel on the eligibility result page: one patient's expected cost by option."""

from __future__ import annotations

from typing import Any

from ithaca.devices.library import catalogue_in_force
from ithaca.economics.report import patient_panel
from ithaca.pathway.models import EligibilityAssessment


def patient_cost_panel(assessment: EligibilityAssessment) -> dict[str, Any]:
    months = assessment.inputs.get("life_expectancy_months")
    return patient_panel(
        catalogue_in_force().economics,
        assessment.suggested_system,
        months if isinstance(months, int) else None,
    )
