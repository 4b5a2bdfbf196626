"""How the rules follow the conversations (registered at the end of
``sportello/config/event_handlers.py``): after the triggering write committed, so a
rule never loses nor delays a customer's message, and after the SLA and the
acknowledgement handlers saw the same event."""

from __future__ import annotations

from sportello.automation.models import RuleEvent
from sportello.automation.rules.actions import ensure_default_rules
from sportello.automation.rules.engine import run_rules
from sportello.automation.rules.queries import has_rules
from sportello.conversations.events import (
    ConversationAssigned,
    ConversationOpened,
    MessageReceived,
    RepeatContactFound,
    StatusChanged,
)


def _run(
    workspace_id: int,
    event: str,
    conversation_id: int,
    *,
    message_id: int | None = None,
    sla_target: str = "",
) -> None:
    """Run the rules when the workspace has some for the event (a cached answer), so a
    workspace without rules pays one cache read per event. The SLA scanner's warnings and
    breaches are not here: ``rule_jobs.run_sla_rules`` reads them from the timelines."""
    if has_rules(workspace_id, event):
        run_rules(
            workspace_id, event, conversation_id, message_id=message_id, sla_target=sla_target
        )


def rules_on_conversation_opened(event: ConversationOpened) -> None:
    _run(event.workspace_id, RuleEvent.CONVERSATION_CREATED, event.conversation_id)


def rules_on_message_received(event: MessageReceived) -> None:
    _run(
        event.workspace_id,
        RuleEvent.MESSAGE_RECEIVED,
        event.conversation_id,
        message_id=event.message_id,
    )


def rules_on_status_changed(event: StatusChanged) -> None:
    _run(event.workspace_id, RuleEvent.STATUS_CHANGED, event.conversation_id)


def rules_on_assignment(event: ConversationAssigned) -> None:
    _run(event.workspace_id, RuleEvent.ASSIGNMENT_CHANGED, event.conversation_id)


def rules_on_repeat_contact(event: RepeatContactFound) -> None:
    """A workspace made after the data migration gets the default repeat-contact rule on
    its first repeat contact (one query per repeat contact, not per message)."""
    ensure_default_rules(event.workspace_id)
    _run(event.workspace_id, RuleEvent.REPEAT_CONTACT, event.conversation_id)
