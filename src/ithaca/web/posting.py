"""Saving a posted form through a service: the one pattern every record page follows.

A form that does not validate is shown again with its errors; a service's refusal is put
beside the field it names (or above the form); a save is confirmed in a message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from django import forms
from django.contrib import messages
from django.http import HttpRequest

from ithaca.devices.errors import ServiceRefusal


def refusal_to_form(
    form: forms.BaseForm, exc: ServiceRefusal, aliases: Mapping[str, str | None] | None = None
) -> None:
    """The service's sentence beside the field it names (a service's field name may differ
    from the form's: `aliases` maps one to the other), or above the form."""
    field = (aliases or {}).get(exc.field, exc.field) if exc.field else None
    form.add_error(field if field in form.fields else None, exc.message)


def saved(
    request: HttpRequest,
    form: forms.BaseForm,
    save: Callable[[], object],
    done: str,
    aliases: Mapping[str, str | None] | None = None,
) -> bool:
    """Validate and save a POSTed form; True when saved (the message is queued)."""
    if request.method != "POST" or not form.is_valid():
        return False
    try:
        save()
    except ServiceRefusal as exc:
        refusal_to_form(form, exc, aliases)
        return False
    messages.success(request, done)
    return True
