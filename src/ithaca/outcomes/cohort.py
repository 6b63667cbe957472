"""The cohort report's data: each patient's record read from the database in a handful of
bulk queries, filtered, and handed to the core (ithaca.clinical.cohort and .funnel).

The implant day is the earliest implant record's; without one, the first move into the
"implanted" stage. The system type is the implant record's ("not recorded" without one).
Death is the first move into "deceased". Filters: the period selects patients implanted in
it (outcomes, survival) and patients whose pathway began in it (the funnel); the diagnosis
filter matches the diagnosis text, ignoring case; the system type applies to the outcomes
after implant only, since the funnel's patients mostly have no system yet.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone

from ithaca.clinical.catalogue import Catalogue
from ithaca.clinical.cohort import (
    AdmissionSpan,
    CaregiverReading,
    CohortOutcomes,
    PatientRecord,
    cohort_outcomes,
)
from ithaca.clinical.errors import ClinicalError
from ithaca.clinical.factors import Route
from ithaca.clinical.funnel import FunnelRow, PathRecord, funnel
from ithaca.clinical.opioids import OpioidDose, oral_morphine_equivalent
from ithaca.clinical.outcomes import DoseChange, OpioidSpan
from ithaca.clinical.pathway import Stage
from ithaca.clinical.quantities import DoseRate, Unit
from ithaca.decisionaid.models import CaregiverCheckIn
from ithaca.devices.library import catalogue_in_force
from ithaca.devices.models import ProgramDrug
from ithaca.outcomes.models import Admission
from ithaca.pathway.models import ImplantRecord, SideEffectAssessment, StageMove, SystemType
from ithaca.patients.models import OpioidRegimenItem, PainScore, Patient

NOT_RECORDED = "not_recorded"
SYSTEM_CHOICES = [*SystemType.choices, (NOT_RECORDED, "Not recorded")]


@dataclass(frozen=True, slots=True)
class Filters:
    start: date | None = None
    end: date | None = None
    diagnosis: str = ""
    system: str = ""  # a SystemType value, NOT_RECORDED, or "" for all
    patient: int | None = None  # one patient's outcomes (the patient page)

    def in_period(self, on: date | None) -> bool:
        """Within the period; always, when no period is set."""
        if self.start is None and self.end is None:
            return True
        if on is None:
            return False
        return (self.start is None or on >= self.start) and (self.end is None or on <= self.end)

    def as_query(self) -> dict[str, str]:
        query = {"diagnosis": self.diagnosis, "system": self.system}
        query |= {"start": self.start.isoformat() if self.start else ""}
        query |= {"end": self.end.isoformat() if self.end else ""}
        return {k: v for k, v in query.items() if v}


@dataclass(frozen=True, slots=True)
class CohortReport:
    filters: Filters
    as_of: date
    patients: int  # after the diagnosis filter
    funnel_patients: int
    funnel: tuple[FunnelRow, ...]
    outcomes: CohortOutcomes
    records: tuple[PatientRecord, ...]
    rules_label: str
    library: str


@dataclass
class _Rows:
    """Each patient's rows, by kind, as the core's values."""

    pain: defaultdict[int, list[tuple[date, int]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    opioids: defaultdict[int, list[OpioidSpan]] = field(default_factory=lambda: defaultdict(list))
    doses: defaultdict[int, list[DoseChange]] = field(default_factory=lambda: defaultdict(list))
    admissions: defaultdict[int, list[AdmissionSpan]] = field(
        default_factory=lambda: defaultdict(list)
    )
    side_effects: defaultdict[int, list[tuple[date, bool]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    caregiver: defaultdict[int, list[CaregiverReading]] = field(
        default_factory=lambda: defaultdict(list)
    )


def _day(moment: datetime, tz: tzinfo) -> date:
    # The clinic's time zone is looked up once per report, not once per row: Django's
    # localtime() asks for the current zone on every call, a third of the time on a
    # million rows.
    return moment.astimezone(tz).date()


def build_report(filters: Filters, as_of: date | None = None) -> CohortReport:
    """The whole report, as values. The caller has checked VIEW_REPORTS."""
    as_of = as_of or timezone.localdate()
    catalogue = catalogue_in_force()
    patients = Patient.objects.all()
    if filters.patient is not None:
        patients = patients.filter(pk=filters.patient)
    if filters.diagnosis.strip():
        patients = patients.filter(diagnosis__icontains=filters.diagnosis.strip())
    ids = set(patients.values_list("pk", flat=True))
    tz = timezone.get_current_timezone()
    entered = _stage_dates(patients, tz)
    paths = [PathRecord(entered.get(pk, {})) for pk in ids]
    in_funnel = [p for p in paths if filters.in_period(_first(p))]
    implants = _implants(patients, entered)
    chosen = {
        pk: implant
        for pk, implant in implants.items()
        if (not filters.system or implant[1] == filters.system) and filters.in_period(implant[0])
    }
    records = _records(patients, chosen, entered, catalogue, tz)
    return CohortReport(
        filters=filters,
        as_of=as_of,
        patients=len(ids),
        funnel_patients=len(in_funnel),
        funnel=funnel(in_funnel),
        outcomes=cohort_outcomes(records, catalogue.outcomes, as_of),
        records=tuple(records),
        rules_label=catalogue.outcomes.label,
        library=catalogue.identity.describe(),
    )


def _first(path: PathRecord) -> date | None:
    return min(path.entered.values()) if path.entered else None


def _stage_dates(patients: QuerySet[Patient], tz: tzinfo) -> dict[int, dict[Stage, date]]:
    entered: dict[int, dict[Stage, date]] = defaultdict(dict)
    moves = StageMove.objects.filter(patient__in=patients).order_by("at", "pk")
    for pk, stage, at in moves.values_list("patient_id", "to_stage", "at").iterator(
        chunk_size=5000
    ):
        entered[pk].setdefault(Stage(stage), _day(at, tz))
    return entered


def _implants(
    patients: QuerySet[Patient], entered: dict[int, dict[Stage, date]]
) -> dict[int, tuple[date, str]]:
    implants: dict[int, tuple[date, str]] = {}
    rows = ImplantRecord.objects.filter(patient__in=patients).order_by("implanted_on", "pk")
    for pk, on, system in rows.values_list("patient_id", "implanted_on", "system"):
        implants.setdefault(pk, (on, system))
    for pk, stages in entered.items():
        if pk not in implants and Stage.IMPLANTED in stages:
            implants[pk] = (stages[Stage.IMPLANTED], NOT_RECORDED)
    return implants


def _records(
    patients: QuerySet[Patient],
    chosen: dict[int, tuple[date, str]],
    entered: dict[int, dict[Stage, date]],
    catalogue: Catalogue,
    tz: tzinfo,
) -> list[PatientRecord]:
    wanted = patients.filter(pk__in=list(chosen)) if len(chosen) < 900 else patients
    rows = _Rows()
    pain = PainScore.objects.filter(patient__in=wanted).values_list(
        "patient_id", "recorded_at", "score"
    )
    for pk, at, score in pain.iterator(chunk_size=20000):
        if pk in chosen:
            rows.pain[pk].append((_day(at, tz), score))
    convertible = _opioids(wanted, chosen, rows, catalogue)
    doses = ProgramDrug.objects.filter(
        position=0, program__device__patient__in=wanted, program__activated_at__isnull=False
    ).values_list(
        "program__device__patient_id",
        "program__activated_at",
        "drug_id",
        "program__daily_dose_mcg_per_day",
    )
    for pk, active_at, drug, dose in doses.iterator(chunk_size=5000):
        if pk in chosen and dose is not None and active_at is not None:
            rows.doses[pk].append(DoseChange(_day(active_at, tz), drug, Decimal(dose)))
    admissions = Admission.objects.filter(patient__in=wanted).values_list(
        "patient_id", "admitted_on", "discharged_on", "pain_related"
    )
    for pk, admitted, discharged, pain_related in admissions:
        rows.admissions[pk].append(AdmissionSpan(admitted, discharged, pain_related))
    effects = SideEffectAssessment.objects.filter(patient__in=wanted)
    for pk, assessed_at, limiting in effects.values_list("patient_id", "at", "dose_limiting"):
        rows.side_effects[pk].append((_day(assessed_at, tz), limiting))
    checkins = CaregiverCheckIn.objects.filter(patient__in=wanted)
    for pk, checked_at, total, out_of in checkins.values_list(
        "patient_id", "at", "total", "out_of"
    ):
        rows.caregiver[pk].append(CaregiverReading(_day(checked_at, tz), total, out_of))
    return [
        PatientRecord(
            key=str(pk),
            implanted_on=on,
            died_on=entered.get(pk, {}).get(Stage.DECEASED),
            pain=tuple(rows.pain[pk]),
            opioids=tuple(rows.opioids[pk]),
            opioids_convertible=pk not in convertible,
            doses=tuple(rows.doses[pk]),
            admissions=tuple(rows.admissions[pk]),
            side_effects=tuple(rows.side_effects[pk]),
            caregiver=tuple(rows.caregiver[pk]),
        )
        for pk, (on, _system) in sorted(chosen.items())
    ]


def _opioids(
    wanted: QuerySet[Patient],
    chosen: dict[int, tuple[date, str]],
    rows: _Rows,
    catalogue: Catalogue,
) -> set[int]:
    """Each regimen item's OME by the core (cached per distinct dose); returns the patients
    with an item the factor table in force cannot convert."""
    cache: dict[tuple[str, str, Decimal, str], Decimal | None] = {}
    failed: set[int] = set()
    items = OpioidRegimenItem.objects.filter(patient__in=wanted).values_list(
        "patient_id",
        "opioid",
        "route",
        "dose_mcg_per_day",
        "entered_unit",
        "started_on",
        "stopped_on",
    )
    for pk, opioid, route, mcg, unit, started, stopped in items.iterator(chunk_size=20000):
        if pk not in chosen:
            continue
        key = (opioid, route, Decimal(mcg), unit)
        if key not in cache:
            cache[key] = _ome(opioid, route, Decimal(mcg), unit, catalogue)
        ome = cache[key]
        if ome is None:
            failed.add(pk)
        else:
            rows.opioids[pk].append(OpioidSpan(started, stopped, ome))
    return failed


def _ome(opioid: str, route: str, mcg: Decimal, unit: str, catalogue: Catalogue) -> Decimal | None:
    try:
        entered = next(u for u in Unit if u.symbol == unit)
        dose = DoseRate(mcg, Unit.MCG_PER_DAY).to(entered)
        result = oral_morphine_equivalent([OpioidDose(opioid, Route(route), dose)], catalogue)
    except (ClinicalError, ValueError, StopIteration):
        return None
    return result.total.to(Unit.MG_PER_DAY).magnitude
