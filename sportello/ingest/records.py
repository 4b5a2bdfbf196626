"""The raw inbound record: stored first, once per (workspace, channel, external_id).

Plain SQL (docs/adr/0005): these run for every message that arrives.
"""

from __future__ import annotations

from typing import Any

from sportello.core import clock, sql
from sportello.ingest.inbound import InboundMessage
from sportello.ingest.models import InboundRecord

TABLE = "ingest_inboundrecord"


_KEY = "workspace_id, channel_id, external_id"


def store(inbound: InboundMessage) -> int | None:
    """Insert the record; ``None`` when this (channel, external_id) was stored before."""
    return sql.insert(TABLE, _row(inbound), on_conflict=_KEY)


def store_reading(
    inbound: InboundMessage, read: sql.Statement
) -> tuple[int | None, list[tuple[Any, ...]]]:
    """``store``, and a read the pipeline needs next (who the sender is), in one round trip
    on PostgreSQL (``sql.insert_reading``); with the read's rows."""
    return sql.insert_reading(TABLE, _row(inbound), on_conflict=_KEY, read=read)


def _row(inbound: InboundMessage) -> dict[str, Any]:
    return {
        "workspace_id": inbound.workspace_id,
        "channel_id": inbound.channel_id,
        "external_id": inbound.external_id,
        "payload": inbound.to_payload(),
        "message_id": None,
        "conversation_id": None,
        "customer_id": None,
        "received_at": clock.now(),
    }


_FIRST_DELIVERY_SQL = (
    f"SELECT id, message_id, conversation_id, customer_id FROM {TABLE}"
    " WHERE workspace_id = %s AND channel_id = %s AND external_id = %s"
)


def first_delivery(inbound: InboundMessage) -> InboundRecord:
    """The record of the first delivery, with what a replay is answered with (its other
    fields deferred): a plain query, since integrations retry in bursts."""
    row = sql.fetchone(
        _FIRST_DELIVERY_SQL, [inbound.workspace_id, inbound.channel_id, inbound.external_id]
    )
    if row is None:
        raise InboundRecord.DoesNotExist(f"no record of {inbound.external_id!r}")
    record: InboundRecord = sql.instance(
        InboundRecord,
        {
            "id": row[0],
            "workspace_id": inbound.workspace_id,
            "channel_id": inbound.channel_id,
            "external_id": inbound.external_id,
            "message_id": row[1],
            "conversation_id": row[2],
            "customer_id": row[3],
        },
    )
    return record


def note_result(
    record_id: int, *, message_id: int, conversation_id: int, customer_id: int
) -> sql.Statement:
    """What a replay of this message will be answered with: the statement that notes it,
    for the pipeline to run with the message's insert (``message_id`` may be
    ``sql.LAST_ID``, the id that insert returns)."""
    return (
        f"UPDATE {TABLE} SET message_id = %s, conversation_id = %s, customer_id = %s WHERE id = %s",
        [message_id, conversation_id, customer_id, record_id],
    )
