"""The only writers of WhatsApp's message templates, and the sending of one.

Meta lets a business write outside the customer's 24-hour window (or first) only with a
template it approved. :func:`sync_templates` copies the business account's templates from
the Graph API; :func:`send_template` stores an agent's reply that fills one, whose
delivery the channel's sender posts as a ``template`` message (retried, with status
callbacks, like any reply).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.utils.translation import gettext as _

from sportello.accounts.models import Agent
from sportello.audit.actions import record as audit
from sportello.channels.models import Channel
from sportello.conversations.actions import reply
from sportello.conversations.attachments import Upload
from sportello.conversations.models import Conversation, Message
from sportello.core import clock
from sportello.core.errors import InvalidInput, NotFound, SportelloError
from sportello.outbound.actions import queue_delivery
from sportello.outbound.errors import DeliveryError
from sportello.outbound.models import Delivery
from sportello.providers.common import http
from sportello.providers.common.meta import graph_error_text
from sportello.providers.whatsapp.config import read_config
from sportello.providers.whatsapp.message_templates import (
    ListedTemplate,
    clean_buttons,
    clean_header,
    clean_parameters,
    read_listed,
    shown_text,
    template_needs,
)
from sportello.providers.whatsapp.models import TemplateStatus, WhatsAppTemplate
from sportello.providers.whatsapp.send import TEMPLATE_DATA

# The Graph API lists templates a page at a time; a business with more than
# PAGE_SIZE * MAX_PAGES templates is far beyond a small business's use.
PAGE_SIZE = 100
MAX_PAGES = 50


class TemplatesUnavailable(SportelloError):
    """Meta could not be asked for the templates (down, or refused the token)."""

    status_code = 502


@dataclass(frozen=True)
class Synced:
    total: int
    approved: int
    removed: int


def _whatsapp_channel(channel: Channel) -> None:
    if channel.kind != "whatsapp":
        raise InvalidInput(_("Message templates exist only on WhatsApp channels."))


def fetch_templates(channel: Channel) -> list[ListedTemplate]:
    """The business account's templates, every page (``paging.next``) of them. A next
    page is followed only on the channel's own Graph address: the access token goes with
    it."""
    _whatsapp_channel(channel)
    try:
        config = read_config(channel.config)
    except SportelloError as exc:
        raise InvalidInput(exc.message) from exc
    if not config.waba_id:
        raise InvalidInput(
            _(
                "Add the WhatsApp Business Account ID to the channel's settings: "
                "templates are listed under it."
            )
        )
    origin = urlsplit(config.graph_url)
    url: str | None = config.endpoint(
        f"{config.waba_id}/message_templates?limit={PAGE_SIZE}"
        "&fields=name,language,status,category,components,id"
    )
    listed: list[ListedTemplate] = []
    for _page in range(MAX_PAGES):
        if url is None:
            break
        try:
            response = http.call("GET", url, token=config.access_token, error_text=graph_error_text)
            payload = response.json()
        except DeliveryError as exc:
            raise TemplatesUnavailable(
                _("Meta did not list the templates: %(reason)s") % {"reason": exc.message}
            ) from exc
        except ValueError as exc:
            raise TemplatesUnavailable(_("Meta's answer is not JSON.")) from exc
        if not isinstance(payload, dict) or not isinstance(payload.get("data"), list):
            raise TemplatesUnavailable(_("Meta's answer has no list of templates."))
        listed += [t for t in map(read_listed, payload["data"]) if t is not None]
        following = (payload.get("paging") or {}).get("next")
        url = None
        if isinstance(following, str):
            parts = urlsplit(following)
            if (parts.scheme, parts.netloc) == (origin.scheme, origin.netloc):
                url = following
    return listed


def sync_templates(channel: Channel) -> Synced:
    """Replace the channel's templates with the ones Meta lists now. Meta is asked
    before the transaction opens (it may take seconds); a template gone from Meta's list
    is deleted, the others updated in place."""
    listed = fetch_templates(channel)
    now = clock.now()
    with transaction.atomic():
        seen: set[tuple[str, str]] = set()
        for template in listed:
            if (template.name, template.language) in seen:
                continue
            seen.add((template.name, template.language))
            WhatsAppTemplate.objects.update_or_create(
                channel=channel,
                name=template.name,
                language=template.language,
                defaults={
                    "workspace_id": channel.workspace_id,
                    "category": template.category,
                    "status": template.status,
                    "body": template.body,
                    "placeholders": template.placeholders,
                    "components": template.components,
                    "meta_id": template.meta_id,
                    "synced_at": now,
                },
            )
        stale = WhatsAppTemplate.objects.filter(channel=channel).exclude(synced_at=now)
        removed, _counts = stale.delete()
        approved = sum(1 for t in listed if t.status == TemplateStatus.APPROVED)
        audit(
            channel.workspace_id,
            "channel.whatsapp_templates_synced",
            target_type="channel",
            target_id=channel.pk,
            detail={"total": len(seen), "approved": approved, "removed": removed},
        )
    return Synced(total=len(seen), approved=approved, removed=removed)


@dataclass(frozen=True)
class SentTemplate:
    message: Message
    delivery: Delivery | None


@transaction.atomic
def send_template(
    conversation: Conversation,
    agent: Agent,
    name: str,
    language: str,
    parameters: Any,
    *,
    header_text: Any = "",
    header_link: Any = "",
    header_file: Upload | None = None,
    buttons: Any = None,
) -> SentTemplate:
    """An agent's reply that fills the approved template ``name`` in ``language``: one
    text per ``{{n}}`` of its body (``parameters``), its header's value when it asks one
    (``header_text`` for a text header's ``{{1}}``; ``header_link`` or ``header_file`` for
    an image, video or document header) and its buttons' (``buttons``: a URL button's
    suffix, a quick reply's payload). The timeline shows what the customer reads, the
    header file as the reply's attachment; the delivery posts the template (uploading the
    file to Meta first), which Meta accepts even when the 24-hour window is closed."""
    _whatsapp_channel(conversation.channel)
    template = WhatsAppTemplate.objects.filter(
        channel_id=conversation.channel_id, name=name, language=language
    ).first()
    if template is None:
        raise NotFound(
            _("No template %(name)s in %(language)s on this channel: sync the templates.")
            % {"name": name, "language": language}
        )
    if template.status != TemplateStatus.APPROVED:
        raise InvalidInput(
            _("The template %(name)s is not approved by Meta (%(status)s).")
            % {"name": name, "status": template.get_status_display()}
        )
    needs = template_needs(template.components)
    if needs.unsupported:
        raise InvalidInput(
            _("The template %(name)s cannot be sent from Sportello: %(reason)s.")
            % {"name": name, "reason": needs.unsupported}
        )
    values = clean_parameters(parameters, template.placeholders)
    file = (header_file.filename, header_file.content[:64]) if header_file is not None else None
    header = clean_header(needs.header, header_text, header_link, file)
    pressed = clean_buttons(needs, buttons)
    text = shown_text(needs, template.body, values, header, pressed) or template.name
    filled: dict[str, Any] = {
        "name": template.name,
        "language": template.language,
        "parameters": values,
    }
    if header is not None:
        filled["header"] = header
    if pressed:
        filled["buttons"] = pressed
    uploads = [header_file] if header_file is not None else []
    message = reply(conversation, agent, text, data={TEMPLATE_DATA: filled}, uploads=uploads)
    return SentTemplate(message=message, delivery=queue_delivery(message))


def write_first(conversation: Conversation, agent: Agent, template: dict[str, Any]) -> Message:
    """The first message of a conversation an agent starts on WhatsApp: Meta delivers a
    business's first message only as an approved template (``Starting.write_first``).
    ``template``: its ``name``, ``language`` and ``parameters``."""
    if not isinstance(template, dict):
        raise InvalidInput(_("Choose an approved message template: WhatsApp allows no other."))
    return send_template(
        conversation,
        agent,
        str(template.get("name") or ""),
        str(template.get("language") or ""),
        template.get("parameters") or [],
    ).message


def start_refusal(channel: Channel, customer_id: int | None, address: str) -> str | None:
    """Why the channel cannot write first now: it has no approved template to write with."""
    if not WhatsAppTemplate.objects.filter(
        channel_id=channel.pk, status=TemplateStatus.APPROVED
    ).exists():
        return _(
            "WhatsApp lets a business write first only with an approved message template, "
            "and %(channel)s has none yet: an admin syncs them on the channel's settings page."
        ) % {"channel": channel.name}
    return None
