"""The team's telephone numbers, edited by the clinic's administrator; changes are audited.

Invitations are read-only here: they are issued and revoked on the team's pages, where the
link can be shown once and the permission is checked per patient.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from ithaca.accounts.admin import AuditedAdmin
from ithaca.family.models import Invitation, TeamContact


@admin.register(TeamContact)
class TeamContactAdmin(AuditedAdmin):
    list_display = ("name", "name_zh_hans", "phone", "when", "order", "active")
    list_editable = ("order", "active")
    list_filter = ("when", "active")


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin[Invitation]):
    list_display = (
        "name",
        "relationship",
        "role",
        "patient",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    )
    exclude = ("token_hash",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
