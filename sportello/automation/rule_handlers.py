"""How the rules follow the conversations (registered at the end of
``sportello/config/event_handlers.py``): after the triggering write committed, so a
rule never loses nor delays a customer's message, and after the SLA and the
acknowledgement handlers saw the same event."""

from __future__ import annotations

from sportello.automation.models import RuleEvent
from sportello.automation.rule_jobs import run_rules_later
from sportello.automation.rules.actions import ensure_default_rules
from sportello.automation.rules.queries import has_rules
from sportello.conversations.events import (
    ConversationAssigned,
    ConversationOpened,
    MessageReceived,
    StatusChanged,
)
from sportello.sla.events import SlaEvent, SlaWarning


def _run(
    workspace_id: int,
    event: str,
    conversation_id: int,
    *,
    message_id: int | None = None,
    sla_target: str = "",
) -> None:
    """Queue the run when the workspace has rules for the event (a cached answer): the
    handlers run right after ingest's or the scanner's commit, and the rules' own
    queries and writes belong off that path."""
    if has_rules(workspace_id, event):
        run_rules_later(
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


def rules_on_sla(event: SlaEvent) -> None:
    """A warning or a breach: the default escalation rules exist from the first one."""
    ensure_default_rules(event.workspace_id)
    kind = RuleEvent.SLA_WARNING if isinstance(event, SlaWarning) else RuleEvent.SLA_BREACHED
    _run(event.workspace_id, kind, event.conversation_id, sla_target=event.target)
