"""Recording outcomes: registering a licensed instrument, scoring it, and admissions.

Each service checks the role, refuses in words what cannot be stored, and writes the row
and its audit event in one transaction. An instrument's answers are scored by the core
from the registered spec; the audit event holds the scores, never an item's wording
(ithaca has none to hold).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from ithaca.accounts.permissions import Action, require
from ithaca.audit.chain import record
from ithaca.audit.models import AuditAction
from ithaca.clinical.errors import ClinicalError
from ithaca.clinical.instruments import read_spec, score_instrument
from ithaca.devices.errors import ServiceRefusal
from ithaca.outcomes.models import Admission, AdmissionReason, InstrumentDefinition, InstrumentScore
from ithaca.patients.models import Patient

# The spec's keys: numbers and names only. A key for wording is refused, so item text
# cannot be slipped into the scoring rule.
SPEC_KEYS = {"items", "item_min", "item_max", "scoring", "minimum_answered", "subscales"}
SUBSCALE_KEYS = {"id", "items", "scoring", "minimum_answered"}


def register_instrument(
    user: User,
    *,
    identifier: str,
    name: str,
    version: str,
    licence_holder: str,
    licence_note: str,
    scoring: Mapping[str, object],
) -> InstrumentDefinition:
    require(user, Action.MANAGE_INSTRUMENTS)
    _numbers_only(scoring)
    try:
        read_spec(scoring)
    except ClinicalError as exc:
        raise ServiceRefusal(str(exc), field="scoring") from exc
    fields = {"identifier": identifier, "name": name, "version": version}
    fields |= {"licence_holder": licence_holder, "licence_note": licence_note}
    missing = [key for key, value in fields.items() if not value.strip()]
    if missing:
        raise ServiceRefusal(f"Give the instrument's {', '.join(missing)}.", field=missing[0])
    try:
        with transaction.atomic():
            definition = InstrumentDefinition.objects.create(
                **{k: v.strip() for k, v in fields.items()},
                scoring=dict(scoring),
                at=timezone.now(),
                by=user,
            )
            record(
                user,
                AuditAction.CREATE,
                "instrument_definition",
                definition.pk,
                detail={
                    "identifier": definition.identifier,
                    "version": definition.version,
                    "licence_holder": definition.licence_holder,
                    "scoring": dict(scoring),
                },
            )
    except IntegrityError:
        raise ServiceRefusal(
            f"{identifier} {version} is registered already: register a new version instead.",
            field="version",
        ) from None
    return definition


def _numbers_only(scoring: Mapping[str, object]) -> None:
    extra = set(scoring) - SPEC_KEYS
    subscales = scoring.get("subscales", [])
    if isinstance(subscales, list):
        for sub in subscales:
            if isinstance(sub, Mapping):
                extra |= set(sub) - SUBSCALE_KEYS
    if extra:
        raise ServiceRefusal(
            f"The scoring rule takes numbers and scale names only, not {', '.join(sorted(extra))}: "
            "ithaca never stores a licensed instrument's wording.",
            field="scoring",
        )


def record_instrument_score(
    user: User,
    patient: Patient,
    instrument: InstrumentDefinition,
    responses: Sequence[int | None],
    taken_at: datetime,
) -> InstrumentScore:
    require(user, Action.RECORD_OUTCOME, patient)
    if timezone.is_naive(taken_at) or taken_at > timezone.now():
        raise ServiceRefusal(
            "The answers were given already: give a past time with its zone.", field="taken_at"
        )
    try:
        result = score_instrument(instrument.identifier, read_spec(instrument.scoring), responses)
    except ClinicalError as exc:
        raise ServiceRefusal(str(exc), field="responses") from exc
    scores = {scale: str(value) for scale, value in result.scores.items()}
    with transaction.atomic():
        saved = InstrumentScore.objects.create(
            patient=patient,
            instrument=instrument,
            taken_at=taken_at,
            responses=list(responses),
            scores=scores,
            at=timezone.now(),
            by=user,
        )
        record(
            user,
            AuditAction.CREATE,
            "instrument_score",
            saved.pk,
            patient_id=patient.pk,
            detail={"instrument": str(instrument), "scores": scores, "answered": result.answered},
        )
    return saved


def record_admission(
    user: User,
    patient: Patient,
    *,
    admitted_on: date,
    reason: AdmissionReason | str,
    pain_related: bool,
    discharged_on: date | None = None,
) -> Admission:
    require(user, Action.RECORD_OUTCOME, patient)
    if admitted_on > timezone.localdate():
        raise ServiceRefusal("An admission is recorded once it has happened.", field="admitted_on")
    if discharged_on is not None and discharged_on < admitted_on:
        raise ServiceRefusal(
            "The discharge day comes after the admission day.", field="discharged_on"
        )
    if reason not in AdmissionReason.values:
        raise ServiceRefusal(f"'{reason}' is not a reason category.", field="reason")
    with transaction.atomic():
        admission = Admission.objects.create(
            patient=patient,
            admitted_on=admitted_on,
            discharged_on=discharged_on,
            reason=str(reason),
            pain_related=pain_related,
            at=timezone.now(),
            by=user,
        )
        record(
            user,
            AuditAction.CREATE,
            "admission",
            admission.pk,
            patient_id=patient.pk,
            detail={
                "admitted_on": admitted_on,
                "discharged_on": discharged_on,
                "reason": str(reason),
                "pain_related": pain_related,
            },
        )
    return admission


def record_discharge(user: User, admission: Admission, discharged_on: date) -> Admission:
    """The one change an admission takes: its discharge day, once."""
    require(user, Action.RECORD_OUTCOME, admission.patient)
    with transaction.atomic():
        fresh = Admission.objects.select_for_update().get(pk=admission.pk)
        if fresh.discharged_on is not None:
            raise ServiceRefusal(
                "This admission's discharge day is recorded already.", field="discharged_on"
            )
        if discharged_on < fresh.admitted_on or discharged_on > timezone.localdate():
            raise ServiceRefusal(
                "The discharge day lies between the admission and today.", field="discharged_on"
            )
        fresh.discharged_on = discharged_on
        fresh.save(update_fields=["discharged_on"])
        record(
            user,
            AuditAction.CHANGE,
            "admission",
            fresh.pk,
            patient_id=fresh.patient_id,
            detail={"discharged_on": discharged_on},
        )
    return fresh
