"""What the pathway page shows of the decision aid: the latest session's summary and each
caregiver's burden trend, with links for those who may record. The pathway page includes
"decisionaid/_pathway.html" with this under the one context key `decision_aid`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.urls import reverse

from ithaca.accounts.permissions import Action, may
from ithaca.decisionaid import checkins
from ithaca.decisionaid.models import DecisionAidSession
from ithaca.patients.models import Patient

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


def pathway_summary(patient: Patient, user: User | AnonymousUser | None) -> dict[str, Any]:
    if user is None or not may(user, Action.VIEW_PATHWAY, patient):
        return {}
    sessions = DecisionAidSession.objects.filter(patient=patient)
    return {
        "latest": sessions.select_related("by__profile", "decision").first(),
        "count": sessions.count(),
        "aid_url": reverse("decisionaid:aid", kwargs={"patient_id": patient.pk}),
        "checkin_url": reverse("decisionaid:checkin", kwargs={"patient_id": patient.pk}),
        "may_record": may(user, Action.RECORD_DECISION_AID, patient),
        "may_check_in": may(user, Action.RECORD_CAREGIVER_CHECKIN, patient),
        "series": checkins.trends(user, patient, **checkins.plot_words()),
    }
