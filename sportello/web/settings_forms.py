"""Forms of the settings pages and of two-factor authentication. They parse what was typed;
the rules live in the actions."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

CODE_ATTRS = {
    "autocomplete": "one-time-code",
    "inputmode": "numeric",
    "autofocus": True,
    "spellcheck": "false",
}


class CodeForm(forms.Form):
    """The six digits the authenticator app shows (or, at sign-in, a recovery code)."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(attrs=CODE_ATTRS),
    )


class SignInCodeForm(CodeForm):
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        help_text=_("Lost your phone? Type one of your recovery codes instead."),
        max_length=32,
        widget=forms.TextInput(attrs=CODE_ATTRS),
    )


class DisableTwoFactorForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=32,
        widget=forms.TextInput(attrs={**CODE_ATTRS, "autofocus": False}),
    )
