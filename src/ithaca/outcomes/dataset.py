"""The registry minimum dataset: every table and column, with its type, unit and meaning.

This is the single list the export writes and docs/registry-dataset.md describes (a test
holds the two together). Nothing that names or locates a person is in it: no name,
hospital number, date of birth, phone, address, device serial number, user name, or free
text (notes, reasons, descriptions). The diagnosis leaves only as a coarse group.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum


class Kind(Enum):
    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    DATE = "date"
    BOOLEAN = "boolean"


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    kind: Kind
    unit: str
    meaning: str


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    meaning: str
    columns: tuple[Column, ...]


def _c(name: str, kind: Kind, unit: str, meaning: str) -> Column:
    return Column(name, kind, unit, meaning)


T, INT, D, DT, B = Kind.TEXT, Kind.INTEGER, Kind.DECIMAL, Kind.DATE, Kind.BOOLEAN
PSEUDONYM = _c(
    "patient", T, "", "the patient's pseudonym: HMAC-SHA256 of the record id, 24 hex digits"
)

TABLES: tuple[Table, ...] = (
    Table(
        "patients",
        "one row per patient",
        (
            PSEUDONYM,
            _c("sex", T, "", "female, male, other or unknown"),
            _c(
                "age_band",
                T,
                "years",
                "age at entering the pathway, in ten-year bands (under 30 ... 90 and over)",
            ),
            _c(
                "diagnosis_group",
                T,
                "",
                "cancer site group matched from the diagnosis (other when none matches)",
            ),
            _c(
                "cancer_stage",
                T,
                "",
                "stage 0 to IV with an optional A-C, blank if recorded otherwise",
            ),
            _c("ecog", INT, "", "ECOG performance status 0-4, blank if not recorded"),
            _c(
                "prognosis",
                T,
                "",
                "estimated prognosis band as recorded (lt1m, 1-3m, 3-6m, 6-12m, gt12m, unknown)",
            ),
            _c("pathway_stage", T, "", "the patient's stage on the pathway at export"),
            _c("system", T, "", "implanted_pump, external_pump, temporary_catheter, or blank"),
            _c(
                "implanted_on",
                DT,
                "date",
                "first implant (implant record, else the move into implanted)",
            ),
            _c("died_on", DT, "date", "the move into deceased, blank if alive at export"),
        ),
    ),
    Table(
        "stage_moves",
        "each move along the pathway",
        (
            PSEUDONYM,
            _c("stage", T, "", "the stage entered"),
            _c("entered_on", DT, "date", "the day it was entered"),
        ),
    ),
    Table(
        "pain_scores",
        "0-10 numeric rating scale scores",
        (
            PSEUDONYM,
            _c("recorded_on", DT, "date", "day of the score"),
            _c("score", INT, "points 0-10", "the score"),
        ),
    ),
    Table(
        "opioid_regimen",
        "systemic opioids",
        (
            PSEUDONYM,
            _c("opioid", T, "", "opioid name as in the drug library"),
            _c("route", T, "", "route (oral, transdermal ...)"),
            _c("dose_mcg_per_day", D, "mcg/day", "daily dose, canonical unit"),
            _c("started_on", DT, "date", "first day taken"),
            _c("stopped_on", DT, "date", "stop day (not taken), blank if ongoing"),
        ),
    ),
    Table(
        "it_programs",
        "intrathecal pump programs that came into force",
        (
            PSEUDONYM,
            _c("program_number", INT, "", "version number on its pump"),
            _c("mode", T, "", "program mode"),
            _c("drug", T, "", "the program's first drug (drug library id)"),
            _c(
                "daily_dose_mcg_per_day",
                D,
                "mcg/day",
                "the first drug's daily dose, blank if not continuous",
            ),
            _c("active_from", DT, "date", "the day it came into force"),
        ),
    ),
    Table(
        "admissions",
        "hospital admissions",
        (
            PSEUDONYM,
            _c("admitted_on", DT, "date", "admission day"),
            _c("discharged_on", DT, "date", "discharge day, blank if still in hospital"),
            _c(
                "reason",
                T,
                "",
                "reason category (pain, device, infection, cancer, end_of_life, other)",
            ),
            _c("pain_related", B, "", "whether the admission was pain-related"),
        ),
    ),
    Table(
        "complications",
        "complications",
        (
            PSEUDONYM,
            _c("kind", T, "", "complication kind"),
            _c("infection_depth", T, "", "for an infection: its depth"),
            _c("onset_on", DT, "date", "onset day"),
        ),
    ),
    Table(
        "instrument_scores",
        "outcome instrument scores (numbers only)",
        (
            PSEUDONYM,
            _c("instrument", T, "", "instrument identifier, e.g. BPI-SF"),
            _c("instrument_version", T, "", "instrument version"),
            _c("taken_on", DT, "date", "day the answers were given"),
            _c("responses", T, "JSON", "item answers as a JSON list of numbers (null = blank)"),
            _c("scores", T, "JSON", "scores by scale as a JSON object of decimals"),
        ),
    ),
    Table(
        "caregiver_checkins",
        "ithaca's caregiver check-in totals",
        (
            PSEUDONYM,
            _c("schedule_point", T, "", "check-in point id"),
            _c("total", INT, "points", "burden total (higher is more burden)"),
            _c("out_of", INT, "points", "highest possible total"),
            _c("checked_on", DT, "date", "day of the check-in"),
        ),
    ),
)

# Cancer site groups, matched in order on the lower-cased diagnosis text.
DIAGNOSIS_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("pancreas", ("pancrea",)),
    ("lung", ("lung", "mesothelioma", "bronch")),
    ("breast", ("breast",)),
    ("colorectal", ("colorectal", "colon", "rect", "anal")),
    (
        "upper_gi",
        ("oesophag", "esophag", "gastric", "stomach", "liver", "hepat", "cholangio", "biliary"),
    ),
    ("prostate", ("prostat",)),
    ("urological", ("bladder", "renal", "kidney", "urothel")),
    ("gynaecological", ("cervi", "ovar", "uter", "endometri", "vulv")),
    ("head_and_neck", ("head and neck", "laryn", "pharyn", "tongue", "oral")),
    ("haematological", ("myeloma", "lymphoma", "leukaem", "leukem")),
    ("sarcoma", ("sarcoma",)),
)
STAGE = re.compile(r"^(0|I|II|III|IV)[A-C]?$")


def diagnosis_group(text: str) -> str:
    lowered = text.lower()
    return next((g for g, keys in DIAGNOSIS_GROUPS if any(k in lowered for k in keys)), "other")


def clean_stage(text: str) -> str:
    stage = text.strip().upper()
    return stage if STAGE.match(stage) else ""


def age_band(years: int) -> str:
    if years < 30:
        return "under 30"
    if years >= 90:
        return "90 and over"
    low = years // 10 * 10
    return f"{low}-{low + 9}"
