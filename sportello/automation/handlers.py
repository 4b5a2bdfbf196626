"""How automation follows the conversations (registered in
``sportello/config/event_handlers.py``): after ingest committed, so a failure here never
loses nor delays the customer's message."""

from __future__ import annotations

from sportello.automation import actions
from sportello.automation.queries import acknowledgements_on
from sportello.conversations.events import ConversationOpened


def acknowledge_new_conversation(event: ConversationOpened) -> None:
    # Off until an admin turns them on: then one read, and no write transaction (whose
    # lock every other writer of an SQLite database would wait for) for each new
    # conversation; ``acknowledge`` decides again under its lock.
    if acknowledgements_on(event.workspace_id):
        actions.acknowledge(event.conversation_id)
