"""Sending an agent's reply as an SMS through the gateway.

``POST {api_url}/messages`` with the bearer ``api_key`` and ``{"from", "to", "text",
"reference"}``; the gateway answers ``{"id": ...}``, the delivery's provider id, which its
delivery reports name. The number is the one the customer's latest SMS in the
conversation came from, else the one an agent started it to, else their phone on file.
Files cannot travel by SMS: a reply with files sends its text, and one with files only
fails, saying so.

Retries: a 429 or a 5xx is tried again (``common.http``, honouring Retry-After), then by
outbound's backoff; any other 4xx is permanent and carries the gateway's words.
"""

from __future__ import annotations

from sportello.conversations.models import Conversation
from sportello.conversations.queries import latest_inbound_data, started_to
from sportello.core.errors import SportelloError
from sportello.customers.queries import first_identity_value
from sportello.outbound.actions import hand_over, set_provider_message_id
from sportello.outbound.errors import DeliveryError
from sportello.outbound.models import Delivery
from sportello.providers.common import http
from sportello.providers.sms.config import read_config

# Ten concatenated segments: longer than this, an SMS is the wrong channel.
MAX_TEXT = 1600


def recipient_for(conversation: Conversation, channel_id: int | None = None) -> str:
    latest = latest_inbound_data(conversation.pk, channel_id) or {}
    number = str((latest.get("sms") or {}).get("from") or "")
    if number:
        return number
    number = started_to(conversation.pk) or ""  # the number an agent wrote first to
    if number:
        return number
    number = first_identity_value(conversation.customer_id, "phone") or ""
    if not number:
        raise DeliveryError("the customer has no phone number", permanent=True)
    return number


def send_sms(delivery: Delivery) -> str:
    """The SMS channel's sender (``Provider.send``): returns the gateway's id."""
    try:
        config = read_config(delivery.channel.config)
    except SportelloError as exc:
        raise DeliveryError(f"the channel's configuration: {exc.message}", permanent=True) from exc
    text = (delivery.message.text or "").strip()
    if not text:
        raise DeliveryError("an SMS carries text only, and the reply has none", permanent=True)
    if len(text) > MAX_TEXT:
        raise DeliveryError(f"an SMS reply is at most {MAX_TEXT} characters", permanent=True)
    response = http.call(
        "POST",
        f"{config.api_url}/messages",
        token=config.api_key,
        json={
            "from": config.sender,
            "to": recipient_for(delivery.message.conversation, delivery.channel_id),
            "text": text,
            "reference": f"sportello-{delivery.pk}",
        },
        before_send=lambda: hand_over(delivery),
    )
    try:
        provider_id = str(response.json()["id"])
    except (ValueError, KeyError, TypeError) as exc:
        raise DeliveryError("the gateway's answer has no id") from exc
    set_provider_message_id(delivery, provider_id)
    return provider_id
