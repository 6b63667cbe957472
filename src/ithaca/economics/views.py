"""The clinic cost report: a scenario form, cumulative cost, break-even, the tornado."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ithaca.accounts.permissions import Action, require
from ithaca.clinical.catalogue import SIGNOFF_STATEMENT
from ithaca.devices.library import catalogue_in_force
from ithaca.economics.forms import ScenarioForm
from ithaca.economics.report import clinic_report


@login_required
def cost_report(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.VIEW_REPORTS)
    catalogue = catalogue_in_force()
    rules = catalogue.economics
    form = ScenarioForm(request.GET, rules)
    context = clinic_report(rules, form.scenario())
    return render(
        request,
        "economics/cost_report.html",
        {
            **context,
            "form": form,
            "signoff": SIGNOFF_STATEMENT,
            "library": catalogue.identity.describe(),
        },
    )
