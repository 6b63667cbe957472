"""A patient's history over time: one list of what happened, newest first, and the plots
of it on the patient page (pain, OME, intrathecal daily dose, the reservoir to the next refill).

Each source is one bounded query; the lists are merged in memory.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from django.utils import timezone

from ithaca.clinical.catalogue import Catalogue
from ithaca.clinical.errors import ClinicalError
from ithaca.clinical.quantities import FlowRate, Unit, Volume
from ithaca.clinical.trajectory import reservoir_trajectory
from ithaca.devices.convert import core_program
from ithaca.devices.models import (
    Device,
    DeviceEvent,
    DeviceStatus,
    ProgramStatus,
    ProgramVersion,
    Refill,
)
from ithaca.patients.models import OpioidRegimenItem, PainScore, Patient
from ithaca.web import plots

Point = tuple[date, Decimal]


@dataclass(frozen=True)
class Entry:
    on: date
    at: datetime | None
    kind: str  # pain, regimen, device, program, refill: also the CSS class of the row
    title: str
    detail: str = ""
    by: str = ""
    url: str = ""

    @property
    def sort_key(self) -> tuple[date, time]:
        return (self.on, timezone.localtime(self.at).time() if self.at else time.min)


def who(user: object) -> str:
    profile = getattr(user, "profile", None)
    if profile is not None:
        return str(profile.display_name)
    return str(getattr(user, "username", ""))


def patient_timeline(patient: Patient, limit: int = 100) -> list[Entry]:
    """The newest `limit` things that happened to the patient, in date order, newest first."""
    entries = [
        *_pain(
            PainScore.objects.filter(patient=patient).select_related("recorded_by__profile")[:limit]
        ),
        *_regimen(
            OpioidRegimenItem.objects.filter(patient=patient).select_related(
                "recorded_by__profile"
            )[:limit]
        ),
        *_devices(Device.objects.filter(patient=patient)),
        *_device_events(
            DeviceEvent.objects.filter(device__patient=patient).select_related(
                "device", "recorded_by__profile"
            )[:limit]
        ),
        *_programs(
            ProgramVersion.objects.filter(device__patient=patient)
            .select_related("device", "prescribed_by__profile", "checked_by__profile")
            .order_by("-prescribed_at")[:limit]
        ),
        *_refills(
            Refill.objects.filter(device__patient=patient)
            .select_related("device", "performed_by__profile")
            .order_by("-performed_on")[:limit]
        ),
    ]
    entries.sort(key=lambda e: e.sort_key, reverse=True)
    return entries[:limit]


def _pain(scores: Iterable[PainScore]) -> list[Entry]:
    return [
        Entry(
            timezone.localdate(s.recorded_at),
            s.recorded_at,
            "pain",
            f"Pain score {s.score}/10",
            s.note,
            who(s.recorded_by),
        )
        for s in scores
    ]


def _regimen(items: Iterable[OpioidRegimenItem]) -> list[Entry]:
    entries = []
    for item in items:
        what = f"{item.opioid} {item.route} {item.dose}"
        entries.append(
            Entry(item.started_on, None, "regimen", f"Started {what}", "", who(item.recorded_by))
        )
        if item.stopped_on is not None:
            entries.append(Entry(item.stopped_on, None, "regimen", f"Stopped {what}"))
    return entries


def _devices(devices: Iterable[Device]) -> list[Entry]:
    entries = []
    for device in devices:
        url = f"/devices/{device.pk}/"
        tip = f"catheter tip {device.catheter_tip_level}" if device.catheter_tip_level else ""
        entries.append(
            Entry(device.implanted_on, None, "device", f"Pump implanted: {device}", tip, url=url)
        )
        if device.explanted_on is not None:
            entries.append(
                Entry(device.explanted_on, None, "device", f"Pump explanted: {device}", url=url)
            )
    return entries


def _device_events(events: Iterable[DeviceEvent]) -> list[Entry]:
    return [
        Entry(
            e.occurred_on,
            None,
            "device",
            f"{e.get_kind_display()} ({e.device})",
            e.description,
            who(e.recorded_by),
            f"/devices/{e.device_id}/",
        )
        for e in events
    ]


def _programs(versions: Iterable[ProgramVersion]) -> list[Entry]:
    entries = []
    for v in versions:
        url = f"/programs/{v.pk}/"
        entries.append(
            Entry(
                timezone.localdate(v.prescribed_at),
                v.prescribed_at,
                "program",
                f"Program v{v.number} prescribed ({v.device})",
                "",
                who(v.prescribed_by),
                url,
            )
        )
        if v.checked_at is not None and v.checked_by is not None:
            outcome = (
                "rejected at double check"
                if v.status == ProgramStatus.REJECTED
                else "double-checked and started"
            )
            entries.append(
                Entry(
                    timezone.localdate(v.checked_at),
                    v.checked_at,
                    "program",
                    f"Program v{v.number} {outcome}",
                    v.check_note,
                    who(v.checked_by),
                    url,
                )
            )
    return entries


def _refills(refills: Iterable[Refill]) -> list[Entry]:
    entries = []
    for r in refills:
        detail = f"{r.fill_volume_ml.normalize():f} mL filled; next due {r.next_due_on:%d %b %Y}"
        if r.flagged:
            detail += "; residual discrepancy flagged"
        title = "First fill" if r.first_fill else f"Refill {r.sequence}"
        entries.append(
            Entry(
                r.performed_on,
                None,
                "refill",
                f"{title} ({r.device})",
                detail,
                who(r.performed_by),
                f"/refills/{r.pk}/",
            )
        )
    return entries


@dataclass(frozen=True)
class DoseSeries:
    """Intrathecal daily dose of one drug, each value in force from the day it was activated."""

    drug: str  # the library's id: "morphine"
    name: str  # the library's name: "Morphine, preservative-free"
    unit: str
    points: list[Point] = field(default_factory=list)


def intrathecal_dose_series(
    patient: Patient, catalogue: Catalogue, until: date | None = None
) -> list[DoseSeries]:
    """The first drug's basal daily dose of every activated program version, one series per
    drug; each value holds until the next version starts (or until today, if still active)."""
    until = until or timezone.localdate()
    versions = list(
        ProgramVersion.objects.filter(device__patient=patient, activated_at__isnull=False)
        .select_related("device")
        .prefetch_related("drugs", "steps")
        .order_by("activated_at")
    )
    by_drug: dict[str, DoseSeries] = {}
    for index, version in enumerate(versions):
        program = core_program(version, catalogue)
        drug = program.primary.drug
        dose = program.basal_daily_dose(drug.id).to(drug.dose_rate_unit).rounded(4).magnitude
        series = by_drug.setdefault(
            drug.id, DoseSeries(drug.id, drug.name, drug.dose_rate_unit.symbol)
        )
        series.points.append((timezone.localdate(version.activated_at), dose))
        following = versions[index + 1] if index + 1 < len(versions) else None
        if following is not None and following.drugs.all()[0].drug_id == drug.id:
            continue  # the step to the next version's value closes this one
        end = _in_force_until(version, following, until)
        if end is not None and end > series.points[-1][0]:
            series.points.append((end, dose))
    return list(by_drug.values())


def _in_force_until(
    version: ProgramVersion, following: ProgramVersion | None, today: date
) -> date | None:
    if following is not None:
        started: date = timezone.localdate(following.activated_at)
        return started
    if version.status == ProgramStatus.ACTIVE and version.device.status == DeviceStatus.ACTIVE:
        return today
    explanted: date | None = version.device.explanted_on
    return explanted


def reservoir_points(refill: Refill, until: date | None = None) -> list[Point]:
    """Reservoir volume (mL) day by day from the refill to its next due date (or to `until`,
    if later, for an overdue refill), by the core; never past the day it is empty."""
    trajectory = reservoir_trajectory(
        Volume(Decimal(refill.fill_volume_ml), Unit.ML),
        refill.performed_on,
        FlowRate(Decimal(refill.daily_volume_ml), Unit.ML_PER_DAY),
        until=max(refill.next_due_on, until or refill.next_due_on),
    )
    return [(p.on, p.volume.to(Unit.ML).rounded(2).magnitude) for p in trajectory]


def pain_plot(scores: Iterable[PainScore]) -> str:
    return plots.line_plot(
        [(timezone.localdate(s.recorded_at), Decimal(s.score)) for s in scores],
        title="Pain scores",
        y_title="Pain (NRS 0-10)",
        y_max=Decimal(10),
        empty_text="No pain scores recorded yet.",
    )


def ome_plot(series: list[Point]) -> str:
    return plots.line_plot(
        series,
        title="Oral morphine equivalent of systemic opioids",
        y_title="OME (mg/day)",
        step=True,
        empty_text="No systemic opioids recorded.",
    )


def dose_plots(patient: Patient, catalogue: Catalogue, today: date) -> list[str]:
    """One plot per intrathecal drug; none if the library in force cannot rebuild a version."""
    try:
        series = intrathecal_dose_series(patient, catalogue, today)
    except ClinicalError:
        return []
    return [
        plots.line_plot(
            s.points,
            title=f"Intrathecal daily dose (basal): {s.name}",
            y_title=f"Intrathecal {s.drug} ({s.unit})",
            step=True,
        )
        for s in series
    ]


def reservoir_plot(device: Device, refill: Refill, today: date) -> str:
    """The reservoir from the refill to its next due date (to today, if overdue), with the due
    date and today marked."""
    due = refill.next_due_on
    markers = [plots.Marker(due, f"next refill due {plots.short_date(due)}")]
    if refill.performed_on < today != due:
        markers.append(plots.Marker(today, "today"))
    levels = []
    if device.low_alarm_ml:
        alarm = Decimal(device.low_alarm_ml)
        levels.append(plots.Level(alarm, f"low-reservoir alarm {alarm.normalize():f} mL"))
    try:
        points = reservoir_points(refill, until=today)
    except ClinicalError:
        return ""
    return plots.line_plot(
        points,
        title=f"Reservoir after the refill of {plots.short_date(refill.performed_on)}",
        y_title="Reservoir volume (mL)",
        markers=markers,
        levels=levels,
    )
