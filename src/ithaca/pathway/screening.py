"""The referral prompt from the record: gather the screen's inputs, ask the core, list who meets it.

The inputs are the latest pain score, the current oral morphine equivalent and the latest
side-effect assessment, each as of a given day. An OME the library cannot compute (an
opioid without a factor) is an unknown input with its reason shown, never a zero.
The worklist reads every candidate in a handful of queries: the latest pain score and
side-effect assessment come from correlated subqueries, the regimens from one prefetch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone

from ithaca.accounts.permissions import Action, require
from ithaca.audit.chain import record
from ithaca.audit.models import AuditAction
from ithaca.clinical.catalogue import Catalogue
from ithaca.clinical.errors import ClinicalError
from ithaca.clinical.pathway import Stage
from ithaca.clinical.quantities import DoseRate
from ithaca.clinical.screening import ScreeningInputs, ScreeningResult, ScreenOutcome, screen
from ithaca.devices.errors import ServiceRefusal
from ithaca.devices.library import catalogue_in_force
from ithaca.pathway.models import SideEffectAssessment, StageMove
from ithaca.patients.models import OpioidRegimenItem, PainScore, Patient
from ithaca.patients.services import active_on, ome_of

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@dataclass(frozen=True)
class PatientScreen:
    """A patient's screen, with why the OME is unknown when it is (the core's sentence)."""

    patient: Patient
    result: ScreeningResult
    ome_problem: str = ""
    stage_since: datetime | None = None

    @property
    def missing(self) -> list[str]:
        """What must be recorded before the screen can answer."""
        return [reason.text for reason in self.result.reasons if reason.met is None]


@dataclass(frozen=True)
class Worklist:
    met: list[PatientScreen] = field(default_factory=list)
    incomplete: list[PatientScreen] = field(default_factory=list)


def end_of(on: date) -> datetime:
    """The first instant after `on` in the clinic's time zone: 'as of a day' includes all of it."""
    return timezone.make_aware(datetime.combine(on + timedelta(days=1), time.min))


def _ome(
    items: list[OpioidRegimenItem], on: date, catalogue: Catalogue
) -> tuple[DoseRate | None, str]:
    """The current OME, or None with the reason. No regimen ever recorded is unknown; a regimen
    whose items have all stopped is a known 0 mg/day (the patient takes no systemic opioid)."""
    if not items:
        return None, ""
    # The service's own OME, with the library read once for a whole worklist.
    try:
        return ome_of(active_on(items, on), catalogue).total, ""
    except ClinicalError as exc:
        return None, f"The oral morphine equivalent cannot be computed: {exc}."


def _inputs(
    patient: Patient,
    on: date,
    catalogue: Catalogue,
    pain: tuple[int | None, datetime | None],
    dose_limiting: bool | None,
) -> tuple[ScreeningInputs, str]:
    score, when = pain
    ome, problem = _ome(list(patient.regimen.all()), on, catalogue)
    recorded_on = timezone.localdate(when).isoformat() if when is not None else None
    return ScreeningInputs(score, recorded_on, ome, dose_limiting), problem


def _latest_pain(patient: Patient, on: date) -> tuple[int | None, datetime | None]:
    latest = (
        PainScore.objects.filter(patient=patient, recorded_at__lt=end_of(on))
        .order_by("-recorded_at", "-pk")
        .first()
    )
    return (latest.score, latest.recorded_at) if latest is not None else (None, None)


def _latest_side_effects(patient: Patient, on: date) -> bool | None:
    latest = (
        SideEffectAssessment.objects.filter(patient=patient, at__lt=end_of(on))
        .order_by("-at", "-pk")
        .first()
    )
    return latest.dose_limiting if latest is not None else None


def _gather(patient: Patient, on: date, catalogue: Catalogue) -> tuple[ScreeningInputs, str]:
    pain = _latest_pain(patient, on)
    return _inputs(patient, on, catalogue, pain, _latest_side_effects(patient, on))


def screening_inputs(patient: Patient, on: date) -> ScreeningInputs:
    """The screen's inputs as the record stands at the end of `on`."""
    inputs, _problem = _gather(patient, on, catalogue_in_force())
    return inputs


def screen_patient(patient: Patient, on: date) -> PatientScreen:
    catalogue = catalogue_in_force()
    inputs, problem = _gather(patient, on, catalogue)
    return PatientScreen(patient, screen(inputs, catalogue.pathway.screening), problem)


