"""How a provider's webhook answers what it cannot take, and keeps it as evidence.

Two answers, chosen per case by the provider and written down in its docs:
- ``refuse``: the request is not the provider's (a forged signature, an unknown channel
  key): a 4xx, so nothing is acknowledged that was not sent by the provider.
- ``ignore``: the provider's own request that holds nothing Sportello can take (malformed
  JSON, an event type it does not handle): 200, because the provider would otherwise
  retry the same bytes for days, and each retry would be refused again.
Both keep the first bytes and the reason in ``ingest.RejectedInbound`` (stage ``edge``),
where an admin sees them.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpResponse, JsonResponse

from sportello.channels.models import Channel
from sportello.ingest.inbound import InboundMessage
from sportello.ingest.pipeline import IngestFailed, ingest
from sportello.ingest.rejections import record_refusal


def refuse(
    *,
    source: str,
    reason: str,
    status: int = 403,
    raw: bytes = b"",
    workspace_id: int | None = None,
    channel_id: int | None = None,
) -> HttpResponse:
    """A request that is not the provider's: recorded, answered with ``status``."""
    record_refusal(
        source=source, reason=reason, raw=raw, workspace_id=workspace_id, channel_id=channel_id
    )
    return JsonResponse({"detail": reason}, status=status)


def ignore(
    *,
    source: str,
    reason: str,
    raw: bytes = b"",
    workspace_id: int | None = None,
    channel_id: int | None = None,
    payload: object = None,
) -> None:
    """A provider's request (or part of one) that holds nothing to take: recorded; the
    caller still answers 200 so the provider does not retry it forever."""
    record_refusal(
        source=source,
        reason=reason,
        raw=raw,
        workspace_id=workspace_id,
        channel_id=channel_id,
        payload=payload,
    )


def take(
    inbound: InboundMessage,
    *,
    source: str,
    channel: Channel,
    taken: dict[str, int],
    fetch_media: Callable[[int, int], object],
) -> None:
    """Put one customer message of a webhook through the pipeline and count what became of
    it in ``taken`` (messages, duplicates, ignored). A message the pipeline fails on is
    kept, retryable, in RejectedInbound; its files still to download are fetched by the
    provider's job (``fetch_media(message_id, channel_id)``), not in the request."""
    try:
        result = ingest(inbound, source=source, channel=channel)
    except IngestFailed:
        taken["ignored"] += 1
        return
    if result.duplicate:
        taken["duplicates"] += 1
        return
    taken["messages"] += 1
    if any(a.get("pending") for a in inbound.attachments):
        fetch_media(result.message_id, channel.pk)
