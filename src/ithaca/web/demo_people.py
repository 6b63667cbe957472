"""Invented people for the demonstration clinic: names, diagnoses, contacts.

Everything here is synthetic and meant to look it: hospital numbers start with DEMO-,
telephone numbers come from the UK range Ofcom reserves for drama (07700 900000-900999),
and every address is in Demo Town. Names are drawn from mixed pools so no real person is
described; the caseload leans towards English and Chinese speakers, the languages ithaca
serves first.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from ithaca.patients.models import Prognosis, Sex

GIVEN_NAMES = {
    Sex.FEMALE: (
        "Mei",
        "Xiu Ying",
        "Li Na",
        "Hui",
        "Margaret",
        "Susan",
        "Priya",
        "Amina",
        "Grace",
        "Helen",
        "Fatima",
        "Olga",
        "Joan",
        "Chloe",
        "Yan",
        "Aisha",
        "Bronwen",
        "Carmen",
        "Ngozi",
        "Irene",
        "Sakura",
        "Lakshmi",
        "Eilidh",
        "Rosa",
        "Hannah",
        "Zanele",
        "Ingrid",
        "Ming",
        "Dorothy",
        "Leila",
    ),
    Sex.MALE: (
        "Wei",
        "Jun",
        "Hao",
        "Zhi Qiang",
        "David",
        "Peter",
        "Rajesh",
        "Omar",
        "George",
        "Kwame",
        "Tomasz",
        "Graham",
        "Yusuf",
        "Arthur",
        "Chen",
        "Malcolm",
        "Dmitri",
        "Hamza",
        "Ewan",
        "Luis",
        "Kenji",
        "Sanjay",
        "Emeka",
        "Ronald",
        "Ali",
        "Bogdan",
        "Trevor",
        "Liang",
        "Patrick",
        "Idris",
    ),
}
FAMILY_NAMES = (
    "Wong",
    "Chan",
    "Liu",
    "Zhang",
    "Huang",
    "Lin",
    "Zhao",
    "Wu",
    "Tang",
    "Ho",
    "Smith",
    "Evans",
    "Hughes",
    "Campbell",
    "Murphy",
    "Okafor",
    "Mensah",
    "Kowalski",
    "Novak",
    "Sharma",
    "Iyer",
    "Khan",
    "Hussain",
    "Rahman",
    "Fernandes",
    "Garcia",
    "Rossi",
    "Müller",
    "Larsen",
    "Petrov",
    "Nakamura",
    "Tanaka",
    "Abdullah",
    "Mahlangu",
    "O'Brien",
    "MacLeod",
    "Baptiste",
    "Osei",
    "Haddad",
    "Nguyen",
    "Pham",
    "Kaur",
    "Singh",
    "Dubois",
    "Ferreira",
    "Walsh",
    "Price",
    "Morgan",
    "Ellis",
    "Quinn",
)
STREETS = (
    "Acacia Avenue",
    "Willow Close",
    "Harbour Row",
    "Chapel Street",
    "Orchard Way",
    "Mill Lane",
    "Station Road",
    "Beacon Hill",
    "Riverside Walk",
    "Juniper Court",
    "Lantern Yard",
    "Foxglove Drive",
)
CAREGIVER_RELATIONSHIPS = {
    "spouse": 0.34,
    "partner": 0.12,
    "daughter": 0.2,
    "son": 0.14,
    "sister": 0.06,
    "brother": 0.04,
    "friend": 0.05,
    "niece": 0.05,
}
SECOND_CONTACTS = ("son", "daughter", "neighbour", "brother", "sister", "friend")


@dataclass(frozen=True)
class Diagnosis:
    text: str
    stages: tuple[str, ...]
    sex: Sex | None  # only for one sex, or None for any
    tip_levels: tuple[str, ...]  # where a catheter tip sits for pain from this cancer
    weight: int = 1


DIAGNOSES = (
    Diagnosis(
        "Pancreatic adenocarcinoma", ("III (locally advanced)", "IV"), None, ("T6", "T7", "T8"), 4
    ),
    Diagnosis(
        "Non-small cell lung cancer with chest wall invasion",
        ("IIIB", "IV"),
        None,
        ("T4", "T5", "T6"),
        3,
    ),
    Diagnosis("Pleural mesothelioma", ("III", "IV"), None, ("T4", "T5", "T6"), 1),
    Diagnosis(
        "Breast cancer with spinal and pelvic bone metastases",
        ("IV",),
        Sex.FEMALE,
        ("T8", "T10", "T11"),
        3,
    ),
    Diagnosis(
        "Prostate cancer with spinal metastases", ("IV",), Sex.MALE, ("T10", "T11", "T12"), 2
    ),
    Diagnosis(
        "Colorectal cancer with presacral recurrence",
        ("IV", "recurrent"),
        None,
        ("T11", "T12", "L1"),
        3,
    ),
    Diagnosis(
        "Cervical cancer with pelvic sidewall disease",
        ("IVA", "IVB"),
        Sex.FEMALE,
        ("T11", "T12", "L1"),
        2,
    ),
    Diagnosis(
        "Head and neck squamous cell carcinoma",
        ("IVA", "IVB", "recurrent"),
        None,
        ("C4", "C5", "C6"),
        2,
    ),
    Diagnosis(
        "Multiple myeloma with vertebral collapse",
        ("ISS III", "R-ISS III"),
        None,
        ("T8", "T9", "T10"),
        2,
    ),
    Diagnosis("Renal cell carcinoma with spinal metastases", ("IV",), None, ("T9", "T10"), 1),
    Diagnosis("Oesophageal adenocarcinoma", ("IV",), None, ("T5", "T6", "T7"), 1),
    Diagnosis(
        "Ovarian cancer with peritoneal disease", ("IIIC", "IV"), Sex.FEMALE, ("T10", "T11"), 1
    ),
    Diagnosis("Pelvic sarcoma", ("IV",), None, ("T12", "L1"), 1),
    Diagnosis("Bladder cancer with pelvic nodal disease", ("IV",), None, ("T11", "T12"), 1),
    Diagnosis("Gastric adenocarcinoma", ("IV",), None, ("T6", "T7"), 1),
)


@dataclass(frozen=True)
class ContactSpec:
    name: str
    relationship: str
    phone: str
    is_caregiver: bool


@dataclass(frozen=True)
class Person:
    hospital_number: str
    given_name: str
    family_name: str
    date_of_birth: date
    sex: str
    diagnosis: str
    cancer_stage: str
    ecog: int | None
    prognosis: str
    phone: str
    address: str
    contacts: tuple[ContactSpec, ...]
    catheter_tip_level: str

    @property
    def caregiver(self) -> ContactSpec | None:
        return next((c for c in self.contacts if c.is_caregiver), None)


def fiction_phone(rng: random.Random) -> str:
    """A number from the range set aside for drama: it can never ring a real person."""
    return f"07700 900{rng.randrange(1000):03d}"


def hospital_number(index: int) -> str:
    return f"DEMO-{index + 1:04d}"


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _contacts(
    rng: random.Random, family_name: str, patient_sex: Sex, needs_caregiver: bool
) -> tuple[ContactSpec, ...]:
    contacts: list[ContactSpec] = []
    if needs_caregiver or rng.random() < 0.85:
        relationship = _weighted(rng, CAREGIVER_RELATIONSHIPS)
        sex = _relative_sex(rng, relationship, patient_sex)
        surname = (
            family_name if relationship not in ("friend", "partner") else rng.choice(FAMILY_NAMES)
        )
        contacts.append(
            ContactSpec(
                f"{rng.choice(GIVEN_NAMES[sex])} {surname}", relationship, fiction_phone(rng), True
            )
        )
    if rng.random() < 0.4:
        relationship = rng.choice(SECOND_CONTACTS)
        sex = _relative_sex(rng, relationship, patient_sex)
        surname = (
            family_name if relationship not in ("neighbour", "friend") else rng.choice(FAMILY_NAMES)
        )
        contacts.append(
            ContactSpec(
                f"{rng.choice(GIVEN_NAMES[sex])} {surname}", relationship, fiction_phone(rng), False
            )
        )
    return tuple(contacts)


def _relative_sex(rng: random.Random, relationship: str, patient_sex: Sex) -> Sex:
    if relationship in ("daughter", "sister", "niece"):
        return Sex.FEMALE
    if relationship in ("son", "brother"):
        return Sex.MALE
    if relationship == "spouse":
        return Sex.MALE if patient_sex is Sex.FEMALE else Sex.FEMALE
    return rng.choice((Sex.FEMALE, Sex.MALE))


def make_person(
    rng: random.Random,
    index: int,
    today: date,
    *,
    prognosis: Prognosis,
    ecog: int | None,
    needs_caregiver: bool = False,
) -> Person:
    sex = Sex.FEMALE if rng.random() < 0.5 else Sex.MALE
    if rng.random() < 0.01:
        sex = Sex.OTHER
    name_sex = sex if sex in (Sex.FEMALE, Sex.MALE) else rng.choice((Sex.FEMALE, Sex.MALE))
    diagnosis = _diagnosis(rng, sex)
    age = min(92, max(31, round(rng.gauss(66, 11))))
    born = today - timedelta(days=age * 365 + rng.randrange(365))
    family_name = rng.choice(FAMILY_NAMES)
    return Person(
        hospital_number=hospital_number(index),
        given_name=rng.choice(GIVEN_NAMES[name_sex]),
        family_name=family_name,
        date_of_birth=born,
        sex=sex.value,
        diagnosis=diagnosis.text,
        cancer_stage=rng.choice(diagnosis.stages),
        ecog=ecog,
        prognosis=prognosis.value,
        phone=fiction_phone(rng),
        address=f"{rng.randrange(1, 120)} {rng.choice(STREETS)}, Demo Town DT{rng.randrange(1, 9)} {rng.randrange(1, 9)}XD",
        contacts=_contacts(rng, family_name, name_sex, needs_caregiver),
        catheter_tip_level=rng.choice(diagnosis.tip_levels),
    )


def _diagnosis(rng: random.Random, sex: Sex) -> Diagnosis:
    possible = [d for d in DIAGNOSES if d.sex is None or d.sex is sex]
    return rng.choices(possible, weights=[d.weight for d in possible])[0]
