"""`ithaca demo`: a realistic synthetic clinic in the configured database.

About 40 invented patients across every pathway stage, a pump of every make in the
catalogue, a year of programs and refills entered through the services (so every check,
double check and audit event is real), pain scores, systemic opioids, one flagged residual
discrepancy, one overdue refill and one battery at its replacement indicator; the family
pages (ithaca.family.demo) and two decision-aid sessions and a caregiver's check-ins
(ithaca.web.demo_family); dates count back from today, so something is always due. The
same seed gives the same clinic.

`fast=True` stores the same kind of clinic with bulk inserts (every derived value still
computed by the clinical core) for the 10,000-patient benchmark database.

Loading twice adds nothing: if the demo users exist, the sign-ins are returned and the
summary says the demo was already loaded.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ithaca.accounts.models import Profile, Role
from ithaca.clinical.pathway import Stage
from ithaca.devices.library import catalogue_in_force
from ithaca.devices.models import (
    Device,
    DeviceStatus,
    ProgramStatus,
    ProgramVersion,
    Refill,
    RefillStatus,
)
from ithaca.family.demo import PATIENT_USERNAME, load_family
from ithaca.patients.models import Patient
from ithaca.web.demo_family import load_decisions
from ithaca.web.demo_pathway import journey
from ithaca.web.demo_pumps import PumpHistory, Staff
from ithaca.web.demo_story import BLOCK, CAREGIVER, make_story
from ithaca.web.demo_writers import BulkWriter, ServiceWriter

DEMO_PASSWORD = "ithaca-demo-2026"  # noqa: S105 - printed for the synthetic demo clinic only
BULK_BATCH = 400  # patients a bulk insert (and its one audit event) holds


@dataclass
class DemoLogin:
    role: str
    username: str
    password: str


@dataclass
class DemoResult:
    summary: str
    logins: list[DemoLogin]


@dataclass(frozen=True)
class DemoUser:
    field: str  # its name in Staff
    shown: str  # the role as printed
    username: str
    role: Role | None
    display_name: str


DEMO_USERS = (
    DemoUser("physician", "physician", "dr_ahmed", Role.PHYSICIAN, "Dr Samira Ahmed"),
    DemoUser("physician2", "physician", "dr_berg", Role.PHYSICIAN, "Dr Lars Berg"),
    DemoUser("nurse", "pump nurse", "nurse_lee", Role.NURSE, "Grace Lee"),
    DemoUser("nurse2", "pump nurse", "nurse_patel", Role.NURSE, "Ravi Patel"),
    DemoUser("pharmacist", "pharmacist", "pharm_chen", Role.PHARMACIST, "Wei Chen"),
    DemoUser("coordinator", "coordinator", "coord_silva", Role.COORDINATOR, "Ana Silva"),
    DemoUser("administrator", "administrator", "admin_jones", Role.ADMINISTRATOR, "Morgan Jones"),
    DemoUser("caregiver", "caregiver", "carer", Role.CAREGIVER, "Caregiver"),
    DemoUser("stranger", "no role", "stranger", None, ""),
)
# What the administrator may do in the Django admin: people, roles, caregiver links and
# login lock-outs; the audit trail is read-only there whatever the permission says.
ADMIN_APPS = ("auth", "accounts", "axes")
# ...and the team's telephone numbers the family pages show, and the family invitations,
# which the admin shows read-only (see _make_users).


def logins() -> list[DemoLogin]:
    staff = [DemoLogin(u.shown, u.username, DEMO_PASSWORD) for u in DEMO_USERS]
    # The patient's own account, opened through an invitation by ithaca.family.demo.
    return [*staff, DemoLogin("patient", PATIENT_USERNAME, DEMO_PASSWORD)]


def load_demo(
    patients: int = 40,
    seed: int = 2026,
    *,
    fast: bool = False,
    progress: Callable[[str], None] | None = None,
) -> DemoResult:
    """Load the synthetic clinic (once). `fast` inserts in bulk, for benchmark databases."""
    if patients < 1:
        raise ValueError("the demo needs at least one patient")
    usernames = [u.username for u in DEMO_USERS] + [PATIENT_USERNAME]
    if get_user_model().objects.filter(username__in=usernames).exists():
        count = Patient.objects.filter(hospital_number__startswith="DEMO-").count()
        return DemoResult(
            f"The demo clinic was already loaded ({count} synthetic patients); nothing was added.",
            logins(),
        )
    started = time.perf_counter()
    today = timezone.localdate()
    with transaction.atomic():
        staff = _make_users()
        writer = BulkWriter(staff) if fast else ServiceWriter(staff)
        catalogue = catalogue_in_force()
        first = 1
        block: list[PumpHistory] = []
        for index in range(patients):
            # One stream per patient: a patient's story does not depend on how many come before.
            rng = random.Random(f"ithaca-demo:{seed}:{index}")  # noqa: S311 - synthetic data, no secret
            story = make_story(rng, index, today)
            story.journey = journey(story, today)
            patient = writer.patient(story)
            therapy = story.therapy
            if therapy is not None:
                history = PumpHistory(catalogue, story, therapy, staff, writer, rng, today)
                history.run(patient)
                block.append(history)
            if CAREGIVER in story.special and index < BLOCK:
                _name_caregiver(
                    staff, story.person.caregiver.name if story.person.caregiver else "Caregiver"
                )
                writer.link_caregiver(staff.caregiver, patient)
            done = index + 1
            if done % BLOCK == 0 or done == patients:
                _verify_newest(block, today)
                block = []
            if done % BULK_BATCH == 0 or done == patients:
                writer.flush(first, done)
                first = done + 1
                if progress is not None:
                    progress(
                        f"{done} of {patients} patients stored ({time.perf_counter() - started:.0f} s)"
                    )
        family = load_family(staff.coordinator, staff.caregiver, DEMO_PASSWORD)
        # A handful of rows, so through the services in both modes, once the patients exist.
        family += load_decisions(staff, today)
    elapsed = time.perf_counter() - started
    summary = "\n".join([summarise(today, elapsed, fast), *family])
    return DemoResult(summary, logins())


def _verify_newest(histories: list[PumpHistory], today: date) -> None:
    """Each pump's newest refill gets its second check now, except the block's most recent
    routine refill of the last fortnight, left for a colleague to verify in the demo."""
    newest = [h for h in histories if h.fills and not h.fills[-1].verified]
    recent = [
        h
        for h in newest
        if h.story.ends_on is None
        and h.fills[-1].performed_on >= today - timedelta(days=14)
        and not (h.fills[-1].reconciliation and h.fills[-1].reconciliation.flagged)
    ]
    waiting = max(recent, key=lambda h: (h.fills[-1].performed_on, h.story.index), default=None)
    for history in newest:
        if history is not waiting:
            history.verify(history.fills[-1])


def _make_users() -> Staff:
    model = get_user_model()
    made = {}
    # One shared password, so one Argon2 hash (deliberately slow) serves every demo user.
    hashed = ""
    for spec in DEMO_USERS:
        user = model(username=spec.username, email=f"{spec.username}@demo.invalid")
        name = spec.display_name.split(" ", 1)
        user.first_name, user.last_name = (name[0], name[1]) if len(name) == 2 else ("", "")
        validate_password(DEMO_PASSWORD, user)
        hashed = hashed or make_password(DEMO_PASSWORD)
        user.password = hashed
        user.is_staff = spec.role is Role.ADMINISTRATOR
        user.save()
        if spec.role is not None:
            Profile.objects.create(user=user, role=spec.role, display_name=spec.display_name)
        if spec.role is Role.ADMINISTRATOR:
            user.user_permissions.set(
                Permission.objects.filter(
                    Q(content_type__app_label__in=ADMIN_APPS)
                    | Q(codename="view_auditevent")
                    | Q(content_type__app_label="family", content_type__model="teamcontact")
                    | Q(content_type__app_label="family", codename="view_invitation")
                )
            )
        made[spec.field] = user
    return Staff(**made)


def _name_caregiver(staff: Staff, name: str) -> None:
    Profile.objects.filter(user=staff.caregiver).update(display_name=name)
    first, _, last = name.partition(" ")
    get_user_model().objects.filter(pk=staff.caregiver.pk).update(first_name=first, last_name=last)


def summarise(today: date, elapsed: float, fast: bool) -> str:
    demo = Patient.objects.filter(hospital_number__startswith="DEMO-")
    stages = Counter(demo.values_list("pathway_stage", flat=True))
    devices = Device.objects.filter(patient__in=demo)
    models = Counter(devices.values_list("pump_model", flat=True))
    versions = ProgramVersion.objects.filter(device__in=devices)
    refills = Refill.objects.filter(device__in=devices)
    overdue = list(
        devices.filter(status=DeviceStatus.ACTIVE, next_due_on__lt=today).select_related("patient")
    )
    flagged = list(refills.filter(flagged=True).select_related("device__patient"))
    eri = list(
        devices.filter(eri_reported_on__isnull=False, status=DeviceStatus.ACTIVE).select_related(
            "patient"
        )
    )
    how = "in bulk (fast mode; one audit event per batch)" if fast else "through the services"
    lines = [
        f"Loaded the synthetic demo clinic {how} in {elapsed:.1f} s. Every name, number and address is invented.",
        f"  {demo.count()} patients across {len(stages)} of {len(Stage)} pathway stages: "
        + ", ".join(
            f"{stage.value} {stages[stage.value]}" for stage in Stage if stages[stage.value]
        ),
        f"  {devices.count()} pumps: "
        + ", ".join(f"{name} {n}" for name, n in sorted(models.items())),
        f"  {versions.count()} program versions ({versions.filter(status=ProgramStatus.AWAITING_CHECK).count()} awaiting "
        f"their double check, {versions.filter(status=ProgramStatus.REJECTED).count()} rejected, "
        f"{versions.exclude(override_reason='').count()} soft-limit overrides)",
        f"  {refills.count()} refills ({refills.filter(status=RefillStatus.AWAITING_VERIFICATION).count()} awaiting "
        "verification), a year of them for the longest-treated patients",
        f"  Flagged residual discrepancies ({len(flagged)}): "
        + _patients(r.device.patient for r in flagged),
        f"  Refills overdue ({len(overdue)}): " + _patients(d.patient for d in overdue),
        f"  Batteries at the replacement indicator, ERI ({len(eri)}): "
        + _patients(d.patient for d in eri),
    ]
    return "\n".join(lines)


def _patients(patients: Iterable[Patient]) -> str:
    names = [str(p) for p in patients]
    if not names:
        return "none"
    return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
