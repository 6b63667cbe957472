"""The decision aid's Simplified Chinese: complete, never fuzzy, compiled, and covering every
patient-facing text of decision_aid.toml (which makemessages cannot see)."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

import polib
import pytest

import ithaca.decisionaid
from ithaca.clinical.catalogue import SIGNOFF_STATEMENT
from ithaca.clinical.decision_options import option_table
from ithaca.clinical.eligibility import SuggestedSystem

LOCALE = Path(ithaca.decisionaid.__file__).resolve().parent / "locale" / "zh_Hans" / "LC_MESSAGES"


@pytest.fixture(scope="module")
def po() -> polib.POFile:
    return polib.pofile(str(LOCALE / "django.po"))


def data_file_texts() -> list[str]:
    text = resources.files("ithaca.data").joinpath("decision_aid.toml").read_text(encoding="utf-8")
    aid = tomllib.loads(text)["decision_aid"]
    found: list[str] = []
    for section in ("sure", "values", "readiness", "checkin"):
        node = aid[section]
        found += node.get("labels", [])
        found += [item["text"] for item in node["items"]]
        found += [point["label"] for point in node.get("schedule", [])]
    for option in aid["options"].values():
        found += [option["name"], option["description"]]
        for key in ("benefits", "risks", "asks"):
            found += [line["text"] for line in option.get(key, [])]
    return found


def test_no_entry_is_empty_or_fuzzy(po):
    assert [e.msgid for e in po if not e.msgstr] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []
    assert [e.msgid for e in po.obsolete_entries()] == []


def test_the_compiled_catalogue_matches_the_po(po):
    mo = polib.mofile(str(LOCALE / "django.mo"))
    compiled = {e.msgid: e.msgstr for e in mo if e.msgid}
    assert compiled == {e.msgid: e.msgstr for e in po.translated_entries()}


def test_every_patient_facing_text_of_the_data_file_is_translated(po):
    translated = {e.msgid for e in po.translated_entries()}
    assert [t for t in data_file_texts() if t not in translated] == []


def test_placeholders_survive_translation(po):
    for entry in po.translated_entries():
        for name in ("%(most)s", "%(level)s", "%(label)s", "%(stage)s", "%(total)s", "%(item)s"):
            assert (name in entry.msgid) == (name in entry.msgstr), entry.msgid


def test_the_sentences_the_core_writes_for_the_family_are_translated(po, catalogue):
    translated = {e.msgid for e in po.translated_entries()}
    notes = [option_table(catalogue.decision_aid, s).note for s in (None, *SuggestedSystem)]
    assert [n for n in [*notes, SIGNOFF_STATEMENT] if n not in translated] == []
