"""Internal notes the system writes (a rule's ``add_note``): seen by agents only, never
sent, signed with what wrote them instead of an agent."""

from __future__ import annotations

from django.db import transaction

from sportello.conversations.actions.reply import _clean
from sportello.conversations.actions.store import insert_messages, message_row
from sportello.conversations.events import NoteAdded
from sportello.conversations.models import Conversation, Direction, Kind, Message
from sportello.conversations.search import index_text
from sportello.core import clock
from sportello.core.events import publish


@transaction.atomic
def automatic_note(conversation: Conversation, text: str, *, author: str) -> Message:
    """Put an internal note by ``author`` (a rule's name) on the conversation; searchable
    like an agent's note, with no sender agent. ``NoteAdded`` carries no agent id."""
    text = _clean(text)
    now = clock.now()
    (note,) = insert_messages(
        [
            message_row(
                conversation,
                at=now,
                kind=Kind.NOTE,
                direction=Direction.OUTBOUND,
                text=text,
                sender_name=author[:200],
                language=conversation.language,
                search_text=index_text("", text, conversation.language),
                data={"automatic": "rule"},
            )
        ]
    )
    Conversation.objects.filter(pk=conversation.pk).update(updated_at=now)
    publish(
        NoteAdded(
            workspace_id=conversation.workspace_id,
            conversation_id=conversation.pk,
            message_id=note.pk,
            agent_id=None,
        )
    )
    return note
