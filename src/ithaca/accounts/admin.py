from django.contrib import admin

from ithaca.accounts.models import CaregiverLink, Profile


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin[Profile]):
    list_display = ("user", "display_name", "role")
    list_filter = ("role",)


@admin.register(CaregiverLink)
class CaregiverLinkAdmin(admin.ModelAdmin[CaregiverLink]):
    list_display = ("user", "patient", "created_at")
