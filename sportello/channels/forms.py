"""The channel form the admin uses: a channel cannot be saved with settings its provider
refuses, and its secrets are write-only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from sportello.channels.actions import merge_secrets, validate_channel_config
from sportello.channels.models import Channel
from sportello.channels.queries import redacted
from sportello.core.errors import InvalidInput

SECRETS_HELP = _(
    "Passwords and tokens are never shown: they read ***. Leave *** to keep one; "
    "type a new value to replace it."
)


class ChannelForm(forms.ModelForm):  # type: ignore[type-arg]
    """The config box shows a stored channel's config as the API does
    (``channels.queries.redacted``: secrets as ``***``); a config saved with a secret still
    masked, empty or left out keeps the stored one (``channels.actions.merge_secrets``),
    and the result passes the provider's rules as ``update_channel``'s does."""

    class Meta:
        model = Channel
        fields = ["kind", "name", "slug", "config", "default_team", "is_active", "workspace"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "config" in self.fields:
            self.fields["config"].help_text = SECRETS_HELP
            if self.instance.pk:
                self.initial["config"] = redacted(self.instance.config)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("kind") and "config" in cleaned:
            config = cleaned["config"]
            if self.instance.pk:
                # The instance still holds the stored config: the form's values are put on
                # it only after clean().
                config = merge_secrets(self.instance.config, config)
            try:
                cleaned["config"] = validate_channel_config(cleaned["kind"], config)
            except InvalidInput as exc:
                raise ValidationError({"config": exc.message}) from None
        return cleaned
