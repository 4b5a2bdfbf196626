"""Outbound webhooks (``/api/v1/webhooks``), for admins: subscriptions to the workspace's
events, their secrets (in the answer that makes or rotates one only), a test event, the
delivery log and redelivery. What is sent and how to check the signature:
docs/architecture/webhooks.md."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import StrictBool

from sportello.accounts.models import Agent
from sportello.api.auth import current_agent
from sportello.api.schemas import Error, ValidationErrorOut
from sportello.core.errors import InvalidInput, PermissionDenied
from sportello.core.ids import parse_id
from sportello.webhooks import actions, queries
from sportello.webhooks.models import EventType, WebhookDelivery, WebhookSubscription
from sportello.webhooks.signing import hint

router = Router(tags=["webhooks"])

_READ = {401: Error, 403: Error, 404: Error}
_WRITE = {**_READ, 422: ValidationErrorOut}
_EVENTS = ", ".join(f"`{e}`" for e in EventType.values)


class WebhookIn(Schema):
    url: str = Field(
        description="Where the events are posted: https on a public address (plain http "
        "and private addresses only where the installation allows them)."
    )
    events: list[str] = Field(description=f"At least one of {_EVENTS}.")
    description: str = Field("", description="What the webhook is for, up to 200 characters.")
    is_enabled: StrictBool = True


class WebhookPatch(Schema):
    url: str | None = None
    events: list[str] | None = Field(None, description=f"At least one of {_EVENTS}.")
    description: str | None = None
    is_enabled: StrictBool | None = Field(
        None, description="`true` switches the webhook on again and clears its failures."
    )


class WebhookOut(Schema):
    id: int
    url: str
    events: list[str]
    description: str
    is_enabled: bool
    secret_hint: str = Field(description="The secret's last characters, to tell which it is.")
    consecutive_failures: int = Field(description="Failed attempts in a row since a success.")
    disabled_reason: str = Field(description="Why the system switched the webhook off, if it did.")
    disabled_at: datetime | None
    created_at: datetime
    updated_at: datetime


class WebhookSecretOut(WebhookOut):
    secret: str = Field(
        description="The signing secret: shown in this answer only. Sportello-Signature is "
        "t=<unix time>,v1=<hex HMAC-SHA256 of '<t>.<body>' with this secret>."
    )


class WebhookDeliveryOut(Schema):
    id: int
    event_id: str = Field(description="The Sportello-Event-Id: the same on a redelivery.")
    event_type: str
    status: Literal["pending", "succeeded", "failed"]
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    response_status: int | None
    response_excerpt: str = Field(description="The first 300 characters of the last answer.")
    last_error: str
    redelivery_of: int | None
    created_at: datetime
    finished_at: datetime | None
    payload: dict[str, Any] = Field(description="The body posted.")


class WebhookDeliveryPage(Schema):
    items: list[WebhookDeliveryOut]
    next_cursor: str | None


class WebhookDeliveryQuery(Schema):
    status: Literal["pending", "succeeded", "failed"] | None = None
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200)


def _admin(request: HttpRequest) -> Agent:
    agent = current_agent(request)
    if not agent.can_configure:
        raise PermissionDenied("only admins manage webhooks")
    return agent


def _subscription(request: HttpRequest, webhook_id: int) -> WebhookSubscription:
    return queries.get_subscription(_admin(request).workspace_id, webhook_id)


def _out(s: WebhookSubscription) -> dict[str, Any]:
    return {
        "id": s.pk,
        "url": s.url,
        "events": s.events,
        "description": s.description,
        "is_enabled": s.is_enabled,
        "secret_hint": hint(s.secret),
        "consecutive_failures": s.consecutive_failures,
        "disabled_reason": s.disabled_reason,
        "disabled_at": s.disabled_at,
        "created_at": s.created_at,
        "updated_at": s.updated_at,
    }


def _delivery(d: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": d.pk,
        "event_id": d.event_id,
        "event_type": d.event_type,
        "status": d.status,
        "attempts": d.attempts,
        "next_attempt_at": d.next_attempt_at,
        "last_attempt_at": d.last_attempt_at,
        "response_status": d.response_status,
        "response_excerpt": d.response_excerpt,
        "last_error": d.last_error,
        "redelivery_of": d.redelivery_of_id,
        "created_at": d.created_at,
        "finished_at": d.finished_at,
        "payload": json.loads(d.body),
    }


@router.get("", response={200: list[WebhookOut], **_READ})
def list_webhooks(request: HttpRequest):  # type: ignore[no-untyped-def]
    """The workspace's webhooks, oldest first (admins)."""
    agent = _admin(request)
    return [_out(s) for s in queries.workspace_subscriptions(agent.workspace_id)]


