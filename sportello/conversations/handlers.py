"""How conversations follow their own events (registered in
``sportello/config/event_handlers.py``)."""

from __future__ import annotations

from sportello.conversations.actions.repeat import link_repeat_contact
from sportello.conversations.events import ConversationOpened
from sportello.conversations.models import Conversation
from sportello.conversations.repeats import find_repeat
from sportello.core import sql

# Plain SQL (docs/adr/0005): asked for every new conversation, where the ORM's
# ``exclude().exists()`` spent most of a millisecond building it.
_ANOTHER_SQL = (
    f"SELECT 1 FROM {Conversation._meta.db_table} WHERE customer_id = %s AND id <> %s LIMIT 1"
)


def link_repeat_contacts(event: ConversationOpened) -> None:
    """A new conversation about a matter its customer raised before, still open or
    resolved within the workspace's window, is linked to it (``repeats``).

    A customer's first conversation repeats nothing: one indexed read says so before the
    conversation and the workspace's settings are read (every new chat visitor, every
    new sender, is such a customer)."""
    if sql.fetchone(_ANOTHER_SQL, [event.customer_id, event.conversation_id]) is None:
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
