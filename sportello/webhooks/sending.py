"""One attempt at a delivery, and what its outcome does to the delivery and its
subscription. These are actions (they write), called by the jobs.

The attempt is claimed by a conditional UPDATE (the attempt count goes up and the next
attempt is pushed ``LEASE`` ahead), so two workers never post the same attempt; the POST
happens outside any transaction. A worker that dies mid-attempt leaves the delivery
pending, due when the lease ends: the sweeper sends it again (at least once; the receiver
tells by ``Sportello-Event-Id``).

Retried: a connection that failed, a timeout, a 5xx, a 429 (after its ``Retry-After``,
between ``MIN_RETRY_AFTER`` and ``MAX_RETRY_AFTER``, else the backoff). Not retried: any
other answer outside 2xx (a 4xx says the request itself is wrong; a 3xx is not followed),
a target refused by ``targets``. Every failed attempt counts against the subscription:
``DISABLE_AFTER_FAILURES`` in a row over at least ``DISABLE_AFTER`` switch it off.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

import httpx
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import translation
from django.utils.translation import gettext

from sportello.accounts.models import Agent, Role
from sportello.audit.actions import record
from sportello.automation.rules.actions import notify_agents
from sportello.core import clock
from sportello.webhooks import queries
from sportello.webhooks.models import PING, DeliveryStatus, WebhookDelivery, WebhookSubscription
from sportello.webhooks.signing import signature_header
from sportello.webhooks.targets import address_refusal

log = logging.getLogger(__name__)

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
# Waits before attempts 2 to 8: 1 min, 5 min, 30 min, 2 h, 6 h, 12 h, 24 h (~45 h in all).
BACKOFF = (60, 300, 1800, 7200, 21600, 43200, 86400)
MAX_ATTEMPTS = len(BACKOFF) + 1
MIN_RETRY_AFTER = 5
MAX_RETRY_AFTER = 6 * 3600
RETRIED_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
# An attempt not finished after this is taken to have died with its worker.
LEASE = timedelta(minutes=2)
DISABLE_AFTER_FAILURES = 15
DISABLE_AFTER = timedelta(hours=24)
EXCERPT = 300
USER_AGENT = "Sportello-Webhooks/1"

_client: httpx.Client | None = None
_client_lock = threading.Lock()


def client() -> httpx.Client:
    """One pool per process, as the providers keep theirs (ADR 0018); redirects are not
    followed (a moved endpoint is a failure the admin should see)."""
    global _client
    with _client_lock:
        if _client is None:
            _client = httpx.Client(timeout=TIMEOUT, follow_redirects=False)
        return _client


@dataclass(frozen=True)
class Outcome:
    ok: bool
    retry: bool
    status: int | None = None
    excerpt: str = ""
    error: str = ""
    retry_after: float | None = None


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "").strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - clock.now()).total_seconds())


def _headers(delivery: WebhookDelivery, subscription: WebhookSubscription) -> dict[str, str]:
    now = clock.now()
    signing = [subscription.secret]
    if subscription.previous_secret_until and subscription.previous_secret_until > now:
        signing.append(subscription.previous_secret)
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Sportello-Event-Id": delivery.event_id,
        "Sportello-Event-Type": delivery.event_type,
        "Sportello-Delivery-Id": str(delivery.pk),
        "Sportello-Delivery-Attempt": str(delivery.attempts),
        "Sportello-Signature": signature_header(
            signing, int(now.timestamp()), delivery.body.encode()
        ),
    }


def post(delivery: WebhookDelivery, subscription: WebhookSubscription) -> Outcome:
    """The POST itself and what its answer means; never raises for the network's sake."""
    refusal = address_refusal(subscription.url)
    if refusal:
        return Outcome(ok=False, retry=False, error=refusal)
    try:
        response = client().post(
            subscription.url,
            content=delivery.body.encode(),
            headers=_headers(delivery, subscription),
        )
    except httpx.HTTPError as exc:
        return Outcome(ok=False, retry=True, error=f"{type(exc).__name__}: {exc}"[:500])
    excerpt = response.text[:EXCERPT]
    status = response.status_code
    if response.is_success:
        return Outcome(ok=True, retry=False, status=status, excerpt=excerpt)
    retry = status in RETRIED_STATUSES or status >= 500
    return Outcome(
        ok=False,
        retry=retry,
        status=status,
        excerpt=excerpt,
        error=f"HTTP {status}",
        retry_after=_retry_after(response) if retry else None,
    )


def _claim(delivery_id: int) -> WebhookDelivery | None:
    now = clock.now()
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).update(attempts=F("attempts") + 1, next_attempt_at=now + LEASE, last_attempt_at=now)
    if not claimed:
        return None
    return WebhookDelivery.objects.select_related("subscription").get(pk=delivery_id)


