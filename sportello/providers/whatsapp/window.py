"""WhatsApp's customer-service window: a business may write freely only within 24 hours
of the customer's last message; after that Meta accepts only an approved template (and
refuses anything else with error 131047). Sportello refuses such a reply before storing
it, so the agent learns why at once instead of from a failed delivery minutes later.

The window runs from the conversation's ``last_inbound_at`` (when Sportello received the
customer's latest message, a few seconds after they sent it: Meta's own clock may close
the window that much earlier, and then its refusal reaches the agent as a failed delivery).
"""

from __future__ import annotations

from datetime import timedelta

from django.utils.translation import gettext as _

from sportello.channels.models import Channel
from sportello.conversations.models import Conversation
from sportello.conversations.queries import last_inbound_on
from sportello.core import clock

WINDOW = timedelta(hours=24)


def reply_refusal(conversation: Conversation, channel: Channel | None = None) -> str | None:
    """Why a free-form reply cannot go out on ``conversation`` through ``channel`` (by
    default its own) now, or None. In a conversation merged from several channels the
    window runs from the customer's latest message on this one: an email does not open it."""
    last = last_inbound_on(conversation, channel.pk if channel else None)
    if last is None:
        return _(
            "The customer has not written on WhatsApp yet: WhatsApp lets a business write "
            "first only with an approved message template. Choose one below."
        )
    if clock.now() - last > WINDOW:
        return _(
            "More than 24 hours have passed since the customer's last WhatsApp message: "
            "WhatsApp now accepts only an approved message template. Choose one below, "
            "or answer on another channel."
        )
    return None
