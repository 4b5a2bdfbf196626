"""An agent opened a conversation: what they have read, for the inbox's unread state."""

from __future__ import annotations

from sportello.accounts.models import Agent
from sportello.conversations.models import Conversation, ConversationRead
from sportello.core import clock


def mark_read(conversation: Conversation, agent: Agent) -> None:
    """``agent`` has seen ``conversation`` as it is now. No timeline event and no domain
    event: reading changes nothing anyone else sees. One statement (an upsert), the same
    on the first visit and the next, so the page's query budget does not move."""
    ConversationRead.objects.bulk_create(
        [
            ConversationRead(
                workspace_id=conversation.workspace_id,
                conversation_id=conversation.pk,
                agent_id=agent.pk,
                read_at=clock.now(),
            )
        ],
        update_conflicts=True,
        unique_fields=["conversation", "agent"],
        update_fields=["read_at"],
    )
