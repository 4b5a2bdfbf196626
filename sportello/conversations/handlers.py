"""How conversations follow their own events (registered in
``sportello/config/event_handlers.py``)."""

from __future__ import annotations

from sportello.conversations.actions.repeat import link_repeat_contact
from sportello.conversations.events import ConversationOpened
from sportello.conversations.models import Conversation
from sportello.conversations.repeats import find_repeat


def link_repeat_contacts(event: ConversationOpened) -> None:
    """A new conversation about a matter its customer raised before, still open or
    resolved within the workspace's window, is linked to it (``repeats``).

    A customer's first conversation repeats nothing: one indexed read says so before the
    conversation and the workspace's settings are read (every new chat visitor, every
    new sender, is such a customer)."""
    others = Conversation.objects.filter(customer_id=event.customer_id).exclude(
        pk=event.conversation_id
    )
    if not others.exists():
        return
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
