"""The clinic dashboard: what needs doing, for every pump in use.

Refills overdue and due soon (with what sets each date), programs and refills waiting for
their double check, flagged residual discrepancies, batteries nearing replacement.
Each section is one bounded query, so the page stays fast with ten thousand patients:
the latest refill of each pump comes from a correlated subquery on the unique
(device, sequence) index, never from a loop over pumps.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Generic, TypeVar

from django.contrib.auth.decorators import login_required
from django.db.models import Model, OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from ithaca.accounts.permissions import Action, require
from ithaca.devices.models import (
    Device,
    DeviceStatus,
    ProgramStatus,
    ProgramVersion,
    Refill,
    RefillStatus,
)
from ithaca.devices.views import factor_words

if TYPE_CHECKING:
    from ithaca.devices.battery import BatteryAlert

DUE_WITHIN_DAYS = 14
DISCREPANCY_DAYS = 90
T = TypeVar("T")
M = TypeVar("M", bound=Model)
# A section longer than this shows its most urgent rows and says how many more. At 10,000
# patients, rendering 300 rows a section made the page take about a second of CPU.
MOST_ROWS = 50


@dataclass(frozen=True)
class Due:
    refill: Refill
    today: date

    @property
    def due_on(self) -> date:
        """The device's current forecast: it moves when a new program is approved."""
        due: date = self.refill.device.next_due_on or self.refill.next_due_on
        return due

    @property
    def days_left(self) -> int:
        return (self.due_on - self.today).days

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def days_overdue(self) -> int:
        return -self.days_left

    @property
    def factor(self) -> str:
        return factor_words(self.refill.device.next_due_factor or self.refill.limiting_factor)


@dataclass(frozen=True)
class Section(Generic[T]):
    rows: list[T]
    total: int

    @property
    def hidden(self) -> int:
        return self.total - len(self.rows)


def _section(queryset: QuerySet[M]) -> Section[M]:
    rows = list(queryset[: MOST_ROWS + 1])
    if len(rows) <= MOST_ROWS:
        return Section(rows, len(rows))
    return Section(rows[:MOST_ROWS], queryset.count())


def latest_refills_due_by(horizon: date) -> QuerySet[Refill]:
    """The latest refill of each pump in use whose forecast next refill is due by `horizon`."""
    latest = Refill.objects.filter(device=OuterRef("pk")).order_by("-sequence")
    due_devices = (
        Device.objects.filter(status=DeviceStatus.ACTIVE, next_due_on__lte=horizon)
        .annotate(latest_id=Subquery(latest.values("pk")[:1]))
        .values("latest_id")
    )
    return (
        Refill.objects.filter(pk__in=due_devices)
        .select_related("device__patient")
        .defer("calculation")
        .order_by("device__next_due_on", "device__patient__family_name")
    )


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.VIEW_DASHBOARD)
    today = timezone.localdate()
    overdue = latest_refills_due_by(today - timedelta(days=1)).count()
    refills: Section[Refill] = _section(
        latest_refills_due_by(today + timedelta(days=DUE_WITHIN_DAYS))
    )
    context = {
        "today": today,
        "due_within": DUE_WITHIN_DAYS,
        "due": Section([Due(refill, today) for refill in refills.rows], refills.total),
        "overdue_total": overdue,
        "due_soon_total": refills.total - overdue,
        "programs": _section(
            ProgramVersion.objects.filter(status=ProgramStatus.AWAITING_CHECK)
            .select_related("device__patient", "prescribed_by__profile")
            .order_by("prescribed_at")
        ),
        "unverified": _section(
            Refill.objects.filter(status=RefillStatus.AWAITING_VERIFICATION)
            .select_related("device__patient", "performed_by__profile")
            .order_by("performed_on", "recorded_at")
        ),
        "discrepancies": _section(
            Refill.objects.filter(
                flagged=True, performed_on__gte=today - timedelta(days=DISCREPANCY_DAYS)
            )
            .select_related("device__patient", "performed_by__profile")
            .order_by("-performed_on")
        ),
        "discrepancy_days": DISCREPANCY_DAYS,
        "batteries": _batteries(today),
    }
    return render(request, "web/dashboard.html", context)


def _batteries(today: date) -> list[BatteryAlert]:
    from ithaca.devices.battery import nearing_replacement

    return nearing_replacement(today)
