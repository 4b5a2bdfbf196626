"""Long-polling mode, for a server Telegram cannot reach: ``getUpdates`` every minute.

Telegram keeps an update until a ``getUpdates`` call asks for a later ``offset``, so no
offset is stored here: each round reads what is waiting, takes it, and asks again from
the next id, which confirms what was taken; the round ends on an empty answer. An update
taken but not yet confirmed when the worker died is read again next minute and stored
once (its message's id is the same). A channel whose webhook is set cannot poll
(Telegram answers 409): the error is recorded for the admin.
"""

from __future__ import annotations

from typing import Any

from sportello.channels.models import Channel
from sportello.core.errors import SportelloError
from sportello.outbound.errors import DeliveryError
from sportello.providers.common.webhooks import ignore
from sportello.providers.telegram import api
from sportello.providers.telegram.config import read_config
from sportello.providers.telegram.parse import NotTelegram, parse_update
from sportello.providers.telegram.receive import SOURCE, new_tally, take_update

# Updates asked for per call (Telegram's maximum) and calls per round.
BATCH = 100
MAX_CALLS = 20


def poll_channel(channel: Channel) -> dict[str, int]:
    """Take every update waiting for the channel's bot; the tally of what was taken."""
    taken = new_tally()
    where: dict[str, Any] = {"workspace_id": channel.workspace_id, "channel_id": channel.pk}
    try:
        config = read_config(channel.config)
    except SportelloError as exc:
        ignore(source=SOURCE, reason=f"cannot poll: the channel's configuration: {exc}", **where)
        return taken
    offset: int | None = None
    for _ in range(MAX_CALLS):
        ask: dict[str, Any] = {"timeout": 0, "limit": BATCH}
        if offset is not None:
            ask["offset"] = offset
        try:
            updates = api.call(config, "getUpdates", json=ask)
        except DeliveryError as exc:
            ignore(source=SOURCE, reason=f"getUpdates failed: {exc.message}", **where)
            break
        if not isinstance(updates, list) or not updates:
            break
        for payload in updates:
            if not isinstance(payload, dict):
                continue
            try:
                update = parse_update(payload)
            except NotTelegram as exc:
                ignore(source=SOURCE, reason=str(exc), payload=payload, **where)
                continue
            take_update(channel, update, taken)
            offset = max(offset or 0, int(update.update_id) + 1)
        if offset is None:
            break
    return taken


def poll_all() -> None:
    """Poll every active Telegram channel in polling mode."""
    for channel in Channel.objects.filter(kind="telegram", is_active=True, config__mode="polling"):
        poll_channel(channel)
