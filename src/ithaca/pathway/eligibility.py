"""Recording the eligibility assessment: the core's findings, stored with their inputs.

The first assessment moves a referred patient to Assessed. An assessment made later (before
the implant) is a re-assessment: stored beside the first, with no move, because things
change while a patient waits (an infection, a new anticoagulant, a shorter prognosis).
Every finding is stored with its source, so the page shows what the team saw at the time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from ithaca.accounts.permissions import Action, require
from ithaca.audit.chain import record
from ithaca.audit.models import AuditAction
from ithaca.clinical.catalogue import Catalogue
from ithaca.clinical.eligibility import Assessment, EligibilityInputs, assess
from ithaca.clinical.errors import ClinicalError, InvalidEligibilityInputs, UnknownAnticoagulant
from ithaca.clinical.pathway import Stage
from ithaca.devices.library import catalogue_in_force
from ithaca.pathway.models import EligibilityAssessment
from ithaca.pathway.moves import move_patient
from ithaca.pathway.recording import locked, refusal, require_stage
from ithaca.patients.models import Patient

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# A re-assessment is useful up to the operation; after it, the pathway is about the pump.
REASSESS_STAGES = {
    Stage.ASSESSED,
    Stage.DECISION,
    Stage.TRIAL,
    Stage.TRIAL_WAIVED,
    Stage.IMPLANT_PLANNED,
}
ASSESS_STAGES = {Stage.REFERRED} | REASSESS_STAGES


def check_planned_drugs(inputs: EligibilityInputs, catalogue: Catalogue) -> None:
    for drug_id in inputs.planned_drugs or ():
        try:
            catalogue.drug(drug_id)
        except ClinicalError as exc:
            raise refusal(exc, "planned_drugs") from None


def assessed(inputs: EligibilityInputs, catalogue: Catalogue) -> Assessment:
    """The core's assessment; a refusal naming the input the core could not use."""
    check_planned_drugs(inputs, catalogue)
    try:
        return assess(inputs, catalogue.eligibility, on=timezone.localdate())
    except UnknownAnticoagulant as exc:
        raise refusal(exc, "anticoagulants") from None
    except InvalidEligibilityInputs as exc:
        raise refusal(exc, exc.field) from None


def assess_eligibility(
    user: User, patient: Patient, inputs: EligibilityInputs
) -> EligibilityAssessment:
    """Store the assessment; the first moves Referred to Assessed, a later one re-assesses."""
    require(user, Action.ASSESS_ELIGIBILITY, patient)
    catalogue = catalogue_in_force()
    result = assessed(inputs, catalogue)
    with transaction.atomic():
        fresh = locked(patient)
        stage = require_stage(
            fresh,
            ASSESS_STAGES,
            "an eligibility assessment",
            "after the referral, before the implant",
        )
        saved: EligibilityAssessment = EligibilityAssessment.objects.create(
            patient=fresh,
            inputs=inputs.to_dict(),
            result=result.to_dict(),
            outcome=result.outcome.value,
            suggested_system=result.suggested_system.value if result.suggested_system else "",
            rules_version=catalogue.eligibility.describe()[:120],
            library_hash=catalogue.identity.content_hash,
            at=timezone.now(),
            by=user,
        )
        _audit(user, saved, reassessment=stage is not Stage.REFERRED)
        if stage is Stage.REFERRED:
            move_patient(
                user,
                fresh,
                Stage.ASSESSED,
                f"Eligibility assessed: {result.outcome.value}.",
                expected_from=Stage.REFERRED,
                record_kind="assessment",
                record_id=saved.pk,
                at=saved.at,
            )
    patient.pathway_stage = fresh.pathway_stage
    return saved


def _audit(user: User, saved: EligibilityAssessment, *, reassessment: bool) -> None:
    record(
        user,
        AuditAction.CREATE,
        "eligibility_assessment",
        saved.pk,
        patient_id=saved.patient_id,
        detail={
            "outcome": saved.outcome,
            "suggested_system": saved.suggested_system,
            "rules_version": saved.rules_version,
            "library_hash": saved.library_hash,
            "reassessment": reassessment,
            "inputs": saved.inputs,
        },
    )
