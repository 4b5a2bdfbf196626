"""The channel form the admin uses: a channel cannot be saved with settings its provider refuses."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from sportello.channels.actions import validate_channel_config
from sportello.channels.models import Channel
from sportello.core.errors import InvalidInput


class ChannelForm(forms.ModelForm):
    class Meta:
        model = Channel
        fields = ["kind", "name", "slug", "config", "default_team", "is_active", "workspace"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("kind") and "config" in cleaned:
            try:
                cleaned["config"] = validate_channel_config(cleaned["kind"], cleaned["config"])
            except InvalidInput as exc:
                raise ValidationError({"config": exc.message}) from None
        return cleaned
