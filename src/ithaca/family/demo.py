"""The family side of the demo clinic: the team's numbers, the patient's own account
(opened through a real invitation, so the demo exercises the same path a family uses),
and one invitation still waiting, whose link the demo prints.
"""

from __future__ import annotations

from django.contrib.auth.models import User

from ithaca.accounts.models import CaregiverLink
from ithaca.family import invitations
from ithaca.family.models import CallWhen, InviteeRole, TeamContact

PATIENT_USERNAME = "patient"

# From the UK range Ofcom reserves for drama (07700 900000-900999): they never ring anyone.
DEMO_CONTACTS = (
    ("Pain team nurses", "疼痛科护士", "07700 900461", CallWhen.WEEKDAYS),
    (
        "On-call anaesthetist (hospital switchboard)",
        "值班麻醉医生（医院总机）",
        "07700 900462",
        CallWhen.OUT_OF_HOURS,
    ),
)


def load_family(coordinator: User, caregiver: User, password: str) -> list[str]:
    """Store the demo's family data; returns lines for the demo's summary."""
    for order, (name, name_zh, phone, when) in enumerate(DEMO_CONTACTS):
        TeamContact.objects.create(
            name=name, name_zh_hans=name_zh, phone=phone, when=when, order=order
        )
    link = CaregiverLink.objects.filter(user=caregiver).select_related("patient").first()
    if link is None:
        return []
    patient = link.patient
    own = invitations.issue(
        coordinator,
        patient,
        name=f"{patient.given_name} {patient.family_name}",
        relationship="",
        role=InviteeRole.PATIENT,
    )
    invitations.accept(own.token, username=PATIENT_USERNAME, password=password)
    waiting = invitations.issue(
        coordinator,
        patient,
        name=f"Sam {patient.family_name}",
        relationship="grandson",
        role=InviteeRole.CAREGIVER,
    )
    return [
        f"  Family pages: '{caregiver.get_username()}' (caregiver) and '{PATIENT_USERNAME}' (the patient) "
        f"read {patient} at /portal/; the team's numbers are fictional.",
        f"  An invitation waits for Sam {patient.family_name} (grandson): /invite/{waiting.token}/",
    ]
