"""Use cases for a patient's record: register, edit, contacts, pain scores, systemic opioids.

Each one checks permission with `require`, runs in one transaction and writes its audit
event in that same transaction, so a change and its record are stored together or not
at all. A refusal is a ServiceRefusal naming the form field at fault, in a sentence.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from ithaca.accounts.permissions import Action, require
from ithaca.audit.chain import record
from ithaca.audit.models import AuditAction
from ithaca.clinical.catalogue import Catalogue
from ithaca.clinical.errors import NoConversionFactor, UnknownOpioidRoute
from ithaca.clinical.factors import Route
from ithaca.clinical.opioids import OmeResult, OpioidDose, find_factor, oral_morphine_equivalent
from ithaca.clinical.pathway import REGISTRATION_STAGES, Stage
from ithaca.clinical.quantities import DoseRate, Unit
from ithaca.devices.errors import ServiceRefusal
from ithaca.devices.library import catalogue_in_force
from ithaca.pathway.moves import first_move
from ithaca.patients.models import Contact, OpioidRegimenItem, PainScore, Patient, Prognosis, Sex

EARLIEST_BIRTH = date(1900, 1, 1)
DOSE_PLACES = Decimal("0.000001")  # the dose_mcg_per_day column keeps six decimal places
LARGEST_DOSE_MCG_PER_DAY = Decimal("9999999999")  # what the column can hold


@dataclass(frozen=True)
class PatientDetails:
    """Everything about a patient that the details form edits."""

    hospital_number: str
    given_name: str
    family_name: str
    date_of_birth: date
    diagnosis: str
    sex: str = str(Sex.UNKNOWN)
    cancer_stage: str = ""
    ecog: int | None = None
    prognosis: str = str(Prognosis.UNKNOWN)
    phone: str = ""
    address: str = ""

    @classmethod
    def of(cls, patient: Patient) -> PatientDetails:
        return cls(**{f.name: getattr(patient, f.name) for f in fields(cls)})

    def cleaned(self) -> PatientDetails:
        texts = {
            f.name: getattr(self, f.name).strip()
            for f in fields(self)
            if isinstance(getattr(self, f.name), str)
        }
        return PatientDetails(**{**asdict(self), **texts})


def _validate(details: PatientDetails, patient_pk: int | None) -> None:
    for name, what in (
        ("hospital_number", "hospital number"),
        ("given_name", "given name"),
        ("family_name", "family name"),
        ("diagnosis", "cancer diagnosis"),
    ):
        if not getattr(details, name):
            raise ServiceRefusal(f"Enter the patient's {what}.", field=name)
    if details.date_of_birth > timezone.localdate():
        raise ServiceRefusal("A date of birth cannot be in the future.", field="date_of_birth")
    if details.date_of_birth < EARLIEST_BIRTH:
        raise ServiceRefusal(
            f"A date of birth before {EARLIEST_BIRTH.year} is a typing error.",
            field="date_of_birth",
        )
    if details.ecog is not None and not 0 <= details.ecog <= 4:
        raise ServiceRefusal("ECOG performance status is 0 to 4 (5 is death).", field="ecog")
    if details.sex not in Sex.values:
        raise ServiceRefusal("Choose the sex from the list.", field="sex")
    if details.prognosis not in Prognosis.values:
        raise ServiceRefusal("Choose the estimated prognosis from the list.", field="prognosis")
    taken = Patient.objects.filter(hospital_number=details.hospital_number)
    if patient_pk is not None:
        taken = taken.exclude(pk=patient_pk)
    if taken.exists():
        raise ServiceRefusal(_number_taken(details.hospital_number), field="hospital_number")


def _number_taken(number: str) -> str:
    return f"Hospital number {number} already belongs to another patient: search for them instead."


def register_patient(
    user: User,
    details: PatientDetails,
    pathway_stage: Stage = Stage.IDENTIFIED,
    *,
    stage_since: datetime | None = None,
) -> Patient:
    """Register a patient at a pathway stage; `stage_since` dates the stage when the patient
    reached it before ithaca knew them (a pump implanted elsewhere, say)."""
    require(user, Action.REGISTER_PATIENT)
    if pathway_stage not in REGISTRATION_STAGES:
        raise ServiceRefusal(
            f"A patient cannot be registered at {pathway_stage.label}: that stage is reached by "
            "recording its referral, assessment, decision or trial. Register at Identified, or "
            "at the patient's stage of therapy if they already have a pump.",
            field="pathway_stage",
        )
    if stage_since is not None and (timezone.is_naive(stage_since) or stage_since > timezone.now()):
        raise ServiceRefusal(
            "The date the patient reached this stage must be a past time with its zone.",
            field="stage_since",
        )
    details = details.cleaned()
    _validate(details, None)
    try:
        with transaction.atomic():
            patient: Patient = Patient.objects.create(
                **asdict(details), pathway_stage=pathway_stage.value
            )
            record(
                user,
                AuditAction.CREATE,
                "patient",
                patient.pk,
                patient_id=patient.pk,
                detail={
                    "hospital_number": patient.hospital_number,
                    "pathway_stage": pathway_stage.value,
                },
            )
            first_move(
                user, patient, pathway_stage, f"Registered at {pathway_stage.label}.", stage_since
            )
    except IntegrityError as exc:  # registered by someone else between the check and the save
        raise ServiceRefusal(
            _number_taken(details.hospital_number), field="hospital_number"
        ) from exc
    return patient


def update_patient(
    user: User, patient: Patient, details: PatientDetails, reason: str = ""
) -> Patient:
    """Change the details; the audit event keeps each changed field's old and new value."""
    require(user, Action.EDIT_PATIENT, patient)
    details = details.cleaned()
    _validate(details, patient.pk)
    try:
        with transaction.atomic():
            fresh: Patient = Patient.objects.select_for_update().get(pk=patient.pk)
            changed = {
                name: {"from": getattr(fresh, name), "to": value}
                for name, value in asdict(details).items()
                if getattr(fresh, name) != value
            }
            if not changed:
                return fresh
            for name, change in changed.items():
                setattr(fresh, name, change["to"])
            fresh.save(update_fields=[*changed, "updated_at"])
            record(
                user,
                AuditAction.CHANGE,
                "patient",
                fresh.pk,
                patient_id=fresh.pk,
                reason=reason.strip(),
                detail={"changed": changed},
            )
    except IntegrityError as exc:
        raise ServiceRefusal(
            _number_taken(details.hospital_number), field="hospital_number"
        ) from exc
    return fresh


