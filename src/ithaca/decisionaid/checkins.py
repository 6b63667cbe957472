"""Recording a caregiver's check-in, and each caregiver's trend over time.

A check-in is compared with the same caregiver's previous one (the name compared without
regard to case or spacing): two caregivers of one patient carry different loads, and a
rise is only meaningful within one person's series.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ithaca.accounts.permissions import Action, require
from ithaca.audit.chain import record
from ithaca.audit.models import AuditAction
from ithaca.clinical.caregiver import schedule_point, score_checkin
from ithaca.clinical.errors import ClinicalError
from ithaca.decisionaid.models import CaregiverCheckIn
from ithaca.devices.errors import ServiceRefusal
from ithaca.devices.library import catalogue_in_force
from ithaca.pathway.recording import locked, refusal
from ithaca.patients.models import Patient
from ithaca.web.plots import Level, line_plot

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


def caregiver_key(name: str) -> str:
    return " ".join(name.split()).casefold()


@dataclass(frozen=True)
class CheckInRequest:
    caregiver_name: str
    relationship: str
    schedule_point: str
    answers: Mapping[str, int | None]
    note: str = ""


def record_checkin(user: User, patient: Patient, request: CheckInRequest) -> CaregiverCheckIn:
    require(user, Action.RECORD_CAREGIVER_CHECKIN, patient)
    catalogue = catalogue_in_force()
    rules = catalogue.decision_aid.checkin
    name = " ".join(request.caregiver_name.split())
    relationship = " ".join(request.relationship.split())
    if not name:
        raise ServiceRefusal("Write the caregiver's name.", field="caregiver_name")
    if not relationship:
        raise ServiceRefusal(
            "Write how the caregiver is related to the patient (e.g. daughter, husband, friend).",
            field="relationship",
        )
    try:
        point = schedule_point(rules, request.schedule_point)
    except ClinicalError as exc:
        raise refusal(exc, "schedule_point") from None
    with transaction.atomic():
        fresh = locked(patient)
        key = caregiver_key(name)
        previous = (
            CaregiverCheckIn.objects.filter(patient=fresh, caregiver_key=key)
            .order_by("-at", "-pk")
            .first()
        )
        try:
            result = score_checkin(
                rules, request.answers, previous.total if previous is not None else None
            )
        except ClinicalError as exc:
            raise refusal(exc, "answers") from None
        labels = rules.scale.labels
        saved: CaregiverCheckIn = CaregiverCheckIn.objects.create(
            patient=fresh,
            caregiver_name=name,
            caregiver_key=key,
            relationship=relationship,
            schedule_point=point.id,
            answers=[
                {
                    "id": i.id,
                    "text": i.text,
                    "score": result.answers[i.id],
                    "label": labels[result.answers[i.id]],
                }
                for i in rules.items
            ],
            total=result.total,
            out_of=result.out_of,
            previous_total=result.previous_total,
            flagged=result.flagged,
            flag_reasons=list(result.reasons),
            note=request.note.strip(),
            rules_version=catalogue.decision_aid.label,
            library_hash=catalogue.identity.content_hash,
            at=timezone.now(),
            by=user,
        )
        record(
            user,
            AuditAction.CREATE,
            "caregiver_checkin",
            saved.pk,
            patient_id=fresh.pk,
            detail={
                "caregiver": name,
                "relationship": relationship,
                "schedule_point": point.id,
                "answers": dict(result.answers),
                "total": result.total,
                "previous_total": result.previous_total,
                "flagged": result.flagged,
                "flag_reasons": list(result.reasons),
            },
        )
    return saved


@dataclass(frozen=True)
class Series:
    """One caregiver's check-ins, oldest first, with the plot of their totals."""

    name: str
    relationship: str
    checkins: list[CaregiverCheckIn]
    svg: str

    @property
    def latest(self) -> CaregiverCheckIn:
        return self.checkins[-1]


def trends(
    user: User | AnonymousUser, patient: Patient, *, title: str, y_title: str, level_label: str
) -> list[Series]:
    """Each caregiver's series, with the clinic's flag level drawn as a line. Team only: a
    caregiver's answers are confided to the team, not shown to other family accounts."""
    require(user, Action.VIEW_PATHWAY, patient)
    rules = catalogue_in_force().decision_aid.checkin
    by_key: dict[str, list[CaregiverCheckIn]] = {}
    rows = CaregiverCheckIn.objects.filter(patient=patient).select_related("by__profile")
    for checkin in rows.order_by("at", "pk"):
        by_key.setdefault(checkin.caregiver_key, []).append(checkin)
    series = []
    for checkins in by_key.values():
        latest = checkins[-1]
        points = [(timezone.localtime(c.at).date(), Decimal(c.total)) for c in checkins]
        svg = line_plot(
            points,
            title=f"{title}: {latest.caregiver_name}",
            y_title=y_title,
            y_max=Decimal(latest.out_of),
            levels=[Level(Decimal(rules.flag_total.value), level_label)],
        )
        series.append(Series(latest.caregiver_name, latest.relationship, checkins, svg))
    return series


def plot_words() -> dict[str, str]:
    """The trend plot's title and labels, in the language of the page."""
    rules = catalogue_in_force().decision_aid.checkin
    return {
        "title": _("Caregiver check-in total"),
        "y_title": _("Total (0-%(most)s)") % {"most": rules.highest_total},
        "level_label": _("flag level %(level)s (clinic policy, not a published cut-off)")
        % {"level": rules.flag_total.value},
    }
