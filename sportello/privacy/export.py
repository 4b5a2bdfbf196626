"""One customer's data as a ZIP archive (GDPR art. 15 and 20), written as it is sent.

``customer.json`` holds the customer, their identities and every conversation with its
messages, notes, timeline events and deliveries; ``attachments/`` holds every attachment
file their messages list. Nothing is built in memory: the archive is a stream (zipfile
writes to a pipe the generator empties after each conversation and each file chunk), the
conversations and their timelines are read a few hundred rows at a time, so a customer
with years of history costs the same memory as one with a single message.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from sportello.conversations.attachments import read_chunks, stored_file
from sportello.conversations.models import Conversation, Direction, Message
from sportello.conversations.queries import (
    conversations_for_export,
    customer_conversation_ids,
    timeline_for_export,
)
from sportello.core import clock
from sportello.customers.models import Customer
from sportello.customers.queries import consent_history, lifecycle_changes_of, orders_of
from sportello.outbound.models import Delivery
from sportello.outbound.queries import deliveries_of
from sportello.privacy.holders import Subject, holders

FORMAT = "sportello-customer-export/1"
BATCH = 200  # timeline rows read, and their deliveries looked up, at a time


class _Pipe:
    """What zipfile writes to: the bytes wait here until the generator hands them on.
    It cannot seek, so zipfile writes each entry's sizes after its data."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        return data


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=_plain, indent=1)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _safe_name(name: str) -> str:
    cleaned = re.sub(r"[^\w.\-]+", "_", name, flags=re.UNICODE).strip("._")
    return cleaned[:100] or "file"


def _customer(customer: Customer) -> dict[str, Any]:
    return {
        "id": customer.pk,
        "name": customer.name,
        "organization": customer.organization.name if customer.organization else None,
        "language": customer.language,
        "custom_fields": customer.custom_fields,
        "conversation_count": customer.conversation_count,
        "last_contact_at": customer.last_contact_at,
        "created_at": customer.created_at,
        "erased_at": customer.erased_at,
    }


def _lifecycle(customer: Customer) -> dict[str, Any]:
    """Her stage and its history, orders, consents (every record, latest first)."""
    return {
        "lifecycle": {
            "stage": customer.lifecycle_stage,
            "changed_at": customer.lifecycle_changed_at,
            "reason": customer.lifecycle_reason,
            "history": [
                {"from": c.previous, "to": c.stage, "reason": c.reason, "by": c.by_name, "at": c.at}
                for c in lifecycle_changes_of(customer.pk, limit=1000)
            ],
        },
        "do_not_contact": customer.do_not_contact,
        "do_not_contact_since": customer.do_not_contact_since,
        "orders": [
            {
                "number": o.number,
                "total": f"{o.total:.2f}",
                "currency": o.currency,
                "status": o.status,
                "placed_at": o.placed_at,
            }
            for o in orders_of(customer.workspace_id, customer.pk, limit=100_000)
        ],
        "consents": [
            {
                "purpose": c.purpose,
                "channel_kind": c.channel_kind,
                "granted": c.granted,
                "source": c.source,
                "by": c.by_name,
                "at": c.at,
            }
            for c in consent_history(customer.pk, limit=100_000)
        ],
    }


def _delivery(delivery: Delivery | None) -> dict[str, Any] | None:
    if delivery is None:
        return None
    return {
        "status": delivery.status,
        "attempts": delivery.attempts,
        "sent_at": delivery.sent_at,
        "last_error": delivery.last_error,
        "provider_message_id": delivery.provider_message_id,
        "created_at": delivery.created_at,
    }


