"""The webhook settings form: what the admin typed, parsed; ``webhooks.actions`` decides."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sportello.webhooks.models import EventType, WebhookSubscription
from sportello.webhooks.targets import url_refusal


class WebhookForm(forms.Form):
    description = forms.CharField(
        label=_("Description"),
        max_length=200,
        required=False,
        help_text=_("What it is for, such as “Online shop” or “n8n”."),
    )
    url = forms.CharField(
        label=_("URL"),
        max_length=500,
        help_text=_("Where the events are posted (https)."),
        widget=forms.URLInput(attrs={"placeholder": "https://", "spellcheck": "false"}),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=EventType.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one event.")},
    )
    is_enabled = forms.BooleanField(label=_("Enabled: send the events"), required=False)

    @classmethod
    def initial_of(cls, subscription: WebhookSubscription) -> dict[str, Any]:
        return {
            "description": subscription.description,
            "url": subscription.url,
            "events": subscription.events,
            "is_enabled": subscription.is_enabled,
        }

    def clean_url(self) -> str:
        url = self.cleaned_data["url"].strip()
        refusal = url_refusal(url)
        if refusal:
            raise forms.ValidationError(gettext(refusal))
        return url

    def fields_for_action(self) -> dict[str, Any]:
        return {
            "description": self.cleaned_data["description"],
            "url": self.cleaned_data["url"],
            "events": self.cleaned_data["events"],
            "is_enabled": self.cleaned_data["is_enabled"],
        }
