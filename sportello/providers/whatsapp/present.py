"""How the agent UI shows WhatsApp's templates: the reply box's picker when only a
template can go out (why, and the approved templates with their fields prefilled), and the
channel settings page's list. Made when shown, in the reader's language."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from sportello.providers.whatsapp.message_templates import TemplateNeeds, template_needs
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
    # What sending it asks besides the body: the header's value, the buttons' values.
    needs: TemplateNeeds
    header_label: str = ""
    header_help: str = ""


@dataclass(frozen=True)
class TemplatePicker:
    why: str
    templates: list[PickedTemplate]
    variables: list[Variable]


def _header_words(needs: TemplateNeeds) -> tuple[str, str]:
    """The picker's label and hint for the header's field (none when it asks nothing)."""
    header = needs.header
    if header is None or not header.asks:
        return "", ""
    if header.format == "TEXT":
        return (
            _("Header value for {{1}}"),
            _("The header reads: %(text)s") % {"text": header.text},
        )
    kinds = {
        "IMAGE": _("Header image"),
        "VIDEO": _("Header video"),
        "DOCUMENT": _("Header document"),
    }
    hints = {
        "IMAGE": _("A JPEG or PNG: its public address, or a file to upload."),
        "VIDEO": _("An MP4: its public address, or a file to upload."),
        "DOCUMENT": _("A PDF: its public address, or a file to upload."),
    }
    return kinds[header.format], hints[header.format]


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
    picked = []
    for t in approved_templates(conversation):
        needs = template_needs(t.components)
        label, help_text = _header_words(needs)
        picked.append(
            PickedTemplate(
                template=t,
                values=prefilled(conversation, t.placeholders, variables),
                in_language=bool(language) and t.language.lower().split("_")[0] == language[:2],
                needs=needs,
                header_label=label,
                header_help=help_text,
            )
        )
    return TemplatePicker(why=why, templates=picked, variables=variables)


def whatsapp_templates(channel: Any) -> list[WhatsAppTemplate] | None:
    """The settings page's list of a WhatsApp channel's templates (None on other kinds)."""
    if getattr(channel, "kind", "") != "whatsapp":
        return None
    return channel_templates(channel.pk)
