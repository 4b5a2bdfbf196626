"""An agent opened a conversation: what they have read, for the inbox's unread state."""

from __future__ import annotations

from sportello.accounts.models import Agent
from sportello.conversations.models import Conversation, ConversationRead
from sportello.core import clock


def mark_read(conversation: Conversation, agent: Agent) -> None:
    """``agent`` has seen ``conversation`` as it is now. No timeline event and no domain
    event: reading changes nothing anyone else sees. One upsert."""
    ConversationRead.objects.update_or_create(
        conversation_id=conversation.pk,
        agent_id=agent.pk,
        defaults={"read_at": clock.now()},
        create_defaults={"workspace_id": conversation.workspace_id, "read_at": clock.now()},
    )