def add_contact(
    user: User,
    patient: Patient,
    *,
    name: str,
    relationship: str,
    phone: str,
    is_caregiver: bool = False,
) -> Contact:
    require(user, Action.EDIT_PATIENT, patient)
    values = {"name": name.strip(), "relationship": relationship.strip(), "phone": phone.strip()}
    for field, text in values.items():
        if not text:
            raise ServiceRefusal(f"Enter the contact's {field}.", field=field)
    with transaction.atomic():
        contact: Contact = Contact.objects.create(
            patient=patient, is_caregiver=is_caregiver, **values
        )
        record(
            user,
            AuditAction.CREATE,
            "contact",
            contact.pk,
            patient_id=patient.pk,
            detail={"relationship": contact.relationship, "is_caregiver": is_caregiver},
        )
    return contact


def record_pain_score(
    user: User, patient: Patient, score: int, recorded_at: datetime, note: str = ""
) -> PainScore:
    """A 0-10 numeric rating scale score, at a time that has already happened."""
    require(user, Action.RECORD_PAIN_SCORE, patient)
    if isinstance(score, bool) or not isinstance(score, int):
        raise TypeError(f"a pain score is a whole number, not {type(score).__name__}")
    if not 0 <= score <= 10:
        raise ServiceRefusal(
            f"A pain score of {score} is not possible: the scale runs from 0 (no pain) to 10 (worst pain imaginable).",
            field="score",
        )
    if timezone.is_naive(recorded_at):
        raise ValueError("the time of a pain score must carry its time zone")
    if recorded_at > timezone.now():
        raise ServiceRefusal(
            "The score was given already, so its time cannot be in the future.", field="recorded_at"
        )
    with transaction.atomic():
        pain: PainScore = PainScore.objects.create(
            patient=patient,
            score=score,
            recorded_at=recorded_at,
            note=note.strip(),
            recorded_by=user,
        )
        record(
            user,
            AuditAction.CREATE,
            "pain_score",
            pain.pk,
            patient_id=patient.pk,
            detail={"score": score, "recorded_at": recorded_at.isoformat()},
        )
    return pain


def opioid_names(catalogue: Catalogue) -> list[str]:
    """Every opioid the library speaks of, including those it refuses to convert."""
    table = catalogue.factors.tables[catalogue.factors.default_table]
    named = {f.opioid for f in (*table.factors, *catalogue.factors.supplementary)}
    return sorted(named | set(catalogue.factors.no_factor))


