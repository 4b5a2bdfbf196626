"""A customer's conversations follow her when an agent merges two customers into one.

Registered with ``customers.merging`` at start-up (``ConversationsConfig.ready``): the merge
action runs these inside its own transaction, so a merge moves everything or nothing.
"""

from __future__ import annotations

from typing import Any

from sportello.conversations.models import Conversation, Message


def move_conversations(workspace_id: int, from_id: int, to_id: int) -> dict[str, Any]:
    """Give ``from_id``'s conversations and the messages she sent to ``to_id``; the ids
    moved come back, for an undo."""
    conversations = Conversation.objects.filter(workspace_id=workspace_id, customer_id=from_id)
    conversation_ids = list(conversations.values_list("pk", flat=True))
    messages = Message.objects.filter(
        conversation_id__in=conversation_ids, sender_customer_id=from_id
    )
    message_ids = list(messages.values_list("pk", flat=True))
    conversations.update(customer_id=to_id)
    Message.objects.filter(pk__in=message_ids).update(sender_customer_id=to_id)
    return {"conversations": conversation_ids, "messages": message_ids}


def return_conversations(workspace_id: int, moved: dict[str, Any], from_id: int, to_id: int) -> int:
    """Undo ``move_conversations``: the conversations and messages it moved that are still
    ``from_id``'s go back to ``to_id``. Conversations opened after the merge stay."""
    returned = Conversation.objects.filter(
        workspace_id=workspace_id, customer_id=from_id, pk__in=moved.get("conversations", [])
    ).update(customer_id=to_id)
    Message.objects.filter(pk__in=moved.get("messages", []), sender_customer_id=from_id).update(
        sender_customer_id=to_id
    )
    return returned
