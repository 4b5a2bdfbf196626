"""One raw email, from whichever edge brought it (IMAP poll, LMTP), into Sportello.

The edges share this so they answer the same way: what is taken is stored before they
acknowledge it (mark \\Seen, answer 250); what cannot be taken is kept as a rejected message
with the reason. ``refused`` means handing the message over again cannot help (it is
unreadable, or its sender cannot be read), ``failed`` that it might (the pipeline broke on
something else). Only an infrastructure failure (the database is down) raises: the edge then
leaves the message with the sender's server, which will hand it over again.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass

from django.conf import settings

from sportello.channels.models import Channel
from sportello.core.errors import SportelloError
from sportello.ingest import rejections
from sportello.ingest.pipeline import IngestFailed, ingest
from sportello.providers.email import adapter, receipts
from sportello.providers.email.parsing import ParsedEmail, parse_message

log = logging.getLogger(__name__)

INGESTED = "ingested"
DUPLICATE = "duplicate"
RECEIPT = "receipt"
RECEIPT_UNMATCHED = "receipt_unmatched"
REFUSED = "refused"
FAILED = "failed"


@dataclass(frozen=True)
class Outcome:
    """What became of one email. Every status means it is durably stored: as a message, a
    receipt event, or a rejected record (``failed`` ones can be retried from there)."""

    status: str
    message_id: int | None = None
    conversation_id: int | None = None
    rejected_id: int | None = None
    reason: str = ""


def _refuse(channel: Channel, raw: bytes, source: str, reason: str, status: str) -> Outcome:
    payload = None
    if len(raw) <= settings.MAX_EMAIL_BYTES:
        payload = {"raw": base64.b64encode(raw).decode()}
    rejected = rejections.record_refusal(
        source=source,
        reason=reason,
        workspace_id=channel.workspace_id,
        channel_id=channel.pk,
        raw=raw,
        payload=payload,
    )
    return Outcome(status, rejected_id=rejected.pk, reason=reason)


def receive_email(channel: Channel, raw: bytes, *, source: str) -> Outcome:
    """Parse, then ingest (or record a PEC receipt); never loses ``raw`` silently."""
    try:
        parsed: ParsedEmail = parse_message(raw, max_bytes=settings.MAX_EMAIL_BYTES)
    except Exception as exc:
        log.exception("%s: cannot parse a message for channel %s", source, channel.pk)
        return _refuse(channel, raw, source, f"unreadable message: {exc}", REFUSED)
    external_id = adapter.external_id_for(parsed, raw)
    if receipts.is_pec_receipt(parsed):
        event = receipts.record_pec_receipt(channel, parsed, external_id)
        if event is None:
            reason = "PEC receipt for a message Sportello does not know"
            return _refuse(channel, raw, source, reason, RECEIPT_UNMATCHED)
        return Outcome(RECEIPT, message_id=event.pk, conversation_id=event.conversation_id)
    try:
        inbound = adapter.to_inbound(channel, raw, parsed)
    except SportelloError as exc:
        return _refuse(channel, raw, source, exc.message, REFUSED)
    try:
        result = ingest(inbound, source=source, channel=channel)
    except IngestFailed as exc:
        # Kept either way; only a failure that another delivery could cure is "failed".
        status = REFUSED if exc.permanent else FAILED
        return Outcome(status, rejected_id=exc.rejected_id, reason=exc.message)
    return Outcome(
        DUPLICATE if result.duplicate else INGESTED,
        message_id=result.message_id,
        conversation_id=result.conversation_id,
    )
