"""The pharmacist's page for the clinic drug library."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from ithaca.accounts.permissions import Action, acting_user, may, require
from ithaca.clinical.errors import ClinicalError
from ithaca.devices import library_admin
from ithaca.devices.errors import ServiceRefusal
from ithaca.devices.library import catalogue_in_force
from ithaca.devices.models import ClinicLibrary


class LibraryForm(forms.Form):
    """The clinic file as typed or pasted. Browsers send CR LF line ends; they are made LF
    and the text is kept exactly, so the page and `ithaca --library FILE` give one hash."""

    content = forms.CharField(
        strip=False,
        label="Clinic library file (TOML)",
        widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "false"}),
        help_text="Starts with a [clinic] table: name, version, approved_by, approved_on. See the pharmacist's guide.",
    )
    reason = forms.CharField(
        label="Why the library changes", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


@login_required
def library_page(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.MANAGE_LIBRARY)
    active = ClinicLibrary.objects.filter(active=True).first()
    form = LibraryForm(request.POST or None, initial={"content": active.content if active else ""})
    previewed = None
    if request.method == "POST" and form.is_valid():
        try:
            if "activate" in request.POST:
                library_admin.activate(
                    acting_user(request),
                    _normalised(form.cleaned_data["content"]),
                    form.cleaned_data["reason"],
                )
                messages.success(request, "The clinic library is now in force.")
                return redirect("library")
            previewed = library_admin.preview(_normalised(form.cleaned_data["content"]))
        except ServiceRefusal as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        except ClinicalError as exc:
            form.add_error("content", str(exc))
    context = {
        "form": form,
        "previewed": previewed,
        "in_force": catalogue_in_force(),
        "history": ClinicLibrary.objects.select_related("uploaded_by")[:20],
        "can_manage": may(request.user, Action.MANAGE_LIBRARY),
    }
    return render(request, "ithaca/library.html", context)


@login_required
def library_withdraw(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.MANAGE_LIBRARY)
    if request.method != "POST":
        return redirect("library")
    try:
        library_admin.withdraw(acting_user(request), request.POST.get("reason", ""))
        messages.success(
            request, "The clinic library was withdrawn: the base library alone is in force."
        )
    except ServiceRefusal as exc:
        messages.error(request, exc.message)
    return redirect("library")


def _normalised(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")
