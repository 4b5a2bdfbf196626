"""Forms of the settings pages and of two-factor authentication. They parse what was typed;
the rules live in the actions."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.forms import BoundField
from django.utils.translation import gettext_lazy as _

from sportello.accounts.models import Role, Team
from sportello.channels.models import Channel
from sportello.channels.registry import ConfigField, Provider
from sportello.web.fields import ColorInput

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


# --- channels ---------------------------------------------------------------------------------

CONFIG_PREFIX = "config__"


def config_field_name(key: str) -> str:
    return CONFIG_PREFIX + key.replace(".", "__")


def _stored(config: Any, key: str) -> Any:
    for part in key.split("."):
        if not isinstance(config, dict):
            return None
        config = config.get(part)
    return config


class WordListField(forms.CharField):
    """Words or lines apart (a web chat's sites, one a line), cleaned into a list."""

    widget = forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "autocapitalize": "none"})

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        return [word for word in re.split(r"[\s,]+", super().to_python(value) or "") if word]


def _channel_choices(workspace_id: int | None, kind: str, stored: Any) -> list[tuple[str, str]]:
    """The workspace's channels of ``kind`` by name, and a stored slug that names none
    (so that saving the page never drops it unasked)."""
    choices: list[tuple[str, str]] = []
    if workspace_id is not None:
        rows = Channel.objects.filter(workspace_id=workspace_id, kind=kind).order_by("name", "id")
        choices = [(slug, f"{name} ({slug})") for slug, name in rows.values_list("slug", "name")]
    if isinstance(stored, str) and stored and stored not in {slug for slug, _n in choices}:
        choices.append((stored, stored))
    return [("", str(_("None"))), *choices]


def _config_form_field(
    spec: ConfigField, *, stored: Any, editing: bool, workspace_id: int | None = None
) -> forms.Field:
    common: dict[str, Any] = {"label": spec.label, "help_text": spec.help}
    if spec.type == "secret":
        attrs = {"autocomplete": "new-password"}
        if stored:
            # Write-only: the stored value is never sent back, only that there is one.
            attrs["placeholder"] = str(_("•••• (set)"))
            common["help_text"] = _("Leave empty to keep the one stored.")
        return forms.CharField(
            required=spec.required and not stored,
            widget=forms.PasswordInput(attrs=attrs, render_value=False),
            **common,
        )
    initial = stored if editing and stored is not None else spec.initial
    if spec.type == "list":
        lines = initial if isinstance(initial, list) else []
        return WordListField(
            required=spec.required,
            initial="\n".join(str(item) for item in lines),
            max_length=5000,
            **common,
        )
    if isinstance(initial, list):
        # A list setting typed as text (a reviews channel's feeds) is words apart.
        initial = " ".join(str(item) for item in initial)
    if spec.type == "channel":
        return forms.ChoiceField(
            required=spec.required,
            choices=_channel_choices(workspace_id, spec.channel_kind, stored),
            initial=initial or "",
            **common,
        )
    if spec.type == "color":
        return forms.CharField(
            required=spec.required, initial=initial, max_length=7, widget=ColorInput, **common
        )
    if spec.type == "longtext":
        return forms.CharField(
            required=spec.required,
            initial=initial,
            max_length=1000,
            widget=forms.Textarea(attrs={"rows": 2}),
            **common,
        )
    if spec.type == "bool":
        return forms.BooleanField(required=False, initial=bool(initial), **common)
    if spec.type == "number":
        return forms.IntegerField(
            required=spec.required, min_value=0, max_value=65535, initial=initial, **common
        )
    if spec.type == "choice":
        return forms.ChoiceField(
            required=spec.required, choices=list(spec.choices), initial=initial, **common
        )
    if spec.type == "url":
        return forms.URLField(
            required=spec.required,
            initial=initial,
            max_length=1000,
            assume_scheme="https",
            **common,
        )
    kind = forms.EmailField if spec.type == "email" else forms.CharField
    return kind(required=spec.required, initial=initial, max_length=1000, **common)


