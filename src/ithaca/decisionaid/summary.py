"""The printable summary of a decision-aid session, for the patient's notes and the family,
in English or Simplified Chinese, rendered to PDF by WeasyPrint.

Everything printed comes from the stored session (answers, scores, the options as shown
with their sources and the library hash), never from today's library: the sheet says what
was discussed then. The font list names Noto Sans CJK SC first so Chinese text renders.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone, translation
from weasyprint import HTML

from ithaca import __version__
from ithaca.clinical.catalogue import SIGNOFF_STATEMENT
from ithaca.decisionaid.models import DecisionAidSession
from ithaca.patients.models import Patient


def summary_context(session: DecisionAidSession, patient: Patient) -> dict[str, object]:
    shown = session.options_shown
    options = shown.get("options", []) if isinstance(shown, dict) else []
    return {
        "patient": patient,
        "session": session,
        "options": options,
        "highlighted": [o for o in options if o.get("highlighted")],
        "by": getattr(getattr(session.by, "profile", None), "display_name", "")
        or session.by.get_username(),
        "at": timezone.localtime(session.at),
        "printed_at": timezone.localtime(),
        "ithaca_version": __version__,
        "signoff": SIGNOFF_STATEMENT,
    }


def summary_pdf(session: DecisionAidSession, patient: Patient, lang: str) -> bytes:
    with translation.override(lang):
        html = render_to_string(
            "decisionaid/print/summary.html",
            summary_context(session, patient) | {"lang": lang},
        )
    return bytes(HTML(string=html).write_pdf())
