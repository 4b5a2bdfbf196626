"""Domain events of SLA, published on commit by the breach scanner."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sportello.core.events import Event


@dataclass(frozen=True)
class SlaEvent(Event):
    conversation_id: int
    target: str  # first_reply, next_reply or resolution
    due_at: datetime
    assignee_id: int | None
    team_id: int | None


@dataclass(frozen=True)
class SlaWarning(SlaEvent):
    """A target's breach is near (the policy's ``warn_minutes``): time to tell the assignee
    or the team."""


@dataclass(frozen=True)
class SlaBreached(SlaEvent):
    """A target passed its due time unmet: recorded for reports, escalated by rules."""


@dataclass(frozen=True)
class ClocksMoved(Event):
    """A calendar or a policy changed how the running clocks of a workspace are counted:
    ``change`` says what it was before (``actions.follow_change`` recomputes from it)."""

    workspace_id: int
    change: dict[str, Any]
