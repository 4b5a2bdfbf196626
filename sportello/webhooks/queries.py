"""The read side of webhooks, shared by the API, the settings page and the handlers."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import OuterRef, QuerySet, Subquery

from sportello.core import clock
from sportello.core.errors import NotFound
from sportello.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription

# How long the handlers trust the cached list of event types a workspace is subscribed
# to. A change made here forgets it at once; one made by another process is seen after this.
CACHE_SECONDS = 60
DELIVERY_PAGE = 50


def _key(workspace_id: int) -> str:
    return f"webhooks:types:{workspace_id}"


def subscribed_types(workspace_id: int) -> frozenset[str]:
    """The event types some enabled subscription of the workspace wants: every domain
    event asks, so the answer is cached and most events cost no query."""
    found = cache.get(_key(workspace_id))
    if found is None:
        types: set[str] = set()
        for events in WebhookSubscription.objects.filter(
            workspace_id=workspace_id, is_enabled=True
        ).values_list("events", flat=True):
            types.update(events)
        found = frozenset(types)
        cache.set(_key(workspace_id), found, CACHE_SECONDS)
    return frozenset(found)


def forget(workspace_id: int) -> None:
    cache.delete(_key(workspace_id))


def subscriptions_for(workspace_id: int, event_type: str) -> list[WebhookSubscription]:
    return [
        s
        for s in WebhookSubscription.objects.filter(workspace_id=workspace_id, is_enabled=True)
        if event_type in s.events
    ]


def workspace_subscriptions(workspace_id: int) -> QuerySet[WebhookSubscription]:
    return WebhookSubscription.objects.filter(workspace_id=workspace_id).order_by("pk")


def subscriptions_with_last_delivery(workspace_id: int) -> QuerySet[WebhookSubscription]:
    """The settings page's list: each webhook with its latest delivery's ``last_status``
    and ``last_at`` (None before any), in one query."""
    latest = WebhookDelivery.objects.filter(subscription=OuterRef("pk")).order_by("-pk")
    return workspace_subscriptions(workspace_id).annotate(
        last_status=Subquery(latest.values("status")[:1]),
        last_at=Subquery(latest.values("created_at")[:1]),
    )


def get_subscription(workspace_id: int, subscription_id: int) -> WebhookSubscription:
    found = WebhookSubscription.objects.filter(
        workspace_id=workspace_id, pk=subscription_id
    ).first()
    if found is None:
        raise NotFound(f"webhook {subscription_id} not found")
    return found


def deliveries_of(
    subscription: WebhookSubscription,
    *,
    before_id: int | None = None,
    status: str | None = None,
    limit: int = DELIVERY_PAGE,
) -> list[WebhookDelivery]:
    """The subscription's delivery log, newest first; the id is the cursor."""
    rows = WebhookDelivery.objects.filter(
        workspace_id=subscription.workspace_id, subscription=subscription
    )
    if before_id is not None:
        rows = rows.filter(pk__lt=before_id)
    if status is not None:
        rows = rows.filter(status=status)
    return list(rows.order_by("-pk")[:limit])


def get_delivery(subscription: WebhookSubscription, delivery_id: int) -> WebhookDelivery:
    found = WebhookDelivery.objects.filter(
        workspace_id=subscription.workspace_id, subscription=subscription, pk=delivery_id
    ).first()
    if found is None:
        raise NotFound(f"delivery {delivery_id} not found")
    return found


def due_delivery_ids(limit: int = 500) -> list[int]:
    """Pending deliveries whose next attempt is due (a retry, a job lost with its process,
    an attempt interrupted): what the sweeper sends."""
    return list(
        WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=clock.now()
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
