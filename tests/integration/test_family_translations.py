"""The Chinese catalogue of the family pages is complete, current and compiled.

It fails on any untranslated or fuzzy entry, on a translation that drops or invents a
placeholder, on any translatable string in the family templates and code (or the shared
base template's chrome) that the catalogue lacks, and on a compiled .mo that does not say
what the .po says.
"""

from __future__ import annotations

import os
import shutil

import polib
import pytest
from django.utils import translation

from ithaca.family import i18n
from ithaca.family.education import PAGES


@pytest.fixture(scope="module")
def catalogue() -> polib.POFile:
    return polib.pofile(str(i18n.PO))


def test_every_entry_is_translated_and_none_is_fuzzy(catalogue):
    assert not catalogue.untranslated_entries()
    assert not catalogue.fuzzy_entries()
    assert not catalogue.obsolete_entries()
    assert i18n.problems(catalogue) == []


def test_a_fuzzy_or_empty_entry_would_be_caught():
    po = polib.POFile()
    po.append(polib.POEntry(msgid="Next refill", msgstr="下次加药", flags=["fuzzy"]))
    po.append(polib.POEntry(msgid="Why it matters", msgstr=""))
    po.append(polib.POEntry(msgid="In %(days)s days.", msgstr="还有几天。"))
    found = i18n.problems(po)
    assert any(p.startswith("fuzzy") for p in found)
    assert any(p.startswith("untranslated") for p in found)
    assert any(p.startswith("placeholders differ") for p in found)


def test_every_translatable_string_in_the_family_pages_is_in_the_catalogue(catalogue, settings):
    if shutil.which("xgettext") is None:
        # On CI (`make test` installs gettext) a missing tool must fail, not pass silently.
        if os.environ.get("CI"):
            pytest.fail("GNU xgettext is missing on CI: `make browser` installs gettext")
        pytest.skip("GNU xgettext (gettext) is not installed")
    extracted = i18n.extract()
    missing = sorted(msgid for _ctx, msgid in i18n.keys(extracted) - i18n.keys(catalogue))
    assert missing == [], "run `python -m ithaca.family.i18n extract`, translate, then compile"
    stale = sorted(msgid for _ctx, msgid in i18n.keys(catalogue) - i18n.keys(extracted))
    assert stale == [], "the catalogue holds strings no page uses any more"


def test_the_compiled_catalogue_says_what_the_po_says(catalogue):
    compiled = polib.mofile(str(i18n.MO))
    as_po = {(e.msgctxt, e.msgid): (e.msgstr, dict(e.msgstr_plural)) for e in catalogue}
    as_mo = {
        (e.msgctxt, e.msgid): (e.msgstr, {int(k): v for k, v in e.msgstr_plural.items()})
        for e in compiled
    }
    assert as_mo == as_po


def test_django_finds_the_chinese_catalogue_for_the_pages():
    with translation.override("zh-hans"):
        assert str(PAGES[0].title) == "疼痛是可以控制的"
        assert translation.gettext("Next refill") == "下次加药"
    with translation.override("en-gb"):
        assert str(PAGES[0].title) == "Pain can be controlled"
