"""How the agent UI shows WhatsApp's templates: the reply box's picker when only a
template can go out (why, and the approved templates with their fields prefilled), and the
channel settings page's list. Made when shown, in the reader's language."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from sportello.providers.whatsapp.models import WhatsAppTemplate
from sportello.providers.whatsapp.queries import (
    Variable,
    approved_templates,
    channel_templates,
    prefilled,
)


@dataclass(frozen=True)
class PickedTemplate:
    template: WhatsAppTemplate
    values: list[str]
    in_language: bool


@dataclass(frozen=True)
class TemplatePicker:
    why: str
    templates: list[PickedTemplate]
    variables: list[Variable]


def whatsapp_picker(conversation: Any) -> TemplatePicker | None:
    """The picker of a WhatsApp conversation whose window is closed (or never opened),
    else None: within the window the reply box is enough."""
    if getattr(conversation.channel, "kind", "") != "whatsapp":
        return None
    from sportello.providers.whatsapp.window import reply_refusal

    why = reply_refusal(conversation)
    if why is None:
        return None
    name = (getattr(conversation.customer, "name", "") or "").strip()
    variables = [
        Variable(_("Customer's name"), name),
        Variable(_("Conversation number"), str(conversation.number)),
    ]
    variables = [v for v in variables if v.value]
    language = (conversation.language or "").lower()
    picked = [
        PickedTemplate(
            template=t,
            values=prefilled(conversation, t.placeholders, variables),
            in_language=bool(language) and t.language.lower().split("_")[0] == language[:2],
        )
        for t in approved_templates(conversation)
    ]
    return TemplatePicker(why=why, templates=picked, variables=variables)


def whatsapp_templates(channel: Any) -> list[WhatsAppTemplate] | None:
    """The settings page's list of a WhatsApp channel's templates (None on other kinds)."""
    if getattr(channel, "kind", "") != "whatsapp":
        return None
    return channel_templates(channel.pk)
