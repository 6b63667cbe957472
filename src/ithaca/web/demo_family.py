"""The decision aid and the caregiver check-ins in the demo clinic, recorded through the
real services (ithaca.decisionaid.services and .checkins) after the patients exist, in
both the service and the bulk mode, so every score, flag, delay note and audit event is
the services' own.

- A patient waiting at Decision went through the decision aid with their caregiver: the
  SURE has one "no", so decisional conflict shows and the service writes its delay note
  (patient undecided) against the Decision stage.
- A patient at Assessed went through it with no conflict and a ready caregiver: no delay.
- The demo caregiver ('carer') had three check-ins after their patient's implant: the
  first soon after it, then the two latest monthly ones. The total rises to the clinic's
  flag level, so the latest is flagged. The service stamps a check-in "now"; each is then
  moved back to the day it stands for, before the next is recorded (so each is compared
  with the one before it), as the demo writers move refill times back.

The answers are built from the rules in force (item ids and scales), so a clinic file
that rewords or adds items still loads; the patients are chosen by stage, first by
hospital number, so the same seed gives the same sessions.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from ithaca.accounts.models import CaregiverLink
from ithaca.clinical.answers import Item
from ithaca.clinical.decision import SessionAnswers
from ithaca.clinical.pathway import Stage
from ithaca.decisionaid import checkins, services
from ithaca.decisionaid.models import CaregiverCheckIn, DecisionAidSession
from ithaca.devices.library import catalogue_in_force
from ithaca.patients.models import Patient
from ithaca.web.demo_pumps import Staff
from ithaca.web.demo_writers import moment

CHECKIN_MINUTE = 10 * 60  # check-ins are stamped mid-morning
# The days after the implant of the first check-in, and how long before today the two
# monthly ones were.
AFTER_IMPLANT_DAYS = 14
MONTHLY_DAYS_AGO = (33, 3)
VALUES = (4, 3, 4, 2, 3)  # importance ratings, in the values items' order (cycled)


def load_decisions(staff: Staff, today: date) -> list[str]:
    """Record the demo's decision-aid sessions and check-ins; one line for the summary."""
    parts = []
    waiting = _first_at(Stage.DECISION)
    if waiting is not None:
        session = _session(staff.physician, waiting, conflict=True)
        parts.append(_described(session))
    assessed = _first_at(Stage.ASSESSED)
    if assessed is not None:
        session = _session(staff.coordinator, assessed, conflict=False)
        parts.append(_described(session))
    series = _checkins(staff, today)
    if series:
        latest = series[-1]
        totals = ", ".join(str(c.total) for c in series)
        flag = "flagged" if latest.flagged else "not flagged"
        parts.append(
            f"caregiver check-ins for {latest.patient} by {latest.caregiver_name}, "
            f"totals {totals} of {latest.out_of}, the latest {flag}"
        )
    if not parts:
        return []
    return ["  Decision aid: " + "; ".join(parts) + "."]


def _first_at(stage: Stage) -> Patient | None:
    """The first demo patient at `stage`, preferring one with a primary caregiver."""
    at_stage = Patient.objects.filter(
        hospital_number__startswith="DEMO-", pathway_stage=stage.value
    ).order_by("hospital_number")
    return at_stage.filter(contacts__is_caregiver=True).first() or at_stage.first()


def _caregivers(patient: Patient) -> list[str]:
    contact = patient.contacts.filter(is_caregiver=True).order_by("pk").first()
    return [] if contact is None else [f"{contact.name} ({contact.relationship})"]


def _session(user: Any, patient: Patient, *, conflict: bool) -> DecisionAidSession:
    rules = catalogue_in_force().decision_aid
    caregivers = _caregivers(patient)
    # One "no" (the first item, "sure of myself") is a total of 3 of 4: decisional conflict.
    sure = {item.id: not (conflict and n == 0) for n, item in enumerate(rules.sure.items)}
    readiness = _ready(rules.readiness.items, rules.readiness.scale.highest) if caregivers else {}
    values = {item.id: VALUES[n % len(VALUES)] for n, item in enumerate(rules.values.items)}
    request = services.SessionRequest(
        patient_present=True,
        caregivers=caregivers,
        answers=SessionAnswers(values=values, sure=sure, readiness=readiness),
        others_present=user.profile.display_name,
        expected_stage=patient.stage,
    )
    return services.record_session(user, patient, request)


def _ready(items: tuple[Item, ...], highest: int) -> dict[str, int]:
    """Ready: every item at the top of the scale but the first, one below it."""
    return {item.id: highest - (n == 0) for n, item in enumerate(items)}


def _described(session: DecisionAidSession) -> str:
    if session.sure_conflict:
        written = "a delay note written" if session.delays else "no delay note"
        outcome = f"decisional conflict, {written}"
    else:
        outcome = "no conflict"
    return (
        f"{session.patient} at {session.patient.stage.label}, "
        f"SURE {session.sure_score} of {len(session.sure)} ({outcome})"
    )


def _checkins(staff: Staff, today: date) -> list[CaregiverCheckIn]:
    link = CaregiverLink.objects.filter(user=staff.caregiver).select_related("patient").first()
    if link is None:
        return []
    patient = link.patient
    device = patient.devices.filter(implanted_on__isnull=False).order_by("implanted_on").first()
    contact = patient.contacts.filter(is_caregiver=True).order_by("pk").first()
    if device is None or contact is None:
        return []
    rules = catalogue_in_force().decision_aid.checkin
    # A rise below the clinic's rise level, then one above it that also reaches its total.
    last = min(rules.flag_total.value + 1, rules.highest_total)
    middle = max(last - rules.flag_rise.value - 1, 0)
    first = max(middle - rules.flag_rise.value + 1, 0)
    after_implant = device.implanted_on + timedelta(days=AFTER_IMPLANT_DAYS)
    monthly = [today - timedelta(days=ago) for ago in MONTHLY_DAYS_AGO]
    plan = [
        ("after_implant", min(after_implant, monthly[0] - timedelta(days=28)), first),
        ("monthly", monthly[0], middle),
        ("monthly", monthly[1], last),
    ]
    series = []
    for point, on, total in plan:
        request = checkins.CheckInRequest(
            caregiver_name=contact.name,
            relationship=contact.relationship,
            schedule_point=point,
            answers=_spread(rules.items, rules.scale.highest, total),
            note="Synthetic demo check-in, by telephone.",
        )
        saved = checkins.record_checkin(staff.nurse, patient, request)
        at = moment(on, CHECKIN_MINUTE)
        CaregiverCheckIn.objects.filter(pk=saved.pk).update(at=at)
        saved.at = at
        series.append(saved)
    return series


def _spread(items: tuple[Item, ...], highest: int, total: int) -> dict[str, int]:
    """Answers adding up to `total`, spread evenly over the items in their order."""
    base, extra = divmod(min(total, highest * len(items)), len(items))
    return {item.id: base + (n < extra) for n, item in enumerate(items)}
