"""How SLA clocks follow what agents do (registered in ``sportello/config/event_handlers.py``).

After the reply or the status change committed: a handler never breaks the agent's write,
and the breach scanner still counts a first reply it missed (``timers.escalate``)."""

from __future__ import annotations

from sportello.conversations.events import (
    ConversationAssigned,
    ConversationUpdated,
    ReplySent,
    StatusChanged,
)
from sportello.core import clock
from sportello.sla import actions
from sportello.sla.events import ClocksMoved
from sportello.sla.jobs import follow_clocks


def reply_met_the_clock(event: ReplySent) -> None:
    actions.reply_sent(event.conversation_id, clock.now())


def status_moves_the_clocks(event: StatusChanged) -> None:
    actions.status_changed(event.conversation_id, event.old, event.new)


def priority_or_tags_choose_the_policy(event: ConversationUpdated) -> None:
    if {"priority", "tags"} & set(event.fields):
        actions.conditions_changed(event.conversation_id)


def team_chooses_the_policy(event: ConversationAssigned) -> None:
    actions.conditions_changed(event.conversation_id)


def calendar_or_policy_moves_the_clocks(event: ClocksMoved) -> None:
    """Recompute the running clocks in a job: a workspace may have a million of them."""
    follow_clocks(event.workspace_id, event.change)
