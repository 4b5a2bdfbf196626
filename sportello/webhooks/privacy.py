"""What webhooks keep of a customer, for the GDPR flows (``privacy.holders``, registered
in ``apps.py``): the deliveries about them or their conversations. The export lists where
their data was sent (art. 15: the recipients); the erasure deletes the deliveries, whose
bodies hold names, addresses and messages: those about their conversations, and those about
the customer (``customer.*`` events), conversations or none."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from sportello.privacy.holders import Subject
from sportello.webhooks.models import WebhookDelivery


def _about(subject: Subject) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(workspace_id=subject.workspace_id).filter(
        Q(conversation_id__in=subject.conversation_ids) | Q(customer_id=subject.customer_id)
    )


def export_deliveries(subject: Subject) -> list[dict[str, Any]]:
    rows = _about(subject).select_related("subscription")
    return [
        {
            "event_id": d.event_id,
            "event_type": d.event_type,
            "sent_to": d.subscription.url,
            "status": d.status,
            "created_at": d.created_at.isoformat(),
        }
        for d in rows.order_by("pk")
    ]


def erase_deliveries(subject: Subject) -> int:
    deleted, _ = _about(subject).delete()
    return deleted