class ChannelSettingsForm(forms.Form):
    """A channel's name, state, team and its provider's settings as proper fields
    (``Provider.config_fields``). Secrets are write-only: an empty one keeps the stored
    value (``channels.actions.merge_secrets``)."""

    name = forms.CharField(label=_("Name"), max_length=120)
    slug = forms.SlugField(
        label=_("Identifier"),
        max_length=60,
        help_text=_("Lower-case letters, digits and dashes; integrations name the channel by it."),
    )
    default_team = forms.TypedChoiceField(
        label=_("Team for new conversations"), required=False, coerce=int, empty_value=None
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(
        self,
        provider: Provider,
        *,
        channel: Channel | None = None,
        teams: list[Team] | tuple[Team, ...] = (),
        data: Any = None,
        workspace_id: int | None = None,
    ) -> None:
        initial = {}
        if channel is not None:
            initial = {
                "name": channel.name,
                "default_team": channel.default_team_id,
                "is_active": channel.is_active,
            }
        super().__init__(data=data, initial=initial)
        self.provider = provider
        self.channel = channel
        if channel is not None:
            del self.fields["slug"]
        self.fields["default_team"].choices = [("", _("No team"))] + [  # type: ignore[attr-defined]
            (team.pk, team.name) for team in teams
        ]
        stored_config = channel.config if channel is not None else {}
        if channel is not None:
            workspace_id = channel.workspace_id
        for spec in provider.config_fields:
            self.fields[config_field_name(spec.key)] = _config_form_field(
                spec,
                stored=_stored(stored_config, spec.key),
                editing=channel is not None,
                workspace_id=workspace_id,
            )

    def config_field(self, key: str) -> ConfigField | None:
        """The provider's field of a config key a refusal names (``imap.host``,
        ``feeds[2]``), or None when the form has none."""
        key = re.sub(r"\[\d+\]$", "", key.removeprefix("config."))
        return next((spec for spec in self.provider.config_fields if spec.key == key), None)

    def groups(self) -> list[tuple[str, list[BoundField]]]:
        """The provider's fields by ``ConfigField.group``, in their order."""
        grouped: dict[str, list[BoundField]] = {}
        for spec in self.provider.config_fields:
            grouped.setdefault(str(spec.group), []).append(self[config_field_name(spec.key)])
        return list(grouped.items())

    def config(self) -> dict[str, Any] | None:
        """The config to save, or None (keep it) for a provider that declares no fields.
        An object whose text and numbers are all empty or as they start is left out."""
        if not self.provider.config_fields:
            return None if self.channel is not None else {}
        config: dict[str, Any] = {}
        untouched: dict[str, bool] = {}
        for spec in self.provider.config_fields:
            value = self.cleaned_data.get(config_field_name(spec.key))
            parts = spec.key.split(".")
            if len(parts) > 1 and spec.type != "bool":
                empty = value in (None, "") or value == spec.initial
                untouched[parts[0]] = untouched.get(parts[0], True) and empty
            if spec.type == "number" and value is None:
                continue
            if value is None:
                value = ""
            place = config
            for part in parts[:-1]:
                place = place.setdefault(part, {})
            place[parts[-1]] = value
        for section, empty in untouched.items():
            if empty:
                config.pop(section, None)
        return config


# --- agents and teams ---------------------------------------------------------------------------


def _team_choices(teams: list[Team] | tuple[Team, ...]) -> list[tuple[str, str]]:
    return [(str(team.pk), team.name) for team in teams]


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=254)
    display_name = forms.CharField(label=_("Name"), max_length=120, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.AGENT)
    teams = forms.MultipleChoiceField(
        label=_("Teams"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, teams: list[Team] | tuple[Team, ...], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["teams"].choices = _team_choices(teams)  # type: ignore[attr-defined]


class AgentForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    teams = forms.MultipleChoiceField(
        label=_("Teams"), required=False, widget=forms.CheckboxSelectMultiple
    )
    is_active = forms.BooleanField(label=_("Active"), required=False)

    def __init__(self, teams: list[Team] | tuple[Team, ...], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["teams"].choices = _team_choices(teams)  # type: ignore[attr-defined]


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Team name"), max_length=120)


class SignInPolicyForm(forms.Form):
    require_two_factor = forms.BooleanField(
        label=_("Require two-factor authentication of every agent"),
        required=False,
        help_text=_("Agents without it are sent to set it up when they next sign in."),
    )
