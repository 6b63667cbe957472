"""Clinician pages in English: their strings are marked for translation but no clinician
catalogue ships yet, so a clinician whose browser asks for Chinese would otherwise see the
few words that happen to be in the family catalogue mixed into English pages. Family
accounts and signed-out visitors keep the language they chose (or their browser's)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from ithaca.accounts.models import Role
from ithaca.accounts.permissions import role_of

FAMILY_ROLES = (Role.CAREGIVER, Role.PATIENT)


class StaffPagesInEnglish:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        role = role_of(request.user)
        if role is not None and role not in FAMILY_ROLES:
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = settings.LANGUAGE_CODE
        return self.get_response(request)
