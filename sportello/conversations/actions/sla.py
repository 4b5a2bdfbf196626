"""Recording what the SLA clocks decided about a conversation: its due times, whether each
target was met or breached, and the warnings and breaches on its timeline.

The decisions are the ``sla`` app's (it sits above conversations, which knows nothing of
policies or calendars); the columns are this app's, so they are written here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from sportello.conversations.actions.store import CONVERSATIONS, insert_messages, message_row
from sportello.conversations.models import Conversation, Kind
from sportello.core import clock, sql

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
_COLUMN = {f.attname: f.column for f in Conversation._meta.concrete_fields}


@dataclass
class SlaChange:
    """What to write on one conversation: ``columns``, if the row still holds ``expect``
    (the values the decision was made on), and ``events`` (name, data) for its timeline."""

    conversation: Conversation
    columns: Mapping[str, Any]
    expect: Mapping[str, Any] = field(default_factory=dict)
    events: Sequence[tuple[str, dict[str, Any]]] = ()


def _write_columns(change: SlaChange) -> bool:
    """One plain UPDATE (the breach scanner writes hundreds a scan: the ORM's compiling
    cost more than the statement); its row count says whether the row still held
    ``expect``."""
    unknown = set(change.columns) - SLA_COLUMNS
    if unknown:
        raise ValueError(f"not SLA columns: {sorted(unknown)}")
    if not change.columns:
        return True
    sets = ", ".join(f"{_COLUMN[name]} = %s" for name in change.columns)
    where, params = ["id = %s"], [*change.columns.values(), change.conversation.pk]
    for name, value in change.expect.items():
        if value is None:
            where.append(f"{_COLUMN[name]} IS NULL")
        else:
            where.append(f"{_COLUMN[name]} = %s")
            params.append(value)
    statement = f"UPDATE {CONVERSATIONS.name} SET {sets} WHERE {' AND '.join(where)}"
    return sql.execute(statement, params) == 1


# No savepoint: a caller writing many (the breach scanner's batch) rolls back as one.
@transaction.atomic(savepoint=False)
def update_sla_many(changes: Sequence[SlaChange]) -> list[bool]:
    """Write each change whose row still holds its ``expect``; the timeline events of
    those written go in one insert. Returns, per change, whether it was written: a reply
    recorded meanwhile is not overwritten by a breach decided before it."""
    written = [_write_columns(change) for change in changes]
    now = clock.now()
    rows = []
    for change, done in zip(changes, written, strict=True):
        if not done:
            continue
        for name, value in change.columns.items():
            setattr(change.conversation, name, value)
        for event, data in change.events:
            rows.append(
                message_row(
                    change.conversation,
                    at=now,
                    kind=Kind.EVENT,
                    event=event,
                    data=data,
                )
            )
    if rows:
        insert_messages(rows)
    return written


def update_sla(
    conversation: Conversation,
    columns: Mapping[str, Any],
    *,
    expect: Mapping[str, Any] | None = None,
    events: Sequence[tuple[str, dict[str, Any]]] = (),
) -> bool:
    """:func:`update_sla_many` for one conversation."""
    change = SlaChange(conversation, columns, expect or {}, events)
    return update_sla_many([change])[0]
