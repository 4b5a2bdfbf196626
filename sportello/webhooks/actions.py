"""The only writers of webhook subscriptions and of their deliveries' making.

A subscription's create, delete, secret rotation and switching on or off are audited
(``webhook.*``); its secret is returned by the action that makes it, once. Deliveries are
made by ``queue_event`` (the handlers of the domain events), ``ping`` and ``redeliver``,
each publishing ``WebhookDeliveriesQueued`` on commit; their attempts are ``sending``'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction

from sportello.audit.actions import record
from sportello.core import clock
from sportello.core.errors import InvalidInput
from sportello.core.events import publish
from sportello.core.models import Workspace
from sportello.webhooks import payloads, queries
from sportello.webhooks.events import WebhookDeliveriesQueued
from sportello.webhooks.models import (
    PING,
    DeliveryStatus,
    EventType,
    WebhookDelivery,
    WebhookSubscription,
)
from sportello.webhooks.signing import new_secret
from sportello.webhooks.targets import url_refusal

# A rotated secret keeps signing beside the new one this long, so a receiver can switch.
PREVIOUS_SECRET_KEPT = timedelta(hours=24)
MAX_DESCRIPTION = 200


@dataclass(frozen=True)
class Created:
    subscription: WebhookSubscription
    secret: str


def _host(url: str) -> str:
    """What the audit log keeps of a URL: its host. A receiver's path often holds a key of
    its own (Zapier's, n8n's), and the log is read by every admin for years."""
    return urlsplit(url).hostname or ""


def _checked_url(url: Any) -> str:
    text = url.strip() if isinstance(url, str) else ""
    refusal = url_refusal(text)
    if refusal:
        raise InvalidInput(f"url: {refusal}")
    return text


def _checked_events(events: Any) -> list[str]:
    if not isinstance(events, list) or not events:
        raise InvalidInput("events: choose at least one of " + ", ".join(EventType.values))
    unknown = [e for e in events if e not in EventType.values]
    if unknown:
        raise InvalidInput(
            f"events: unknown {unknown[0]!r}; choose among " + ", ".join(EventType.values)
        )
    return [e for e in EventType.values if e in events]  # the catalogue's order, once each


def _checked_description(description: Any) -> str:
    text = description.strip() if isinstance(description, str) else ""
    if len(text) > MAX_DESCRIPTION:
        raise InvalidInput(f"description: at most {MAX_DESCRIPTION} characters")
    return text


def create_subscription(
    workspace_id: int,
    *,
    url: str,
    events: list[str],
    description: str = "",
    is_enabled: bool = True,
) -> Created:
    """A new subscription and its secret (returned here only)."""
    now = clock.now()
    secret = new_secret()
    with transaction.atomic():
        subscription = WebhookSubscription.objects.create(
            workspace_id=workspace_id,
            url=_checked_url(url),
            events=_checked_events(events),
            description=_checked_description(description),
            is_enabled=is_enabled,
            secret=secret,
            created_at=now,
            updated_at=now,
        )
        record(
            workspace_id,
            "webhook.created",
            target_type="webhook",
            target_id=subscription.pk,
            detail={"host": _host(subscription.url), "events": subscription.events},
        )
        transaction.on_commit(lambda: queries.forget(workspace_id))
    return Created(subscription, secret)


def update_subscription(
    subscription: WebhookSubscription,
    *,
    url: str | None = None,
    events: list[str] | None = None,
    description: str | None = None,
    is_enabled: bool | None = None,
) -> WebhookSubscription:
    """Change what is given. Switching a subscription on again (after it was switched off
    by hand, or for failing) starts its count of failures afresh."""
    changed: list[str] = []
    if url is not None:
        subscription.url = _checked_url(url)
        changed.append("url")
    if events is not None:
        subscription.events = _checked_events(events)
        changed.append("events")
    if description is not None:
        subscription.description = _checked_description(description)
        changed.append("description")
    switched = is_enabled is not None and is_enabled != subscription.is_enabled
    if switched:
        subscription.is_enabled = bool(is_enabled)
        changed.append("is_enabled")
        if is_enabled:
            subscription.consecutive_failures = 0
            subscription.failing_since = None
            subscription.disabled_reason = ""
            subscription.disabled_at = None
        else:
            subscription.disabled_reason = ""
            subscription.disabled_at = clock.now()
    subscription.updated_at = clock.now()
    with transaction.atomic():
        subscription.save()
        if switched:
            verb = "webhook.enabled" if subscription.is_enabled else "webhook.disabled"
            record(
                subscription.workspace_id, verb, target_type="webhook", target_id=subscription.pk
            )
        elif changed:
            record(
                subscription.workspace_id,
                "webhook.updated",
                target_type="webhook",
                target_id=subscription.pk,
                detail={"fields": changed},
            )
        workspace_id = subscription.workspace_id
        transaction.on_commit(lambda: queries.forget(workspace_id))
    return subscription


def delete_subscription(subscription: WebhookSubscription) -> None:
    """The subscription and its delivery log; a delivery in flight finds it gone and stops."""
    workspace_id, pk = subscription.workspace_id, subscription.pk
    with transaction.atomic():
        record(
            workspace_id,
            "webhook.deleted",
            target_type="webhook",
            target_id=pk,
            detail={"host": _host(subscription.url)},
        )
        subscription.delete()
        transaction.on_commit(lambda: queries.forget(workspace_id))


def rotate_secret(subscription: WebhookSubscription) -> str:
    """A new secret, returned here only; the previous one keeps signing beside it for
    ``PREVIOUS_SECRET_KEPT``."""
    now = clock.now()
    secret = new_secret()
    subscription.previous_secret = subscription.secret
    subscription.previous_secret_until = now + PREVIOUS_SECRET_KEPT
    subscription.secret = secret
    subscription.updated_at = now
    with transaction.atomic():
        subscription.save(
            update_fields=["previous_secret", "previous_secret_until", "secret", "updated_at"]
        )
        record(
            subscription.workspace_id,
            "webhook.secret_rotated",
            target_type="webhook",
            target_id=subscription.pk,
        )
    return secret


def _queue(
    subscriptions: list[WebhookSubscription],
    event_type: str,
    event_id: str,
    body: str,
    *,
    conversation_id: int | None = None,
    customer_id: int | None = None,
) -> list[WebhookDelivery]:
    now = clock.now()
    deliveries = [
        WebhookDelivery.objects.create(
            workspace_id=s.workspace_id,
            subscription=s,
            event_id=event_id,
            event_type=event_type,
            body=body,
            conversation_id=conversation_id,
            customer_id=customer_id,
            status=DeliveryStatus.PENDING,
            next_attempt_at=now,
            created_at=now,
        )
        for s in subscriptions
    ]
    if deliveries:
        publish(
            WebhookDeliveriesQueued(
                workspace_id=deliveries[0].workspace_id,
                delivery_ids=tuple(d.pk for d in deliveries),
            )
        )
    return deliveries


def queue_event(
    workspace_id: int,
    event_type: str,
    data: dict[str, Any],
    occurred_at: datetime,
    *,
    conversation_id: int | None = None,
    customer_id: int | None = None,
) -> list[WebhookDelivery]:
    """One delivery of the event per enabled subscription that wants it, all with the same
    event id and body; ``conversation_id`` and ``customer_id`` say whom it is about (a
    customer's erasure removes these deliveries)."""
    subscriptions = queries.subscriptions_for(workspace_id, event_type)
    if not subscriptions:
        return []
    workspace = Workspace.objects.get(pk=workspace_id)
    event_id = payloads.new_event_id()
    body = payloads.body_of(payloads.envelope(workspace, event_type, event_id, occurred_at, data))
    with transaction.atomic():
        return _queue(
            subscriptions,
            event_type,
            event_id,
            body,
            conversation_id=conversation_id,
            customer_id=customer_id,
        )


def ping(subscription: WebhookSubscription) -> WebhookDelivery:
    """A ``ping`` event to this subscription alone, enabled or not: is the receiver there,
    and does it check the signature?"""
    workspace = Workspace.objects.get(pk=subscription.workspace_id)
    event_id = payloads.new_event_id()
    data = {"subscription": {"id": subscription.pk, "url": subscription.url}}
    body = payloads.body_of(payloads.envelope(workspace, PING, event_id, clock.now(), data))
    with transaction.atomic():
        return _queue([subscription], PING, event_id, body)[0]


def redeliver(delivery: WebhookDelivery) -> WebhookDelivery:
    """The same event (id and body) again, as a new delivery with attempts of its own; the
    receiver may tell it by its event id."""
    subscription = delivery.subscription
    with transaction.atomic():
        again = _queue(
            [subscription],
            delivery.event_type,
            delivery.event_id,
            delivery.body,
            conversation_id=delivery.conversation_id,
            customer_id=delivery.customer_id,
        )[0]
        again.redelivery_of = delivery
        again.save(update_fields=["redelivery_of"])
    return again
