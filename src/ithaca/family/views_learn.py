"""The education pages and their printed leaflets, for signed-in family and staff.

Any signed-in account with a role may read them: they describe the treatment, not a
patient. (accounts.permissions has no action for this yet; see READING_ROLES.)
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from ithaca.accounts.permissions import Action, acting_user, may
from ithaca.family.education import BY_SLUG, PAGES, EducationPage
from ithaca.family.leaflet_pdf import leaflet
from ithaca.family.portal import urgent_sources
from ithaca.family.views_portal import family_page, refused
from ithaca.web.fonts import MISSING_CJK, cjk_font_installed, needs_cjk

LANGUAGE_CODES = {code for code, _name in settings.LANGUAGES}


def _readable(request: HttpRequest) -> HttpResponse | None:
    """A refusal for an account with no role (it has nothing at the clinic), else None."""
    if not may(acting_user(request), Action.VIEW_EDUCATION):
        return refused(request, _("Your account has no role at the clinic yet. Ask the pain team."))
    return None


def _page(slug: str) -> EducationPage:
    try:
        return BY_SLUG[slug]
    except KeyError:
        raise Http404("no such page") from None


@require_safe
@login_required
def learn_index(request: HttpRequest) -> HttpResponse:
    return _readable(request) or family_page(request, "family/learn_index.html", {"pages": PAGES})


@require_safe
@login_required
def learn_page(request: HttpRequest, slug: str) -> HttpResponse:
    page = _page(slug)
    position = PAGES.index(page)
    context = {
        "page": page,
        "previous": PAGES[position - 1] if position > 0 else None,
        "next": PAGES[position + 1] if position + 1 < len(PAGES) else None,
        "urgent": urgent_sources(),
    }
    return _readable(request) or family_page(request, "family/learn_page.html", context)


@require_safe
@login_required
def leaflet_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    page = _page(slug)
    refusal = _readable(request)
    if refusal is not None:
        return refusal
    language = request.GET.get("lang") or get_language() or settings.LANGUAGE_CODE
    if language not in LANGUAGE_CODES:
        return refused(
            request,
            _("Leaflets are printed in English (en-gb) or Simplified Chinese (zh-hans)."),
            400,
            _("No leaflet in that language"),
        )
    if needs_cjk(language) and not cjk_font_installed():
        return refused(request, MISSING_CJK, 503, "Cannot print in Chinese yet")
    response = HttpResponse(leaflet(page, language), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="ithaca-{slug}-{language}.pdf"'
    return response
