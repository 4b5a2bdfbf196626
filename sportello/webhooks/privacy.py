"""What webhooks keep of a customer, for the GDPR flows (``privacy.holders``, registered
in ``apps.py``): the deliveries about them or their conversations. The export lists where
their data was sent (art. 15: the recipients); the erasure deletes the deliveries, whose
bodies hold names, addresses and messages. A delivery about a customer who has no
conversation is found by the customers of the conversations given, so one about a customer
without any stays until it is pruned (30 days)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from sportello.conversations.models import Conversation
from sportello.webhooks.models import WebhookDelivery


def _about(workspace_id: int, conversation_ids: list[int]) -> QuerySet[WebhookDelivery]:
    customer_ids = Conversation.objects.filter(
        workspace_id=workspace_id, pk__in=conversation_ids
    ).values_list("customer_id", flat=True)
    return WebhookDelivery.objects.filter(workspace_id=workspace_id).filter(
        Q(conversation_id__in=conversation_ids) | Q(customer_id__in=list(customer_ids))
    )


def export_deliveries(
    workspace_id: int, conversation_ids: list[int], identity_values: list[str]
) -> list[dict[str, Any]]:
    rows = _about(workspace_id, conversation_ids).select_related("subscription")
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


def erase_deliveries(
    workspace_id: int, conversation_ids: list[int], identity_values: list[str]
) -> int:
    deleted, _ = _about(workspace_id, conversation_ids).delete()
    return deleted
