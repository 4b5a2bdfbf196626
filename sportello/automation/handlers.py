"""How automation follows the conversations (registered in
``sportello/config/event_handlers.py``): after ingest committed, so a failure here never
loses nor delays the customer's message."""

from __future__ import annotations

from sportello.automation import actions
from sportello.conversations.events import ConversationOpened


def acknowledge_new_conversation(event: ConversationOpened) -> None:
    actions.acknowledge(event.conversation_id)
