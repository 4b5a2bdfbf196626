"""Forgetting what came in: the raw records of erased customers and of expired
conversations, and refused messages that carry a forgotten address."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Q

from sportello.ingest.models import InboundRecord, RejectedInbound

# Shorter values would match unrelated payloads; identities are addresses and numbers.
MIN_VALUE_LENGTH = 5


@transaction.atomic
def forget_inbound(
    workspace_id: int,
    *,
    conversation_ids: list[int] = (),  # type: ignore[assignment]
    customer_id: int | None = None,
    identity_values: list[str] = (),  # type: ignore[assignment]
) -> int:
    """Delete the raw records (stored mail, payloads) of these conversations or of this
    customer, and the refused or failed messages of the workspace holding one of
    ``identity_values``. How many rows went. A replay of a forgotten message is then
    taken as new: it is new data arriving, and it lands with a new customer."""
    records = Q(conversation_id__in=list(conversation_ids))
    if customer_id is not None:
        records |= Q(customer_id=customer_id)
    deleted, _ = InboundRecord.objects.filter(Q(workspace_id=workspace_id) & records).delete()
    values = [v for v in identity_values if len(v) >= MIN_VALUE_LENGTH]
    if values:
        holding = Q()
        for value in values:
            holding |= Q(payload__icontains=value) | Q(raw_excerpt__icontains=value)
        rejected, _ = RejectedInbound.objects.filter(
            Q(workspace_id=workspace_id) & holding
        ).delete()
        deleted += rejected
    return deleted


def forget_rejected_before(workspace_id: int, cutoff: datetime) -> int:
    """Delete the workspace's refused and failed messages received before ``cutoff``."""
    deleted, _ = RejectedInbound.objects.filter(
        workspace_id=workspace_id, created_at__lt=cutoff
    ).delete()
    return deleted