class _Files:
    """The attachment files found in the timeline, named once each in the archive."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, str]] = []  # (name in the archive, stored path)
        self._names: dict[str, str] = {}

    def name_for(self, message_id: int, attachment: dict[str, Any]) -> str | None:
        stored = attachment.get("path")
        if not isinstance(stored, str) or not stored:
            return None
        if stored not in self._names:
            filename = _safe_name(str(attachment.get("filename") or "file"))
            name = f"attachments/{message_id}-{len(self.entries) + 1}-{filename}"
            self._names[stored] = name
            self.entries.append((name, stored))
        return self._names[stored]


def _message(message: Message, delivery: Delivery | None, files: _Files) -> dict[str, Any]:
    attachments = []
    for attachment in message.attachments or []:
        if isinstance(attachment, dict):
            attachments.append(
                {
                    "filename": attachment.get("filename"),
                    "content_type": attachment.get("content_type"),
                    "size": attachment.get("size"),
                    "file": files.name_for(message.pk, attachment),
                }
            )
    return {
        "id": message.pk,
        "kind": message.kind,
        "direction": message.direction,
        "event": message.event or None,
        "sender_name": message.sender_name,
        "text": message.text,
        "html": message.html,
        "language": message.language,
        "data": message.data,
        "attachments": attachments,
        "sent_at": message.sent_at,
        "received_at": message.received_at,
        "created_at": message.created_at,
        "delivery": _delivery(delivery),
    }


def _conversation_head(conversation: Conversation) -> dict[str, Any]:
    return {
        "id": conversation.pk,
        "number": conversation.number,
        "subject": conversation.subject,
        "status": conversation.status,
        "channel": conversation.channel.name,
        "channel_kind": conversation.channel.kind,
        "team": conversation.team.name if conversation.team else None,
        "assignee": conversation.assignee.display_name if conversation.assignee else None,
        "language": conversation.language,
        "created_at": conversation.created_at,
        "last_message_at": conversation.last_message_at,
        "resolved_at": conversation.resolved_at,
        "anonymised_at": conversation.anonymised_at,
    }


def _entries(conversation_id: int, *, notes: bool, files: _Files) -> Iterator[str]:
    """The JSON of each of the conversation's messages and events (or of its notes), in
    order, a batch at a time with their deliveries: a conversation of thousands of
    messages is never held whole."""
    batch: list[Message] = []

    def written() -> Iterator[str]:
        deliveries = deliveries_of([m.pk for m in batch if m.direction == Direction.OUTBOUND])
        for message in batch:
            yield _json(_message(message, deliveries.get(message.pk), files))
        batch.clear()

    for message in timeline_for_export(conversation_id, notes=notes):
        batch.append(message)
        if len(batch) == BATCH:
            yield from written()
    yield from written()


def _conversation(conversation: Conversation, files: _Files) -> Iterator[str]:
    """The conversation's JSON object, in pieces."""
    yield _json(_conversation_head(conversation))[:-2]
    for key, notes in (("messages", False), ("notes", True)):
        yield f',\n "{key}": ['
        for n, entry in enumerate(_entries(conversation.pk, notes=notes, files=files)):
            yield ("\n" if n == 0 else ",\n") + entry
        yield "]"
    yield "\n}"


def archive(customer: Customer) -> Iterator[bytes]:
    """The archive's bytes, a piece at a time (``customer`` read with its organisation
    and identities: ``customers.queries.get_customer``)."""
    pipe = _Pipe()
    files = _Files()
    now = clock.now()
    stamp = now.timetuple()[:6]
    with zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_DEFLATED) as archive_file:
        member = zipfile.ZipInfo("customer.json", date_time=stamp)
        member.compress_type = zipfile.ZIP_DEFLATED
        with archive_file.open(member, "w", force_zip64=True) as out:
            head = {
                "format": FORMAT,
                "exported_at": now,
                "customer": _customer(customer),
                "identities": [
                    {"kind": i.kind, "value": i.value, "created_at": i.created_at}
                    for i in customer.identities.all()
                ],
                **_lifecycle(customer),
            }
            ids = customer_conversation_ids(customer.workspace_id, customer.pk)
            values = [i.value for i in customer.identities.all()]
            # Rows other apps keep on the customer (a phone channel's calls, callbacks).
            subject = Subject(customer.workspace_id, customer.pk, ids, values)
            for holder in holders():
                head[holder.name] = holder.export(subject)
            out.write(_json(head)[:-2].encode() + b',\n "conversations": [\n')
            for n, conversation in enumerate(conversations_for_export(ids)):
                if n:
                    out.write(b",\n")
                for piece in _conversation(conversation, files):
                    out.write(piece.encode())
                    yield pipe.take()
            out.write(b"\n ]\n}\n")
        yield pipe.take()
        for name, stored in files.entries:
            path = stored_file(stored)
            if path is None:  # listed, but its file is gone: the JSON still says so
                continue
            member = zipfile.ZipInfo(name, date_time=stamp)
            member.compress_type = zipfile.ZIP_DEFLATED
            with archive_file.open(member, "w", force_zip64=True) as out:
                for chunk in read_chunks(path):
                    out.write(chunk)
                    yield pipe.take()
            yield pipe.take()
    yield pipe.take()
