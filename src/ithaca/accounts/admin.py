"""Accounts in the admin. A role or a caregiver link grants access to patient records, so
every change to one is written to the hash-chained audit trail, not only Django's log."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.db.models import Model, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from ithaca.accounts.models import CaregiverLink, Profile
from ithaca.audit.chain import record
from ithaca.audit.models import AuditAction


class AuditedAdmin(admin.ModelAdmin[Any]):
    def _audit(self, request: HttpRequest, obj: Model, action: str, detail: dict[str, Any]) -> None:
        patient_id = getattr(obj, "patient_id", None)
        record(
            request.user,
            action,
            obj._meta.model_name or "",
            obj.pk,
            patient_id=patient_id,
            reason="changed in the administration pages",
            detail=detail,
        )

    def save_model(
        self, request: HttpRequest, obj: Any, form: ModelForm[Any], change: bool
    ) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            changed = {name: str(form.cleaned_data.get(name)) for name in form.changed_data}
            self._audit(request, obj, AuditAction.CHANGE if change else AuditAction.CREATE, changed)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            self._audit(request, obj, AuditAction.CHANGE, {"deleted": str(obj)})
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(Profile)
class ProfileAdmin(AuditedAdmin):
    list_display = ("user", "display_name", "role")
    list_filter = ("role",)


@admin.register(CaregiverLink)
class CaregiverLinkAdmin(AuditedAdmin):
    list_display = ("user", "patient", "created_at")
