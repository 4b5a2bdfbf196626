"""Background jobs of webhooks: one attempt per job, a sweeper every minute, and the
nightly pruning of the delivery log."""

from __future__ import annotations

from datetime import timedelta

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from sportello.core import clock
from sportello.webhooks.models import DeliveryStatus, WebhookDelivery
from sportello.webhooks.queries import due_delivery_ids
from sportello.webhooks.sending import attempt_delivery

# Finished deliveries are kept this long: the log an admin reads, and no longer a copy of
# customers' messages than that.
KEEP_FINISHED = timedelta(days=30)


@db_task()
def send_webhook_delivery(delivery_id: int) -> None:
    """One attempt; when it will be retried, the retry is scheduled at its time (the
    sweeper would find it anyway, within a minute of it)."""
    delivery = attempt_delivery(delivery_id)
    if (
        delivery is not None
        and delivery.status == DeliveryStatus.PENDING
        and delivery.next_attempt_at is not None
    ):
        send_webhook_delivery.schedule(args=(delivery_id,), eta=delivery.next_attempt_at)


@db_periodic_task(crontab(minute="*"))
def send_due_webhook_deliveries() -> None:
    """Deliveries whose job was lost (the process died after the event committed), overdue
    retries, attempts interrupted by a crash: sent now. Only one attempt can claim each."""
    for delivery_id in due_delivery_ids():
        send_webhook_delivery(delivery_id)


@db_periodic_task(crontab(minute="41", hour="3"))
def prune_webhook_deliveries() -> None:
    WebhookDelivery.objects.filter(finished_at__lt=clock.now() - KEEP_FINISHED).delete()
