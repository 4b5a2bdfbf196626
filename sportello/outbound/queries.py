"""Read-side functions for deliveries, shared by the API and the agent UI."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sportello.core import clock, sql
from sportello.outbound.models import Delivery, DeliveryStatus

# A conversation page reads the deliveries of its replies: a plain query (core.sql).
_DELIVERY = sql.RowReader(
    Delivery, "delivery", leave_out=("provider_message_id", "created_at", "updated_at")
)


@dataclass(frozen=True)
class DeliveryState:
    """What an agent needs to know about a reply: did it leave, and if not, why."""

    status: str
    attempts: int
    last_error: str
    next_attempt_at: datetime | None
    sent_at: datetime | None
    # The provider's receipts (WhatsApp): on the customer's phone, then read.
    delivered_at: datetime | None = None
    read_at: datetime | None = None

    @property
    def latest(self) -> str:
        """What the agent is told: read, delivered, or the delivery's own status."""
        if self.read_at is not None:
            return "read"
        if self.delivered_at is not None and self.status != "failed":
            return "delivered"
        return self.status


def delivery_status_for(
    message_ids: Iterable[int], *, workspace_id: int | None = None
) -> dict[int, DeliveryState]:
    """The delivery state of each message that has one, in one query (messages without a
    delivery, such as replies on channels that cannot send, are absent)."""
    ids = list(message_ids)
    if not ids:
        return {}
    marks = ", ".join(["%s"] * len(ids))
    condition = f"delivery.message_id IN ({marks})"
    params: list[int] = ids
    if workspace_id is not None:
        condition += " AND delivery.workspace_id = %s"
        params = [*ids, workspace_id]
    deliveries = _DELIVERY.build_rows(sql.fetchall(_DELIVERY.where(condition), params))
    return {
        delivery.message_id: DeliveryState(
            status=delivery.status,
            attempts=delivery.attempts,
            last_error=delivery.last_error,
            next_attempt_at=delivery.next_attempt_at,
            sent_at=delivery.sent_at,
            delivered_at=delivery.delivered_at,
            read_at=delivery.read_at,
        )
        for delivery in deliveries
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


def deliveries_of(message_ids: list[int]) -> dict[int, Delivery]:
    """The deliveries of these messages, by message id (a customer's data export)."""
    if not message_ids:
        return {}
    return {d.message_id: d for d in Delivery.objects.filter(message_id__in=message_ids)}
