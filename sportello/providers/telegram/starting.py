"""Who a Telegram bot may write to first: only a person who wrote to that bot (Telegram
refuses a bot's message to anyone else with "Forbidden: bot can't initiate conversation
with a user"), at their user id, which is their private chat's id."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from sportello.conversations.queries import has_written_on


def start_refusal(channel: Any, customer_id: int | None, address: str) -> str | None:
    """Why ``channel``'s bot cannot write first to this customer at ``address``, or None."""
    if not address.lstrip("-").isdigit():
        return _("A Telegram chat is written to by the customer's numeric Telegram id.")
    if customer_id is None or not has_written_on(customer_id, channel.pk):
        return _(
            "Telegram lets a bot write only to people who wrote to it first, and this "
            "customer never wrote to %(channel)s."
        ) % {"channel": channel.name}
    return None