def _wait_before(attempts: int, outcome: Outcome) -> float:
    if outcome.retry_after is not None:
        return min(max(outcome.retry_after, MIN_RETRY_AFTER), MAX_RETRY_AFTER)
    return BACKOFF[min(attempts - 1, len(BACKOFF) - 1)]


def attempt_delivery(delivery_id: int) -> WebhookDelivery | None:
    """One attempt, if the delivery is pending and due; the delivery as it then is (its
    ``next_attempt_at`` says when the job should try again), or None when there was
    nothing to do."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return None
    subscription = delivery.subscription
    manual = delivery.event_type == PING or delivery.redelivery_of_id is not None
    if not subscription.is_enabled and not manual:
        outcome = Outcome(ok=False, retry=False, error="the webhook is switched off")
        _finish(delivery, outcome, count=False)
        return delivery
    try:
        outcome = post(delivery, subscription)
    except Exception as exc:  # a target broken in the database: recorded, never retried
        log.exception("webhook delivery %s could not be attempted", delivery.pk)
        outcome = Outcome(ok=False, retry=False, error=f"{type(exc).__name__}: {exc}"[:500])
    _finish(delivery, outcome)
    return delivery


def _finish(delivery: WebhookDelivery, outcome: Outcome, *, count: bool = True) -> None:
    now = clock.now()
    delivery.response_status = outcome.status
    delivery.response_excerpt = outcome.excerpt
    delivery.last_error = outcome.error
    if outcome.ok:
        delivery.status = DeliveryStatus.SUCCEEDED
        delivery.next_attempt_at = None
        delivery.finished_at = now
    elif outcome.retry and delivery.attempts < MAX_ATTEMPTS:
        delivery.next_attempt_at = now + timedelta(seconds=_wait_before(delivery.attempts, outcome))
    else:
        delivery.status = DeliveryStatus.FAILED
        delivery.next_attempt_at = None
        delivery.finished_at = now
    with transaction.atomic():
        # Only the attempt that claimed it writes: a slower twin after the lease ran out
        # finds the attempt count moved on.
        recorded = WebhookDelivery.objects.filter(
            pk=delivery.pk, attempts=delivery.attempts, status=DeliveryStatus.PENDING
        ).update(
            status=delivery.status,
            next_attempt_at=delivery.next_attempt_at,
            finished_at=delivery.finished_at,
            response_status=delivery.response_status,
            response_excerpt=delivery.response_excerpt,
            last_error=delivery.last_error,
        )
        if count and recorded:
            _count(delivery.subscription_id, outcome.ok, now)


def _count(subscription_id: int, ok: bool, now: datetime) -> None:
    rows = WebhookSubscription.objects.filter(pk=subscription_id)
    if ok:
        rows.filter(consecutive_failures__gt=0).update(consecutive_failures=0, failing_since=None)
        return
    rows.update(
        consecutive_failures=F("consecutive_failures") + 1,
        failing_since=Coalesce(F("failing_since"), now),
    )
    failing = rows.filter(
        is_enabled=True,
        consecutive_failures__gte=DISABLE_AFTER_FAILURES,
        failing_since__lte=now - DISABLE_AFTER,
    )
    reason = (
        f"switched off after {DISABLE_AFTER_FAILURES} or more failed attempts in a row "
        f"over {int(DISABLE_AFTER.total_seconds() // 3600)} hours"
    )
    if failing.update(is_enabled=False, disabled_reason=reason, disabled_at=now):
        subscription = WebhookSubscription.objects.get(pk=subscription_id)
        log.warning(
            "webhook %s of workspace %s %s", subscription.pk, subscription.workspace_id, reason
        )
        record(
            subscription.workspace_id,
            "webhook.disabled",
            target_type="webhook",
            target_id=subscription.pk,
            detail={"reason": "failing", "failures": subscription.consecutive_failures},
        )
        _tell_the_admins(subscription)
        workspace_id = subscription.workspace_id
        transaction.on_commit(lambda: queries.forget(workspace_id))


def _tell_the_admins(subscription: WebhookSubscription) -> None:
    """The workspace's admins hear of it in the app and by mail, each in their language:
    nobody watches a settings page, and the integration is missing events meanwhile."""
    admins = Agent.objects.filter(
        workspace_id=subscription.workspace_id, role=Role.ADMIN, is_active=True
    ).select_related("user")
    texts = {}
    for admin in admins:
        with translation.override(admin.language or None):
            texts[admin] = gettext(
                "Webhook “%(name)s” switched off: every attempt to send to it was failing "
                "for more than a day. Settings → Webhooks."
            ) % {"name": subscription.description or subscription.url}
    notify_agents(subscription.workspace_id, texts, email=True)
