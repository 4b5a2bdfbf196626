"""Recording what the SLA clocks decided about a conversation: its due times, whether each
target was met or breached, and the warnings and breaches on its timeline.

The decisions are the ``sla`` app's (it sits above conversations, which knows nothing of
policies or calendars); the columns are this app's, so they are written here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction

from sportello.conversations.actions import timeline
from sportello.conversations.models import Conversation

SLA_COLUMNS = frozenset(
    {
        "sla_policy_id",
        "first_reply_due_at",
        "first_reply_sla",
        "next_reply_due_at",
        "next_reply_sla",
        "resolution_due_at",
        "resolution_sla",
        "sla_paused_at",
        "sla_check_at",
    }
)


# No savepoint: a caller writing many (the breach scanner's batch) rolls back as one.
@transaction.atomic(savepoint=False)
def update_sla(
    conversation: Conversation,
    columns: Mapping[str, Any],
    *,
    expect: Mapping[str, Any] | None = None,
    events: Sequence[tuple[str, dict[str, Any]]] = (),
) -> bool:
    """Set SLA ``columns`` and put ``events`` (name, data) on the timeline, if the row still
    holds ``expect`` (the values the decision was made on): a reply recorded meanwhile is
    not overwritten by a breach decided before it. Returns whether it was written."""
    unknown = set(columns) - SLA_COLUMNS
    if unknown:
        raise ValueError(f"not SLA columns: {sorted(unknown)}")
    if not columns and not events:
        return True
    if columns:
        written = Conversation.objects.filter(pk=conversation.pk, **(expect or {})).update(
            **columns
        )
        if not written:
            return False
    for name, value in columns.items():
        setattr(conversation, name, value)
    for event, data in events:
        timeline.record(conversation, event, **data)
    return True
