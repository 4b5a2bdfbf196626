"""How SLA clocks follow what agents do (registered in ``sportello/config/event_handlers.py``).

After the reply or the status change committed: a handler never breaks the agent's write,
and the breach scanner still counts a first reply it missed (``timers.escalate``)."""

from __future__ import annotations

from sportello.conversations.events import ReplySent, StatusChanged
from sportello.core import clock
from sportello.sla import actions


def reply_met_the_clock(event: ReplySent) -> None:
    actions.reply_sent(event.conversation_id, clock.now())


def status_moves_the_clocks(event: StatusChanged) -> None:
    actions.status_changed(event.conversation_id, event.old, event.new)
