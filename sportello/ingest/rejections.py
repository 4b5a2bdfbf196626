"""Keeping what could not be taken: refused at the edge or failed in the pipeline."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from sportello.core import clock, sql
from sportello.ingest.inbound import InboundMessage
from sportello.ingest.models import RejectedInbound

EXCERPT_CHARS = 2000


def record_refusal(
    *,
    source: str,
    reason: str,
    workspace_id: int | None = None,
    channel_id: int | None = None,
    raw: bytes | str = b"",
    payload: Any = None,
) -> RejectedInbound:
    """Bad input at the edge: kept as evidence, not retryable."""
    if isinstance(raw, bytes):
        raw = raw[:EXCERPT_CHARS].decode("utf-8", "replace")
    raw, reason = _storable(raw[:EXCERPT_CHARS]), _storable(reason[:5000])
    with transaction.atomic():
        return RejectedInbound.objects.create(
            workspace_id=workspace_id,
            channel_id=channel_id,
            source=source[:60],
            stage=RejectedInbound.Stage.EDGE,
            reason=reason,
            payload=payload,
            raw_excerpt=raw,
            retryable=False,
        )


def _storable(text: str) -> str:
    """``text`` as a database keeps it: refused input may hold NUL characters (PostgreSQL
    refuses them) or lone surrogates (not UTF-8); each becomes U+FFFD or '?'."""
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "\ufffd")


def record_failure(inbound: InboundMessage, *, source: str, reason: str) -> RejectedInbound:
    """A well-formed message the pipeline could not take: complete payload, retryable."""
    excerpt = inbound.text[:EXCERPT_CHARS]
    with transaction.atomic():
        return RejectedInbound.objects.create(
            workspace_id=inbound.workspace_id,
            channel_id=inbound.channel_id,
            source=source[:60],
            external_id=inbound.external_id,
            stage=RejectedInbound.Stage.PIPELINE,
            reason=reason[:5000],
            payload=inbound.to_payload(),
            raw_excerpt=excerpt,
            retryable=True,
        )


def note_retry_failed(rejected: RejectedInbound, reason: str) -> None:
    """A retry failed again: one more attempt, and why."""
    rejected.attempts += 1
    rejected.reason = reason[:5000]
    RejectedInbound.objects.filter(pk=rejected.pk).update(
        attempts=rejected.attempts, reason=rejected.reason
    )


def note_retry_succeeded(rejected: RejectedInbound, message_id: int) -> None:
    """A retry went through: the record is resolved by ``message_id``."""
    rejected.resolved_at = clock.now()
    rejected.resolved_message_id = message_id
    rejected.attempts += 1
    rejected.save(update_fields=["resolved_at", "resolved_message_id", "attempts"])


def resolve_earlier_failures(inbound: InboundMessage, message_id: int) -> None:
    """A message that failed once and came again (a mail server retrying after a 451, a
    provider re-sending a webhook) closes its earlier failure records. Runs for every
    message (one statement on a small partial index) whose row count nobody reads (it may
    run pipelined)."""
    if inbound.external_id is None:
        return
    sql.execute(
        f"UPDATE {RejectedInbound._meta.db_table} SET resolved_at = %s, resolved_message_id = %s"
        " WHERE channel_id = %s AND external_id = %s AND resolved_at IS NULL"
        " AND external_id IS NOT NULL",
        [clock.now(), message_id, inbound.channel_id, inbound.external_id],
    )
