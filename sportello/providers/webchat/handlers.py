"""Reactions to conversations' events for the widget (registered in
``sportello.config.event_handlers``): an agent's reply on a web chat conversation is
pushed to the visitor's open sockets as soon as it is stored."""

from __future__ import annotations

from sportello.channels.models import Channel
from sportello.conversations.events import AutomaticReplySent, ReplySent
from sportello.conversations.models import Message
from sportello.core import sql
from sportello.providers.webchat import push
from sportello.providers.webchat.config import SOURCE
from sportello.providers.webchat.visitors import lines_after

# Plain SQL (docs/adr/0005): asked for every reply on any channel.
_ON_WEBCHAT_SQL = (
    f"SELECT 1 FROM {Message._meta.db_table} message"
    f" JOIN {Channel._meta.db_table} channel ON channel.id = message.channel_id"
    " WHERE message.id = %s AND channel.kind = %s"
)


def push_reply(event: ReplySent | AutomaticReplySent) -> None:
    if sql.fetchone(_ON_WEBCHAT_SQL, [event.message_id, SOURCE]) is None:
        return
    lines = lines_after(event.workspace_id, [event.conversation_id], event.message_id - 1, 1)
    if lines:
        push.to_visitors(event.conversation_id, {"type": "message", "message": lines[0].as_json()})
