"""Reactions to conversations' events for the widget (registered in
``sportello.config.event_handlers``): an agent's reply on a web chat conversation is
pushed to the visitor's open sockets as soon as it is stored."""

from __future__ import annotations

from sportello.conversations.events import AutomaticReplySent, ReplySent
from sportello.conversations.models import Message
from sportello.providers.webchat import push
from sportello.providers.webchat.config import SOURCE
from sportello.providers.webchat.visitors import lines_after


def push_reply(event: ReplySent | AutomaticReplySent) -> None:
    if not Message.objects.filter(pk=event.message_id, channel__kind=SOURCE).exists():
        return
    lines = lines_after(event.workspace_id, [event.conversation_id], event.message_id - 1, 1)
    if lines:
        push.to_visitors(event.conversation_id, {"type": "message", "message": lines[0].as_json()})
