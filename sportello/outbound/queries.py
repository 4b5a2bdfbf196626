"""Read-side functions for deliveries, shared by the API and the agent UI."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sportello.core import clock
from sportello.outbound.models import Delivery, DeliveryStatus


@dataclass(frozen=True)
class DeliveryState:
    """What an agent needs to know about a reply: did it leave, and if not, why."""

    status: str
    attempts: int
    last_error: str
    next_attempt_at: datetime | None
    sent_at: datetime | None


def delivery_status_for(
    message_ids: Iterable[int], *, workspace_id: int | None = None
) -> dict[int, DeliveryState]:
    """The delivery state of each message that has one, in one query (messages without a
    delivery, such as replies on channels that cannot send, are absent)."""
    ids = list(message_ids)
    if not ids:
        return {}
    deliveries = Delivery.objects.filter(message_id__in=ids)
    if workspace_id is not None:
        deliveries = deliveries.filter(workspace_id=workspace_id)
    rows = deliveries.values_list(
        "message_id", "status", "attempts", "last_error", "next_attempt_at", "sent_at"
    )
    return {
        message_id: DeliveryState(
            status=status,
            attempts=attempts,
            last_error=last_error,
            next_attempt_at=next_attempt_at,
            sent_at=sent_at,
        )
        for message_id, status, attempts, last_error, next_attempt_at, sent_at in rows
    }


def due_delivery_ids(*, grace: timedelta = timedelta(minutes=1), limit: int = 500) -> list[int]:
    """Queued deliveries whose attempt is overdue by more than ``grace``: their job was
    lost (a queue flushed, a worker killed) and the sweeper enqueues them again."""
    return list(
        Delivery.objects.filter(
            status=DeliveryStatus.QUEUED, next_attempt_at__lte=clock.now() - grace
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