def record_side_effects(
    user: User, patient: Patient, dose_limiting: bool, note: str = ""
) -> SideEffectAssessment:
    """Whether side effects stop the systemic opioid dose being raised, as assessed now."""
    require(user, Action.RECORD_SIDE_EFFECTS, patient)
    if not isinstance(dose_limiting, bool):
        raise TypeError(f"dose_limiting is True or False, not {type(dose_limiting).__name__}")
    cleaned = note.strip()
    if dose_limiting and not cleaned:
        # The screen counts this answer as meeting it on its own: say which side effects.
        raise ServiceRefusal(
            "Say which side effects stop the dose being raised (e.g. sedation, delirium).",
            field="note",
        )
    with transaction.atomic():
        assessment: SideEffectAssessment = SideEffectAssessment.objects.create(
            patient=patient, dose_limiting=dose_limiting, note=cleaned, at=timezone.now(), by=user
        )
        record(
            user,
            AuditAction.CREATE,
            "side_effect_assessment",
            assessment.pk,
            patient_id=patient.pk,
            detail={"dose_limiting": dose_limiting, "note": cleaned},
        )
    return assessment


def _candidates(on: date) -> QuerySet[Patient]:
    """Patients at IDENTIFIED with their latest pain score and side-effect answer annotated."""
    before = end_of(on)
    pain = PainScore.objects.filter(patient=OuterRef("pk"), recorded_at__lt=before).order_by(
        "-recorded_at", "-pk"
    )
    effects = SideEffectAssessment.objects.filter(patient=OuterRef("pk"), at__lt=before).order_by(
        "-at", "-pk"
    )
    since = StageMove.objects.filter(patient=OuterRef("pk")).order_by("-at", "-pk")
    return (
        Patient.objects.filter(pathway_stage=Stage.IDENTIFIED.value)
        .annotate(
            latest_pain=Subquery(pain.values("score")[:1]),
            latest_pain_at=Subquery(pain.values("recorded_at")[:1]),
            latest_dose_limiting=Subquery(effects.values("dose_limiting")[:1]),
            stage_since=Subquery(since.values("at")[:1]),
        )
        .prefetch_related(Prefetch("regimen", OpioidRegimenItem.objects.order_by("pk")))
    )


def referral_worklist(on: date) -> Worklist:
    """Identified patients who meet the screen, and those it cannot judge yet, longest waiting first."""
    catalogue = catalogue_in_force()
    rules = catalogue.pathway.screening
    worklist = Worklist()
    for patient in _candidates(on):
        # Annotated by _candidates; SQLite returns the boolean as 0 or 1.
        dose_limiting = getattr(patient, "latest_dose_limiting", None)
        pain = (getattr(patient, "latest_pain", None), getattr(patient, "latest_pain_at", None))
        inputs, problem = _inputs(
            patient, on, catalogue, pain, None if dose_limiting is None else bool(dose_limiting)
        )
        screened = PatientScreen(
            patient,
            screen(inputs, rules),
            problem,
            getattr(patient, "stage_since", None),
        )
        if screened.result.outcome is ScreenOutcome.MET:
            worklist.met.append(screened)
        elif screened.result.outcome is ScreenOutcome.INCOMPLETE:
            worklist.incomplete.append(screened)
    for rows in (worklist.met, worklist.incomplete):
        rows.sort(key=_waiting_order)
    return worklist


def _waiting_order(row: PatientScreen) -> tuple[datetime, str]:
    since = row.stage_since or timezone.now()
    return since, row.patient.family_name


def snapshot(screened: PatientScreen, rules_label: str) -> dict[str, object]:
    """The screen as stored with a referral: what it saw, what it said, and on what grounds."""
    result, inputs = screened.result, screened.result.inputs
    return {
        "outcome": result.outcome.value,
        "outcome_label": result.outcome.label,
        "rule": result.rule,
        "rules_version": rules_label,
        "inputs": {
            "pain_score": inputs.pain_score,
            "pain_recorded_on": inputs.pain_recorded_on,
            "ome": str(inputs.ome) if inputs.ome is not None else None,
            "ome_problem": screened.ome_problem,
            "dose_limiting_side_effects": inputs.dose_limiting_side_effects,
        },
        "reasons": [
            {
                "met": reason.met,
                "text": reason.text,
                "source_id": reason.provenance.source.id if reason.provenance else None,
                "source": reason.provenance.source.short() if reason.provenance else None,
                "mark": reason.provenance.confidence.value if reason.provenance else None,
            }
            for reason in result.reasons
        ],
    }