@router.post("", response={201: WebhookSecretOut, **_WRITE})
def create_webhook(request: HttpRequest, payload: WebhookIn):  # type: ignore[no-untyped-def]
    """A new webhook (admins). Its signing `secret` is in this answer only."""
    agent = _admin(request)
    created = actions.create_subscription(agent.workspace_id, **payload.model_dump())
    return Status(201, {**_out(created.subscription), "secret": created.secret})


@router.get("/{rowid:webhook_id}", response={200: WebhookOut, **_READ})
def get_webhook(request: HttpRequest, webhook_id: int):  # type: ignore[no-untyped-def]
    """One webhook, with its run of failures and why it was switched off, if it was."""
    return _out(_subscription(request, webhook_id))


@router.patch("/{rowid:webhook_id}", response={200: WebhookOut, **_WRITE})
def update_webhook(  # type: ignore[no-untyped-def]
    request: HttpRequest, webhook_id: int, payload: WebhookPatch
):
    """Change what is given; `is_enabled: true` switches it on again after failures."""
    subscription = _subscription(request, webhook_id)
    changes = payload.model_dump(exclude_unset=True)
    if any(value is None for value in changes.values()):
        raise InvalidInput("give a value, not null, for each field to change")
    return _out(actions.update_subscription(subscription, **changes))


@router.delete("/{rowid:webhook_id}", response={204: None, **_READ})
def delete_webhook(request: HttpRequest, webhook_id: int):  # type: ignore[no-untyped-def]
    """Delete the webhook and its delivery log; nothing more is sent to it."""
    actions.delete_subscription(_subscription(request, webhook_id))
    return Status(204, None)


@router.post("/{rowid:webhook_id}/rotate-secret", response={200: WebhookSecretOut, **_READ})
def rotate_secret(request: HttpRequest, webhook_id: int):  # type: ignore[no-untyped-def]
    """A new signing secret, in this answer only. For 24 hours deliveries are signed with
    both (two `v1` in Sportello-Signature), so the receiver can switch without a gap."""
    subscription = _subscription(request, webhook_id)
    secret = actions.rotate_secret(subscription)
    return {**_out(subscription), "secret": secret}


@router.post("/{rowid:webhook_id}/ping", response={202: WebhookDeliveryOut, **_READ})
def ping(request: HttpRequest, webhook_id: int):  # type: ignore[no-untyped-def]
    """Send a `ping` event now, even to a switched-off webhook; its outcome is in the
    delivery log within seconds."""
    return Status(202, _delivery(actions.ping(_subscription(request, webhook_id))))


@router.get("/{rowid:webhook_id}/deliveries", response={200: WebhookDeliveryPage, **_WRITE})
def list_deliveries(  # type: ignore[no-untyped-def]
    request: HttpRequest, webhook_id: int, filters: Query[WebhookDeliveryQuery]
):
    """The webhook's deliveries, newest first: status, attempts, the last answer or error,
    the body. `cursor` is the previous page's `next_cursor`. Kept 30 days."""
    subscription = _subscription(request, webhook_id)
    before = None
    if filters.cursor and (before := parse_id(filters.cursor)) is None:
        raise InvalidInput("cursor: not valid; start again from the first page")
    rows = queries.deliveries_of(
        subscription, before_id=before, status=filters.status, limit=filters.limit + 1
    )
    more = len(rows) > filters.limit
    rows = rows[: filters.limit]
    return {
        "items": [_delivery(d) for d in rows],
        "next_cursor": str(rows[-1].pk) if more else None,
    }


@router.post(
    "/{rowid:webhook_id}/deliveries/{rowid:delivery_id}/redeliver",
    response={202: WebhookDeliveryOut, **_READ},
)
def redeliver(  # type: ignore[no-untyped-def]
    request: HttpRequest, webhook_id: int, delivery_id: int
):
    """Send a delivery's event again (the same event id and body) as a new delivery."""
    subscription = _subscription(request, webhook_id)
    delivery = queries.get_delivery(subscription, delivery_id)
    return Status(202, _delivery(actions.redeliver(delivery)))
