"""How feedback follows the conversations (registered in
``sportello/config/event_handlers.py``): after the status change committed, so a failure
here never undoes the agent's resolve."""

from __future__ import annotations

from sportello.conversations.events import StatusChanged
from sportello.conversations.models import ACTIVE_STATUSES, Status
from sportello.feedback import actions
from sportello.feedback.queries import csat_on


def survey_resolved_conversation(event: StatusChanged) -> None:
    # Resolved from an active status (not closed -> resolved: it was done already). One
    # indexed read when surveys are off; ``schedule_csat`` decides again under its lock.
    if event.new != Status.RESOLVED or event.old not in ACTIVE_STATUSES:
        return
    if csat_on(event.workspace_id):
        actions.schedule_csat(event.conversation_id)
