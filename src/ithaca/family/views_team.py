"""The team's side: invite a patient or caregiver, see who has access, revoke, remove.

Every page checks INVITE_FAMILY for the patient concerned; every change goes through
family.invitations, which audits it. The invitation link is shown once, on the page that
answers the POST that made it, and never stored.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from ithaca.accounts.models import CaregiverLink
from ithaca.accounts.permissions import Action, acting_user, require
from ithaca.family import invitations
from ithaca.family.forms import InviteForm
from ithaca.family.models import Invitation, InviteeRole
from ithaca.patients.access import open_patient
from ithaca.patients.models import Patient

RECENT = 50  # invitations listed on the clinic-wide page


def _rows(queryset: object) -> list[tuple[Invitation, str]]:
    now = timezone.now()
    return [(i, invitations.state_of(i, now).value) for i in queryset]  # type: ignore[attr-defined]


@require_safe
@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """Every open invitation in the clinic, and a way to find a patient to invite for."""
    require(request.user, Action.INVITE_FAMILY)
    number = request.GET.get("hospital_number", "").strip()[:32]
    if number:
        patient = Patient.objects.filter(hospital_number__iexact=number).first()
        if patient is not None:
            return redirect("family:patient-family", patient_id=patient.pk)
        messages.error(
            request, _("No patient has the hospital number %(number)s.") % {"number": number}
        )
    waiting = Invitation.objects.filter(
        accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).select_related("patient", "created_by")[:RECENT]
    links = CaregiverLink.objects.select_related("user__profile", "patient").order_by(
        "-created_at"
    )[:RECENT]
    return render(
        request,
        "family/team_overview.html",
        {"waiting": _rows(waiting), "links": links, "hospital_number": number},
    )


@login_required
def patient_family(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = open_patient(request, patient_id, Action.INVITE_FAMILY)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            issued = invitations.issue(
                acting_user(request),
                patient,
                name=form.cleaned_data["name"],
                relationship=form.cleaned_data["relationship"],
                role=InviteeRole(form.cleaned_data["role"]),
                days=form.cleaned_data["days"],
            )
        except invitations.InvitationRefused as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            link = request.build_absolute_uri(
                reverse("family:accept", kwargs={"token": issued.token})
            )
            return render(
                request,
                "family/team_issued.html",
                {"patient": patient, "invitation": issued.invitation, "link": link},
            )
    context = {
        "patient": patient,
        "form": form,
        "rows": _rows(
            Invitation.objects.filter(patient=patient).select_related("created_by", "accepted_by")
        ),
        "links": patient.caregiver_links.select_related("user__profile").order_by("created_at"),
    }
    return render(request, "family/team_patient.html", context)


@login_required
@require_POST
def revoke(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation.objects.select_related("patient"), pk=invitation_id)
    try:
        invitations.revoke(acting_user(request), invitation)
    except invitations.InvitationRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("The invitation for %(name)s is withdrawn: its link no longer works.")
            % {"name": invitation.name},
        )
    return redirect("family:patient-family", patient_id=invitation.patient_id)


@login_required
@require_POST
def remove_link(request: HttpRequest, link_id: int) -> HttpResponse:
    link = get_object_or_404(CaregiverLink.objects.select_related("patient", "user"), pk=link_id)
    patient_id = link.patient_id
    name = link.user.get_username()
    invitations.remove_link(acting_user(request), link)
    messages.success(
        request, _("%(name)s can no longer see this patient's family pages.") % {"name": name}
    )
    return redirect("family:patient-family", patient_id=patient_id)
