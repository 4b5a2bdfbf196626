"""Sending an agent's reply through the Telegram Bot API.

The text goes as ``sendMessage`` to the customer's private chat with the bot, each
attached file as ``sendPhoto`` (an image) or ``sendDocument`` (anything else), uploaded
in the same request. The text's ``<chat id>:<message id>`` is the delivery's provider id,
the shape a customer's quote of it (``reply_to_message``) is read in, so it threads.

Retries: a 429 (after Telegram's ``parameters.retry_after``) or a 5xx is tried again by
``common.http``, then by outbound's backoff; any other 4xx is permanent and carries
Telegram's description ("Forbidden: bot was blocked by the user"), which the agent reads.
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
from sportello.providers.common.storage import read_attachment
from sportello.providers.telegram import api
from sportello.providers.telegram.config import TelegramConfig, read_config
from sportello.providers.telegram.parse import external_id

# Telegram's limits on a text message and on a file's caption.
MAX_TEXT = 4096


def chat_for(conversation: Conversation, channel_id: int | None = None) -> str:
    """The customer's chat with the bot: the one their latest message came from in this
    conversation, else the one an agent started it to, else their Telegram user id on
    file (a private chat's id is the user's)."""
    latest = latest_inbound_data(conversation.pk, channel_id) or {}
    chat_id = str((latest.get("telegram") or {}).get("chat_id") or "")
    if chat_id:
        return chat_id
    identity = started_to(conversation.pk) or first_identity_value(
        conversation.customer_id, "telegram"
    )
    if identity is None or not identity.lstrip("-").isdigit():
        raise DeliveryError(
            "the customer has not written to the bot: Telegram lets a bot write only to "
            "people who wrote to it first",
            permanent=True,
        )
    return identity


def _message_id(chat_id: str, result: Any, method: str) -> str:
    try:
        return external_id(chat_id, result["message_id"])
    except (KeyError, TypeError) as exc:
        raise DeliveryError(f"Telegram's answer to {method} has no message_id") from exc


def _send_file(
    config: TelegramConfig, chat_id: str, attachment: dict[str, Any], delivery: Delivery | None
) -> str:
    content_type = str(attachment.get("content_type") or "application/octet-stream")
    filename = str(attachment.get("filename") or "allegato")
    method, field = (
        ("sendPhoto", "photo")
        if content_type.startswith("image/")
        else (
            "sendDocument",
            "document",
        )
    )
    result = api.call(
        config,
        method,
        data={"chat_id": chat_id},
        files={field: (filename, read_attachment(attachment["path"]), content_type)},
        before_send=(lambda: hand_over(delivery)) if delivery is not None else None,
    )
    return _message_id(chat_id, result, method)


def send_telegram(delivery: Delivery) -> str:
    """The Telegram channel's sender (``Provider.send``): returns the text's id."""
    try:
        config = read_config(delivery.channel.config)
    except SportelloError as exc:
        raise DeliveryError(f"the channel's configuration: {exc.message}", permanent=True) from exc
    reply = delivery.message
    chat_id = chat_for(reply.conversation, delivery.channel_id)
    files = [a for a in reply.attachments or [] if a.get("path") and not a.get("dropped")]
    text = (reply.text or "").strip()
    provider_id = ""
    if text:
        result = api.call(
            config,
            "sendMessage",
            json={"chat_id": chat_id, "text": text[:MAX_TEXT]},
            before_send=lambda: hand_over(delivery),
        )
        provider_id = _message_id(chat_id, result, "sendMessage")
    for attachment in files:
        sent = _send_file(config, chat_id, attachment, None if provider_id else delivery)
        provider_id = provider_id or sent
    if not provider_id:
        raise DeliveryError("the reply has no text and no file to send", permanent=True)
    # Noted at once on the message: the customer's quote of the reply threads back to it.
    set_provider_message_id(delivery, provider_id)
    return provider_id
