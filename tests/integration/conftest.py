"""Database tests: personas, a patient with a pump and a double-checked program.

They run on SQLite, and again on PostgreSQL when `make test` sets ITHACA_TEST_POSTGRES=1
and a DATABASE_URL: if that server does not answer, every test here is skipped, saying why.

Personas: a pain physician (dr_ahmed) and a second one (dr_berg), two pump nurses
(nurse_lee, nurse_patel), a pharmacist, a coordinator, an administrator, the caregiver
of the patient, the caregiver of another patient, and a stranger with no role.
"""

from __future__ import annotations

import os
import socket
from datetime import date
from decimal import Decimal
from urllib.parse import urlparse

import pytest
from django.contrib.auth import get_user_model

from ithaca.accounts.models import CaregiverLink, Profile, Role
from ithaca.clinical.parsing import parse_quantity
from ithaca.clinical.quantities import Concentration, DoseRate
from ithaca.devices import programs
from ithaca.devices.models import Device
from ithaca.patients.models import Patient

PASSWORD = "correct horse battery staple"  # noqa: S105 - test personas only


def _postgres_unreachable() -> str | None:
    url = urlparse(os.environ.get("DATABASE_URL", ""))
    try:
        with socket.create_connection((url.hostname or "127.0.0.1", url.port or 5432), timeout=2):
            return None
    except OSError as exc:
        return f"PostgreSQL at {url.hostname}:{url.port or 5432} does not answer ({exc.strerror or exc}); the PostgreSQL run is skipped"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("ITHACA_TEST_POSTGRES") != "1":
        return
    reason = _postgres_unreachable()
    if reason:
        for item in items:
            item.add_marker(pytest.mark.skip(reason=reason))


def make_user(username: str, role: Role | None, display_name: str = ""):
    user = get_user_model().objects.create_user(username=username, password=PASSWORD)
    if role is not None:
        Profile.objects.create(user=user, role=role, display_name=display_name or username)
    return user


@pytest.fixture
def physician(db):
    return make_user("dr_ahmed", Role.PHYSICIAN, "Dr Ahmed")


@pytest.fixture
def second_physician(db):
    return make_user("dr_berg", Role.PHYSICIAN, "Dr Berg")


@pytest.fixture
def nurse(db):
    return make_user("nurse_lee", Role.NURSE, "Nurse Lee")


@pytest.fixture
def second_nurse(db):
    return make_user("nurse_patel", Role.NURSE, "Nurse Patel")


@pytest.fixture
def pharmacist(db):
    return make_user("pharm_chen", Role.PHARMACIST, "Pharmacist Chen")


@pytest.fixture
def coordinator(db):
    return make_user("coord_silva", Role.COORDINATOR, "Coordinator Silva")


@pytest.fixture
def administrator(db):
    return make_user("admin_jones", Role.ADMINISTRATOR, "Admin Jones")


@pytest.fixture
def stranger(db):
    return make_user("stranger", None)


@pytest.fixture
def patient(db):
    return Patient.objects.create(
        hospital_number="H100001",
        given_name="Mei",
        family_name="Wong",
        date_of_birth=date(1958, 3, 14),
        diagnosis="Pancreatic adenocarcinoma",
        cancer_stage="IV",
        ecog=2,
        prognosis="3-6m",
        pathway_stage="maintenance",
    )


@pytest.fixture
def other_patient(db):
    return Patient.objects.create(
        hospital_number="H100002",
        given_name="Tom",
        family_name="Baker",
        date_of_birth=date(1949, 7, 2),
        diagnosis="Lung cancer",
        pathway_stage="assessed",
    )


@pytest.fixture
def caregiver(patient):
    user = make_user("carer_wong", Role.CAREGIVER, "Li Wong")
    CaregiverLink.objects.create(user=user, patient=patient)
    return user


@pytest.fixture
def other_caregiver(other_patient):
    user = make_user("carer_baker", Role.CAREGIVER, "Ann Baker")
    CaregiverLink.objects.create(user=user, patient=other_patient)
    return user


@pytest.fixture
def device(patient):
    return Device.objects.create(
        patient=patient,
        pump_model="synchromed-ii-40",
        serial_number="NGP123456",
        implanted_on=date(2026, 1, 5),
        catheter_tip_level="T10",
        low_alarm_ml=Decimal("2"),
    )


def morphine_request(dose: str = "2 mg/day", strength: str = "10 mg/mL") -> programs.ProgramRequest:
    return programs.ProgramRequest(
        drugs=[("morphine", parse_quantity(strength, Concentration))],
        daily_dose=parse_quantity(dose, DoseRate),
    )


@pytest.fixture
def active_program(device, physician, pharmacist):
    """Morphine 10 mg/mL at 2 mg/day, prescribed by the physician and checked by the pharmacist."""
    version = programs.prescribe(physician, device, morphine_request())
    return programs.check(pharmacist, version, approve=True)
