"""The raw inbound record: stored first, once per (workspace, channel, external_id).

Plain SQL (docs/adr/0005): these run for every message that arrives.
"""

from __future__ import annotations

from sportello.core import clock, sql
from sportello.ingest.inbound import InboundMessage
from sportello.ingest.models import InboundRecord

RECORDS = sql.Table(InboundRecord)
_KEY = "workspace_id, channel_id, external_id"


def store(inbound: InboundMessage) -> int | None:
    """Insert the record; ``None`` when this (channel, external_id) was stored before."""
    return RECORDS.insert(
        RECORDS.row(
            workspace_id=inbound.workspace_id,
            channel_id=inbound.channel_id,
            external_id=inbound.external_id,
            payload=inbound.to_payload(),
            received_at=clock.now(),
        ),
        on_conflict=_KEY,
    )


_FIRST_DELIVERY_SQL = (
    f"SELECT id, message_id, conversation_id, customer_id FROM {RECORDS.name}"
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


def note_result(record_id: int, *, message_id: int, conversation_id: int, customer_id: int) -> None:
    """What a replay of this message will be answered with. One statement whose row count
    nobody reads (it may run pipelined)."""
    sql.execute(
        f"UPDATE {RECORDS.name} SET message_id = %s, conversation_id = %s, customer_id = %s"
        " WHERE id = %s",
        [message_id, conversation_id, customer_id, record_id],
    )