def add_regimen_item(
    user: User,
    patient: Patient,
    *,
    opioid: str,
    route: Route,
    dose: DoseRate,
    started_on: date,
    reason: str = "",
) -> OpioidRegimenItem:
    """A systemic opioid the patient takes, only if the factor table in force can convert it."""
    require(user, Action.EDIT_REGIMEN, patient)
    name = opioid.strip().lower()
    catalogue = catalogue_in_force()
    table = catalogue.factors.tables[catalogue.factors.default_table]
    try:
        factor = find_factor(name, route, table, catalogue)
    except NoConversionFactor as exc:
        raise ServiceRefusal(str(exc), field="opioid") from None
    except UnknownOpioidRoute as exc:
        known_opioid = any(
            f.opioid == name for f in (*table.factors, *catalogue.factors.supplementary)
        )
        raise ServiceRefusal(str(exc), field="route" if known_opioid else "opioid") from None
    canonical = _canonical_dose(dose)
    if started_on > timezone.localdate():
        raise ServiceRefusal(
            "Record an opioid once it is started: the start date cannot be in the future.",
            field="started_on",
        )
    with transaction.atomic():
        item: OpioidRegimenItem = OpioidRegimenItem.objects.create(
            patient=patient,
            opioid=name,
            route=route.value,
            dose_mcg_per_day=canonical,
            entered_unit=dose.unit.symbol,
            started_on=started_on,
            recorded_by=user,
        )
        record(
            user,
            AuditAction.CREATE,
            "regimen_item",
            item.pk,
            patient_id=patient.pk,
            reason=reason.strip(),
            detail={
                "opioid": name,
                "route": route.value,
                "dose": str(dose),
                "started_on": started_on.isoformat(),
                "factor_table": table.id,
                "factor_per": factor.per.symbol,
            },
        )
    return item


def _canonical_dose(dose: DoseRate) -> Decimal:
    if not dose.is_positive():
        raise ServiceRefusal(
            f"A daily dose of {dose} is not possible: it must be above zero.", field="dose"
        )
    canonical = dose.canonical
    if canonical != canonical.quantize(DOSE_PLACES) or canonical > LARGEST_DOSE_MCG_PER_DAY:
        raise ServiceRefusal(
            f"{dose} cannot be stored exactly: check the number and the unit.", field="dose"
        )
    return canonical


def stop_regimen_item(
    user: User, item: OpioidRegimenItem, *, stopped_on: date, reason: str
) -> OpioidRegimenItem:
    require(user, Action.EDIT_REGIMEN, item.patient)
    if not reason.strip():
        raise ServiceRefusal(
            "Say why the opioid is stopped (e.g. replaced by the intrathecal dose).", field="reason"
        )
    if stopped_on > timezone.localdate():
        raise ServiceRefusal(
            "Record the stop once it has happened: the date cannot be in the future.",
            field="stopped_on",
        )
    if stopped_on < item.started_on:
        raise ServiceRefusal(
            f"It was started on {item.started_on}; it cannot stop before that.", field="stopped_on"
        )
    with transaction.atomic():
        fresh: OpioidRegimenItem = OpioidRegimenItem.objects.select_for_update().get(pk=item.pk)
        if fresh.stopped_on is not None:
            raise ServiceRefusal(
                f"This opioid was already recorded as stopped on {fresh.stopped_on}; nothing was changed."
            )
        fresh.stopped_on = stopped_on
        fresh.save(update_fields=["stopped_on"])
        record(
            user,
            AuditAction.CHANGE,
            "regimen_item",
            fresh.pk,
            patient_id=fresh.patient_id,
            reason=reason.strip(),
            detail={
                "stopped_on": stopped_on.isoformat(),
                "opioid": fresh.opioid,
                "route": fresh.route,
            },
        )
    return fresh


def active_on(items: Iterable[OpioidRegimenItem], on: date) -> list[OpioidRegimenItem]:
    """Items taken on `on`: started by then and not stopped (the stop day is not a day taken)."""
    return [i for i in items if i.started_on <= on and (i.stopped_on is None or i.stopped_on > on)]


def ome_of(items: Iterable[OpioidRegimenItem], catalogue: Catalogue) -> OmeResult:
    """The core's OME of these regimen items (callers choose which: `active_on` a day);
    a worklist passes one catalogue for all its patients."""
    doses = [OpioidDose(i.opioid, Route(i.route), i.dose) for i in items]
    return oral_morphine_equivalent(doses, catalogue)


def current_ome(patient: Patient, on: date) -> OmeResult:
    """The oral morphine equivalent of the systemic opioids taken on `on`, by the core.
    Raises the core's ClinicalError if the table in force cannot convert an item."""
    return ome_of(active_on(patient.regimen.all(), on), catalogue_in_force())


def ome_series(patient: Patient, until: date | None = None) -> list[tuple[date, Decimal]]:
    """Total OME in mg/day at every start and stop, and on `until` (today): a step series."""
    items = list(patient.regimen.all())
    if not items:
        return []
    until = until or timezone.localdate()
    changes = {i.started_on for i in items} | {
        i.stopped_on for i in items if i.stopped_on is not None
    }
    catalogue = catalogue_in_force()
    series = []
    for on in sorted(d for d in changes | {until} if d <= until):
        total = ome_of(active_on(items, on), catalogue).total.to(Unit.MG_PER_DAY)
        series.append((on, total.rounded(2).magnitude))
    return series
