"""The family pages' translations: refresh the catalogue, check it, compile it.

    python -m ithaca.family.i18n extract   # add new msgids from the templates and code (xgettext)
    python -m ithaca.family.i18n check     # untranslated, fuzzy or mismatched entries
    python -m ithaca.family.i18n compile   # .po -> .mo, with polib (no msgfmt needed)

The catalogue covers the family app and the chrome of the shared base template, which the
family pages show. Extraction runs Django's makemessages on a temporary copy, so the
committed .po is only ever changed by a merge that keeps every translation.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

import polib  # type: ignore[import-untyped]

FAMILY = Path(__file__).resolve().parent
PO = FAMILY / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
SHARED_TEMPLATES = tuple(
    FAMILY.parent / "web" / "templates" / "ithaca" / name
    for name in ("base.html", "login.html", "error.html")  # pages family accounts see too
)
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w*\}|%[sd]")


def extract() -> polib.POFile:
    """Every translatable string in the family app and the shared templates, as makemessages
    finds them (needs GNU xgettext)."""
    from django.core.management import call_command

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shutil.copytree(
            FAMILY, root / "family", ignore=shutil.ignore_patterns("locale", "__pycache__")
        )
        for template in SHARED_TEMPLATES:
            shutil.copy(template, root / template.name)
        (root / "locale").mkdir()
        here = Path.cwd()
        os.chdir(root)
        try:
            call_command(
                "makemessages", locale=["zh_Hans"], no_location=True, no_obsolete=True, verbosity=0
            )
        finally:
            os.chdir(here)
        return polib.pofile(str(root / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))


def keys(po: polib.POFile) -> set[tuple[str | None, str]]:
    return {(e.msgctxt, e.msgid) for e in po if not e.obsolete}


def problems(po: polib.POFile) -> list[str]:
    found = []
    for entry in po:
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            found.append(f"fuzzy: {entry.msgid!r}")
        if not entry.translated():
            found.append(f"untranslated: {entry.msgid!r}")
            continue
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        wanted = sorted(PLACEHOLDER.findall(entry.msgid))
        for text in translations:
            if sorted(PLACEHOLDER.findall(text)) != wanted:
                found.append(f"placeholders differ: {entry.msgid!r} -> {text!r}")
    return found


def refresh() -> list[str]:
    """Merge newly extracted msgids into the committed catalogue; returns the new ones."""
    po = polib.pofile(str(PO))
    extracted = extract()
    new = sorted(msgid for _ctx, msgid in keys(extracted) - keys(po))
    po.merge(extracted)
    # The extracted file assumes two plural forms; Chinese has one (nplurals=1).
    found = re.search(r"nplurals=(\d+)", po.metadata.get("Plural-Forms", ""))
    plurals = int(found.group(1)) if found else 1
    for entry in po:
        if entry.msgid_plural:
            entry.msgstr_plural = {k: v for k, v in entry.msgstr_plural.items() if k < plurals}
    po.save(str(PO))
    return new


def compile_catalogue() -> None:
    polib.pofile(str(PO)).save_as_mofile(str(MO))


def main(argv: list[str]) -> int:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ithaca.web.settings")
    django.setup()
    command = argv[0] if argv else "check"
    if command == "extract":
        for msgid in refresh():
            print(f"new: {msgid}")
    elif command == "compile":
        compile_catalogue()
    elif command == "check":
        found = problems(polib.pofile(str(PO)))
        print("\n".join(found) or "every entry is translated")
        return 1 if found else 0
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
