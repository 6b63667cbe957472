"""Where each role lands after signing in: its work, not a page it may not see."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from ithaca.accounts.models import Role
from ithaca.accounts.permissions import acting_user, role_of


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    role = role_of(user)
    if role in (Role.CAREGIVER, Role.PATIENT):
        # The family portal: their one patient's refill date, alarms and the team's numbers.
        return redirect("family:portal")
    if role is Role.ADMINISTRATOR:
        return redirect("/admin/")
    if role is None:
        return render(
            request,
            "ithaca/error.html",
            {
                "title": "No role yet",
                "message": "Your account has no role in the clinic yet. Ask the clinic administrator.",
            },
            status=403,
        )
    return redirect("/dashboard/")
