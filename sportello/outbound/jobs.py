"""Background jobs of outbound delivery: one attempt per job, and a sweeper every minute."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from sportello.outbound.actions import attempt_delivery, requeue_interrupted
from sportello.outbound.models import DeliveryStatus
from sportello.outbound.queries import due_delivery_ids


@db_task()
def deliver(delivery_id: int) -> None:
    """Try to send one delivery; when it will be retried, schedule the retry at its time.

    Retries are scheduled here rather than with Huey's ``retries`` so the backoff grows
    (1 min, 5 min, 30 min, 2 h) and is visible on the delivery as ``next_attempt_at``.
    """
    delivery = attempt_delivery(delivery_id)
    if (
        delivery is not None
        and delivery.status == DeliveryStatus.QUEUED
        and delivery.next_attempt_at is not None
    ):
        deliver.schedule(args=(delivery_id,), eta=delivery.next_attempt_at)


@db_periodic_task(crontab(minute="*"))
def send_due_deliveries() -> None:
    """Catch what a lost job would leave behind: interrupted sends (sent again at once),
    deliveries whose job was never enqueued (the process died right after the reply
    committed) and overdue retries. Running an attempt twice is harmless: only one can
    claim the delivery."""
    requeued = requeue_interrupted()
    for delivery_id in dict.fromkeys([*requeued, *due_delivery_ids()]):
        deliver(delivery_id)
