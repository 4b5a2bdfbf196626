"""Recording what the SLA clocks decided about a conversation: its due times, whether each
target was met or breached, and the warnings and breaches on its timeline.

The decisions are the ``sla`` app's (it sits above conversations, which knows nothing of
policies or calendars); the columns are this app's, so they are written here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction

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


def _written(changes: Sequence[SlaChange]) -> list[bool]:
    """Which changes were written: one statement for all the changes that set the same
    columns on the same expectations (the breach scanner's warnings of a batch are one),
    each row updated only if it still holds its ``expect``."""
    groups: dict[tuple[Any, ...], list[int]] = {}
    for n, change in enumerate(changes):
        unknown = (set(change.columns) | set(change.expect)) - SLA_COLUMNS
        if unknown:
            raise ValueError(f"not SLA columns: {sorted(unknown)}")
        if change.columns:
            nulls = tuple((name, value is None) for name, value in change.expect.items())
            groups.setdefault((tuple(change.columns), nulls), []).append(n)
    written = [not change.columns for change in changes]
    for (names, nulls), members in groups.items():
        ids = _update_group(names, nulls, [changes[n] for n in members])
        for n in members:
            written[n] = changes[n].conversation.pk in ids
    return written


def _update_group(
    names: tuple[str, ...], nulls: tuple[tuple[str, bool], ...], group: list[SlaChange]
) -> set[int]:
    """``UPDATE … FROM (VALUES …) … RETURNING id`` for rows that take the same columns:
    one round trip for a batch instead of one a conversation (PostgreSQL took 2.2 s for
    1,000 warnings a statement each)."""
    compared = [name for name, is_null in nulls if not is_null]
    table = CONVERSATIONS.name
    postgres = connection.vendor == "postgresql"

    def slot(name: str) -> str:
        return f"%s::{Conversation._meta.get_field(name).db_type(connection)}" if postgres else "%s"

    row = "(" + ", ".join([slot("id"), *map(slot, names), *map(slot, compared)]) + ")"
    aliases = [
        "id",
        *(f"n{i}" for i in range(len(names))),
        *(f"e{i}" for i in range(len(compared))),
    ]
    sets = ", ".join(f"{_COLUMN[name]} = v.n{i}" for i, name in enumerate(names))
    where = [f"{table}.id = v.id"]
    where += [f"{table}.{_COLUMN[name]} = v.e{i}" for i, name in enumerate(compared)]
    where += [f"{table}.{_COLUMN[name]} IS NULL" for name, is_null in nulls if is_null]
    params: list[Any] = []
    for change in group:
        params.append(change.conversation.pk)
        params.extend(change.columns[name] for name in names)
        params.extend(change.expect[name] for name in compared)
    statement = (
        f"WITH v({', '.join(aliases)}) AS (VALUES {', '.join([row] * len(group))})"
        f" UPDATE {table} SET {sets} FROM v WHERE {' AND '.join(where)} RETURNING {table}.id"
    )
    return {int(found[0]) for found in sql.fetchall(statement, params)}


# No savepoint: a caller writing many (the breach scanner's batch) rolls back as one.
@transaction.atomic(savepoint=False)
def update_sla_many(changes: Sequence[SlaChange]) -> list[bool]:
    """Write each change whose row still holds its ``expect``; the timeline events of
    those written go in one insert. Returns, per change, whether it was written: a reply
    recorded meanwhile is not overwritten by a breach decided before it."""
    written = _written(changes)
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
