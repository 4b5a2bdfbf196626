"""How conversations follow their own events (registered in
``sportello/config/event_handlers.py``)."""

from __future__ import annotations

from sportello.conversations.actions.repeat import link_repeat_contact
from sportello.conversations.events import ConversationOpened
from sportello.conversations.models import Conversation
from sportello.conversations.repeats import find_repeat


def link_repeat_contacts(event: ConversationOpened) -> None:
    """A new conversation about a matter its customer raised before, still open or
    resolved within the workspace's window, is linked to it (``repeats``)."""
    conversation = Conversation.objects.filter(pk=event.conversation_id).first()
    if conversation is None:
        return
    match = find_repeat(conversation)
    if match is not None:
        link_repeat_contact(
            conversation,
            match.earlier,
            reason=match.reason,
            score=match.score,
            reference=match.reference,
        )
