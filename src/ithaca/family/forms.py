"""The two forms of the family pages: the team's invitation, and the family's new account."""

from __future__ import annotations

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ithaca.family.invitations import DEFAULT_DAYS, MAXIMUM_DAYS
from ithaca.family.models import InviteeRole


class InviteForm(forms.Form):
    role = forms.ChoiceField(
        label=_("Who is invited"), choices=InviteeRole.choices, initial=InviteeRole.CAREGIVER
    )
    name = forms.CharField(label=_("Their name"), max_length=120)
    relationship = forms.CharField(
        label=_("Relationship to the patient"),
        max_length=60,
        required=False,
        help_text=_("For a caregiver: daughter, husband, friend… Left empty for the patient."),
    )
    days = forms.IntegerField(
        label=_("Days the link stays valid"),
        min_value=1,
        max_value=MAXIMUM_DAYS,
        initial=DEFAULT_DAYS,
        help_text=format_lazy(_("At most {days} days."), days=MAXIMUM_DAYS),
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if (
            data.get("role") == InviteeRole.CAREGIVER
            and not str(data.get("relationship", "")).strip()
        ):
            self.add_error("relationship", _("Write how this person is related to the patient."))
        return data


class AcceptForm(forms.Form):
    username = forms.CharField(
        label=_("Choose a username"),
        max_length=150,
        help_text=_("Letters, numbers and @ . + - _ only. You will type it each time you sign in."),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password = forms.CharField(
        label=_("Choose a password"),
        strip=False,
        help_text=_("At least 10 characters. Not only numbers, and not a common password."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label=_("Type the password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_username(self) -> str:
        username = str(self.cleaned_data["username"]).strip()
        allowed = set("@.+-_")
        if not all(ch.isalnum() or ch in allowed for ch in username):
            raise forms.ValidationError(
                _("Use only letters, numbers and @ . + - _ in the username.")
            )
        return username

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("The two passwords are not the same."))
        return data
