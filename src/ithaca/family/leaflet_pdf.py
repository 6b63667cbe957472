"""Printed leaflets: an education page on A4 in large type, in English or Chinese.

WeasyPrint draws with the system's fonts. The stylesheet names Noto Sans CJK SC (Debian's
fonts-noto-cjk, installed by `make fonts`) before DejaVu Sans, so Chinese prints in a real
Chinese typeface and the PDF carries its glyphs; nothing is fetched from the network.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone, translation
from weasyprint import HTML

from ithaca.family.education import EducationPage
from ithaca.family.portal import team_contacts, urgent_sources


def leaflet(page: EducationPage, language: str) -> bytes:
    with translation.override(language):
        html = render_to_string(
            "family/print/leaflet.html",
            {
                "page": page,
                "contacts": team_contacts(),
                "printed_on": timezone.localdate(),
                "urgent": urgent_sources(),
            },
        )
    return bytes(HTML(string=html).write_pdf())
