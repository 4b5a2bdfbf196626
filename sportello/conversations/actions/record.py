"""What happens to a conversation outside it: a PEC receipt, a reply that could not be
delivered. Other apps report it here; this action writes it on the timeline."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from sportello.conversations.actions import timeline
from sportello.conversations.models import Conversation, Kind, Message


@transaction.atomic
def record_event(
    conversation_id: int, event: str, *, once_on: str | None = None, **data: Any
) -> Message:
    """Put ``event`` with ``data`` on the conversation's timeline.

    With ``once_on`` (a key of ``data``), an event already recorded with the same value is
    returned instead of a second one: providers deliver receipts more than once. The row
    lock serialises two reports of the same event (PostgreSQL; SQLite serialises writes).
    """
    conversation = Conversation.objects.select_for_update().get(pk=conversation_id)
    if once_on is not None:
        existing = Message.objects.filter(
            conversation=conversation,
            kind=Kind.EVENT,
            event=event,
            **{f"data__{once_on}": data[once_on]},
        ).first()
        if existing is not None:
            return existing
    return timeline.record(conversation, event, **data)
