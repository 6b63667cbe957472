"""The family's own pages: the portal, and accepting an invitation.

Read-only: the portal's one form is the language picker, which posts to Django's
set_language. A caregiver or patient account sees only the patient it is linked to;
a clinician is sent to the clinical pages. Refusals are pages in the reader's language.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from ithaca.accounts.models import Role
from ithaca.accounts.permissions import Action, acting_user, may, role_of
from ithaca.audit.chain import record
from ithaca.audit.models import AuditAction
from ithaca.clinical.pathway import Stage
from ithaca.family import invitations
from ithaca.family.education import PAGES
from ithaca.family.forms import AcceptForm
from ithaca.family.portal import pump_cards, team_contacts, urgent_sources
from ithaca.patients.models import Patient

FAMILY_ROLES = (Role.CAREGIVER, Role.PATIENT)


def family_page(
    request: HttpRequest, template: str, context: Mapping[str, object], status: int = 200
) -> HttpResponse:
    """A page of the family side: it carries the language picker."""
    # Each language is offered in its own name (English, 简体中文), never translated.
    extra = {"family_page": True, "languages": settings.LANGUAGES}
    return render(request, template, {**extra, **context}, status=status)


def refused(
    request: HttpRequest, message: str, status: int = 403, title: str | None = None
) -> HttpResponse:
    context = {"title": title or _("Not allowed"), "message": message}
    return family_page(request, "family/refused.html", context, status)


@require_safe
@login_required
def portal(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    if role_of(user) not in FAMILY_ROLES:
        return refused(
            request,
            _(
                "These pages are for patients and their families. The clinical record is on the "
                "Patients pages."
            ),
        )
    links = list(user.caregiver_links.select_related("patient").order_by("patient__family_name"))
    if len(links) == 1:
        return _portal_for(request, links[0].patient)
    return family_page(request, "family/portal_choose.html", {"links": links})


@require_safe
@login_required
def portal_patient(request: HttpRequest, patient_id: int) -> HttpResponse:
    user = acting_user(request)
    patient = Patient.objects.filter(pk=patient_id).first()
    if patient is None or not may(user, Action.VIEW_PORTAL, patient):
        if role_of(user) not in FAMILY_ROLES:
            return refused(request, _("These pages are for patients and their families."))
        return refused(
            request, _("Your account may only see the person the pain team linked it to.")
        )
    return _portal_for(request, patient)


def _portal_for(request: HttpRequest, patient: Patient) -> HttpResponse:
    # `may` holds the policy; it is asked again here so no path reaches a record without it.
    if not may(request.user, Action.VIEW_PORTAL, patient):
        return refused(
            request, _("Your account may only see the person the pain team linked it to.")
        )
    record(
        request.user,
        AuditAction.VIEW,
        "portal",
        patient.pk,
        patient_id=patient.pk,
        detail={"path": request.path},
    )
    if patient.stage is Stage.DECEASED:
        # No refill dates or alarm advice for a family after a death: only the team's numbers.
        context = {"patient": patient, "contacts": team_contacts(), "pages": PAGES}
        return family_page(request, "family/portal_bereaved.html", context)
    context = {
        "patient": patient,
        "pumps": pump_cards(patient),
        "contacts": team_contacts(),
        "pages": PAGES,
        "urgent": urgent_sources(),
    }
    return family_page(request, "family/portal.html", context)


def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    if request.user.is_authenticated:
        return refused(
            request,
            _("You are signed in as %(name)s. Sign out first, then open the invitation link again.")
            % {"name": request.user.get_username()},
            status=409,
        )
    invitation = invitations.find(token)
    if invitation is None:
        return refused(
            request,
            _("This invitation link is not valid. Check it was copied whole."),
            404,
            _("This link cannot be used"),
        )
    state = invitations.state_of(invitation)
    if state is not invitations.InvitationState.OPEN:
        return refused(request, invitations.refusal_for(state), 410, _("This link cannot be used"))
    form = AcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = invitations.accept(
                token,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
            )
        except invitations.InvitationRefused as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        except ValidationError as exc:
            form.add_error("password", exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("family:portal")
    return family_page(request, "family/accept.html", {"form": form, "invitation": invitation})
