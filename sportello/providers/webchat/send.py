"""Sending an agent's reply to a web chat visitor (``Provider.send``).

The reply is already in the database, where the visitor's widget reads it (pushed on its
socket by ``handlers``, or found by its next poll): "sent" means it is ready for the
widget, "delivered" that the widget received it, "read" that the visitor saw it
(``chat``'s receipts). A visitor who has left (no poll nor socket for a while) and gave an
email gets the reply by email instead, through the email channel named in the channel's
``email_channel``; their answer by email threads back into the same conversation by its
Message-ID.
"""

from __future__ import annotations

from sportello.channels import registry
from sportello.channels.models import Channel
from sportello.conversations.queries import latest_inbound_data
from sportello.core.errors import SportelloError
from sportello.outbound.actions import hand_over
from sportello.outbound.errors import DeliveryError
from sportello.outbound.models import Delivery
from sportello.providers.webchat import presence
from sportello.providers.webchat.chat import provider_id
from sportello.providers.webchat.config import read_config


def email_channel_for(delivery: Delivery) -> Channel | None:
    """The email channel that carries this reply, when the visitor has left and gave an
    address; None when the widget shows it."""
    try:
        config = read_config(delivery.channel.config)
    except SportelloError as exc:
        raise DeliveryError(f"the channel's configuration: {exc.message}", permanent=True) from exc
    latest = latest_inbound_data(delivery.message.conversation_id, delivery.channel_id)
    details = (latest or {}).get("webchat") or {}
    if not config.email_channel or not details.get("email"):
        return None
    if presence.is_here(str(details.get("visitor") or "")):
        return None
    return Channel.objects.filter(
        workspace_id=delivery.workspace_id,
        slug=config.email_channel,
        kind="email",
        is_active=True,
    ).first()


def send_webchat(delivery: Delivery) -> str:
    by_email = email_channel_for(delivery)
    if by_email is not None:
        send_email = registry.provider("email").send
        if send_email is None:
            raise DeliveryError("no email sender is installed", permanent=True)
        # The email sender reads its SMTP settings from the delivery's channel.
        delivery.channel = by_email
        return send_email(delivery)
    hand_over(delivery)
    return provider_id(delivery.message_id)
