"""Sending an agent's reply through the WhatsApp Cloud API.

``POST {graph_url}/{phone_number_id}/messages`` with the channel's access token: a reply
that fills a template (``actions.send_template``) as a ``template`` message, else the text
as a ``text`` message, each attached file first uploaded (``POST .../media``) and sent as
an image, audio, video or document message. The text's ``wamid`` is the delivery's
provider id, which Meta's status callbacks name. The reply quotes nothing: WhatsApp shows
it in the chat as any message.

Retries: a 429 or a 5xx is tried again at once (``common.http``, honouring Retry-After),
then by outbound's backoff; Meta's other 4xx (a bad token, a number not on WhatsApp, the
window closed) are permanent and their text is what the agent reads.
"""

from __future__ import annotations

from typing import Any

from sportello.conversations.models import Conversation
from sportello.conversations.queries import latest_inbound_data, started_to
from sportello.core.errors import SportelloError
from sportello.customers.queries import first_identity_value
from sportello.outbound.actions import hand_over, set_provider_message_id
from sportello.outbound.errors import DeliveryError
from sportello.outbound.models import Delivery
from sportello.providers.common import http
from sportello.providers.common.meta import graph_error_text
from sportello.providers.common.storage import read_attachment
from sportello.providers.whatsapp.config import WhatsAppConfig, read_config
from sportello.providers.whatsapp.message_templates import template_message

# Where an agent's reply that fills a template says which (``actions.send_template``).
TEMPLATE_DATA = "whatsapp_template"

# WhatsApp's limit on a text message's body.
MAX_TEXT = 4096


def recipient_for(conversation: Conversation, channel_id: int | None = None) -> str:
    """The customer's WhatsApp id: the one their latest message came from in this
    conversation, else the number an agent started it to, else their WhatsApp identity
    on file (E.164, sent without the "+")."""
    latest = latest_inbound_data(conversation.pk, channel_id) or {}
    wa_id = str((latest.get("whatsapp") or {}).get("wa_id") or "")
    if wa_id:
        return wa_id
    started = started_to(conversation.pk)  # the number an agent wrote first to
    if started:
        return started.lstrip("+")
    identity = first_identity_value(conversation.customer_id, "whatsapp")
    if identity is None:
        identity = first_identity_value(conversation.customer_id, "phone")
    if identity is None:
        raise DeliveryError("the customer has no WhatsApp number", permanent=True)
    return identity.lstrip("+")


def media_type(content_type: str) -> str:
    kind = content_type.partition("/")[0]
    return kind if kind in ("image", "audio", "video") else "document"


def _post_message(config: WhatsAppConfig, body: dict[str, Any], delivery: Delivery | None) -> str:
    response = http.call(
        "POST",
        config.endpoint(f"{config.phone_number_id}/messages"),
        token=config.access_token,
        json={"messaging_product": "whatsapp", "recipient_type": "individual", **body},
        error_text=graph_error_text,
        before_send=(lambda: hand_over(delivery)) if delivery is not None else None,
    )
    try:
        return str(response.json()["messages"][0]["id"])
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise DeliveryError(f"Meta's answer has no message id: {response.text[:200]}") from exc


def _upload(config: WhatsAppConfig, attachment: dict[str, Any]) -> str:
    content_type = str(attachment.get("content_type") or "application/octet-stream")
    filename = str(attachment.get("filename") or "allegato")
    response = http.call(
        "POST",
        config.endpoint(f"{config.phone_number_id}/media"),
        token=config.access_token,
        data={"messaging_product": "whatsapp", "type": content_type},
        files={"file": (filename, read_attachment(attachment["path"]), content_type)},
        error_text=graph_error_text,
    )
    try:
        return str(response.json()["id"])
    except (ValueError, KeyError, TypeError) as exc:
        raise DeliveryError(f"Meta's answer to an upload has no id: {response.text[:200]}") from exc


def _header_file(attachment: dict[str, Any], kind: str) -> dict[str, Any]:
    """A template's header file as uploaded: a video's type is named here, the bytes
    having been checked as MP4 when the agent chose it (Sportello's sniffing knows
    images and PDF only)."""
    if kind == "video":
        return {**attachment, "content_type": "video/mp4"}
    return attachment


def send_whatsapp(delivery: Delivery) -> str:
    """The WhatsApp channel's sender (``Provider.send``): returns the text's wamid."""
    try:
        config = read_config(delivery.channel.config)
    except SportelloError as exc:
        raise DeliveryError(f"the channel's configuration: {exc.message}", permanent=True) from exc
    reply = delivery.message
    to = recipient_for(reply.conversation, delivery.channel_id)
    filled = (reply.data or {}).get(TEMPLATE_DATA)
    files = [a for a in reply.attachments or [] if a.get("path") and not a.get("dropped")]
    if isinstance(filled, dict):
        given = filled.get("header")
        header: dict[str, Any] = given if isinstance(given, dict) else {}
        media_id = ""
        if header.get("attachment"):
            if not files:
                raise DeliveryError("the template's header file is gone", permanent=True)
            media_id = _upload(config, _header_file(files[0], str(header.get("type") or "")))
        provider_id = _post_message(
            config, {"to": to, **template_message(filled, media_id)}, delivery
        )
        set_provider_message_id(delivery, provider_id)
        return provider_id
    # Uploads first: a file Meta refuses fails the delivery before the customer got half.
    media = [(a, _upload(config, a)) for a in files]
    text = (reply.text or "").strip()
    provider_id = ""
    if text:
        provider_id = _post_message(
            config,
            {"to": to, "type": "text", "text": {"body": text[:MAX_TEXT], "preview_url": False}},
            delivery,
        )
    for attachment, media_id in media:
        kind = media_type(str(attachment.get("content_type") or ""))
        body: dict[str, Any] = {"id": media_id}
        if kind == "document":
            body["filename"] = str(attachment.get("filename") or "allegato")
        sent = _post_message(
            config, {"to": to, "type": kind, kind: body}, delivery if not provider_id else None
        )
        provider_id = provider_id or sent
    if not provider_id:
        raise DeliveryError("the reply has no text and no file to send", permanent=True)
    # Noted at once on the message too: the customer's quote of the reply (context.id)
    # threads back to it, and a status callback that overtakes the worker finds it.
    set_provider_message_id(delivery, provider_id)
    return provider_id
