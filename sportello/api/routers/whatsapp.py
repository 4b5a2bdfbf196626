"""WhatsApp's message templates: a channel's list (synced from Meta), and an agent's
reply that fills one, the only kind WhatsApp accepts outside the 24-hour window.

Mounted under ``/channels/{id}/whatsapp/templates`` and
``/conversations/{id}/whatsapp/template``.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from sportello.api import present
from sportello.api.auth import current_agent
from sportello.api.schemas import AttachmentIn, Error, MessageOut, ValidationErrorOut
from sportello.channels.queries import get_channel
from sportello.conversations.attachments import Upload
from sportello.conversations.queries import get_conversation
from sportello.core.errors import InvalidInput, PermissionDenied
from sportello.outbound.queries import delivery_status_for
from sportello.providers.whatsapp.actions import send_template, sync_templates
from sportello.providers.whatsapp.message_templates import (
    MAX_BUTTON_VALUE,
    MAX_HEADER_TEXT,
    MAX_PARAMETER,
    template_needs,
)
from sportello.providers.whatsapp.models import WhatsAppTemplate
from sportello.providers.whatsapp.queries import channel_templates

channels = Router(tags=["whatsapp"])
conversations = Router(tags=["whatsapp"])


class TemplateButtonOut(Schema):
    index: int
    type: str = Field(description="URL, QUICK_REPLY, PHONE_NUMBER...")
    label: str
    asks: str = Field(
        description="What sending takes for it: url_suffix (required), payload (optional) or ''."
    )


class TemplateAsksOut(Schema):
    """What sending the template takes besides ``parameters``."""

    header: str = Field(
        description="'' (nothing), text (its {{1}}), or image, video, document (a link or a file)."
    )
    buttons: list[TemplateButtonOut]
    unsupported: str = Field(description="Why Sportello cannot send it; '' when it can.")


class TemplateOut(Schema):
    name: str
    language: str = Field(description="Meta's language code, e.g. it or en_US.")
    category: str = Field(description="MARKETING, UTILITY or AUTHENTICATION.")
    status: str = Field(description="APPROVED (sendable), PENDING, REJECTED, PAUSED...")
    body: str = Field(description="The body's text with its {{1}}, {{2}}... placeholders.")
    placeholders: int = Field(description="How many parameters sending it needs.")
    components: list[dict[str, Any]]
    asks: TemplateAsksOut
    synced_at: datetime


class SyncedOut(Schema):
    total: int
    approved: int
    removed: int


class TemplateHeaderIn(Schema):
    """The value of a template's header, when it asks one: ``text`` for a text header's
    {{1}}; for an image, video or document header either ``link`` (a public address) or
    ``file`` (uploaded to Meta by Sportello, shown as the reply's attachment)."""

    text: str = Field("", max_length=MAX_HEADER_TEXT)
    link: str = Field("", max_length=2000)
    file: AttachmentIn | None = None


class TemplateButtonIn(Schema):
    index: int = Field(
        ge=0, le=9, strict=True, description="The button's place in the template, from 0."
    )
    url_suffix: str = Field(
        "",
        max_length=MAX_BUTTON_VALUE,
        description="A URL button's end of address (its {{1}}): required for such a button.",
    )
    payload: str = Field(
        "",
        max_length=MAX_BUTTON_VALUE,
        description="A quick-reply button's payload, sent back when the customer presses it.",
    )


class TemplateIn(Schema):
    name: str = Field(max_length=512)
    language: str = Field(max_length=16)
    parameters: list[str] = Field(
        default_factory=list,
        max_length=100,
        description=f"One text (at most {MAX_PARAMETER} characters) per {{{{n}}}} of the body.",
    )
    header: TemplateHeaderIn | None = None
    buttons: list[TemplateButtonIn] = Field(default_factory=list, max_length=10)


def _asks(template: WhatsAppTemplate) -> TemplateAsksOut:
    needs = template_needs(template.components)
    header = needs.header
    return TemplateAsksOut(
        header=(header.format.lower() if header is not None and header.asks else ""),
        buttons=[
            TemplateButtonOut(
                index=b.index,
                type=b.kind,
                label=b.label,
                asks="url_suffix" if b.takes_suffix else "payload" if b.takes_payload else "",
            )
            for b in needs.buttons
        ],
        unsupported=needs.unsupported,
    )


def _out(template: WhatsAppTemplate) -> TemplateOut:
    return TemplateOut(
        name=template.name,
        language=template.language,
        category=template.category,
        status=template.status,
        body=template.body,
        placeholders=template.placeholders,
        components=template.components,
        asks=_asks(template),
        synced_at=template.synced_at,
    )


def _decoded(file: AttachmentIn | None) -> Upload | None:
    if file is None:
        return None
    try:
        content = base64.b64decode(file.content_base64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput(_("header: the file is not valid base64")) from exc
    return Upload(file.filename, content)


def _whatsapp(request: HttpRequest, channel_id: int, *, admin: bool = False) -> Any:
    agent = current_agent(request)
    channel = get_channel(agent.workspace_id, channel_id)
    if admin and not agent.can_configure:
        raise PermissionDenied("only admins sync a channel's templates")
    if channel.kind != "whatsapp":
        raise InvalidInput("this channel is not a WhatsApp channel")
    return agent, channel


@channels.get(
    "/{rowid:channel_id}/whatsapp/templates",
    response={200: list[TemplateOut], 401: Error, 404: Error, 422: Error},
)
def templates(request: HttpRequest, channel_id: int):  # type: ignore[no-untyped-def]
    """The channel's message templates as last synced from Meta (every status)."""
    _agent, channel = _whatsapp(request, channel_id)
    return [_out(t) for t in channel_templates(channel.pk)]


@channels.post(
    "/{rowid:channel_id}/whatsapp/templates/sync",
    response={200: SyncedOut, 401: Error, 403: Error, 404: Error, 422: Error, 502: Error},
)
def sync(request: HttpRequest, channel_id: int):  # type: ignore[no-untyped-def]
    """Copy the business account's templates from Meta now (admins); a daily job does
    it too. 502 when Meta could not be asked."""
    _agent, channel = _whatsapp(request, channel_id, admin=True)
    synced = sync_templates(channel)
    return SyncedOut(total=synced.total, approved=synced.approved, removed=synced.removed)


@conversations.post(
    "/{rowid:conversation_id}/whatsapp/template",
    response={201: MessageOut, 401: Error, 404: Error, 422: ValidationErrorOut},
)
def send(request: HttpRequest, conversation_id: int, payload: TemplateIn):  # type: ignore[no-untyped-def]
    """Reply with an approved template, filled with ``parameters`` (its body's {{n}}),
    ``header`` and ``buttons`` where the template asks for them: WhatsApp's only way to
    write outside the 24-hour window, or first. The reply's text is what the customer
    reads (header text, body, buttons); 422 says which value is missing or wrong."""
    agent = current_agent(request)
    conversation = get_conversation(agent.workspace_id, conversation_id)
    header = payload.header or TemplateHeaderIn(text="", link="")
    sent = send_template(
        conversation,
        agent,
        payload.name,
        payload.language,
        payload.parameters,
        header_text=header.text,
        header_link=header.link,
        header_file=_decoded(header.file),
        buttons=[b.dict() for b in payload.buttons],
    )
    state = delivery_status_for([sent.message.pk]).get(sent.message.pk)
    return Status(201, present.message(sent.message, state))
