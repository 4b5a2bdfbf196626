"""Jobs a rule's actions queue: a webhook's attempts (signed, with a timeout, retried
with a growing wait, every outcome kept) and the notification emails."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import httpx
from django.conf import settings
from django.core.mail import send_mail
from huey.contrib.djhuey import db_task

from sportello.automation.models import Notification, WebhookCall, WebhookStatus
from sportello.core import clock

WEBHOOK_TIMEOUT = 10.0
WEBHOOK_ATTEMPTS = 5
# Wait before attempt n+1 (seconds): 1 min, 5 min, 30 min, 2 h.
WEBHOOK_BACKOFF = (60, 300, 1800, 7200)


def signature(secret: str, body: bytes) -> str:
    """The ``X-Sportello-Signature`` of a webhook's body: ``sha256=`` and the HMAC."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()


def attempt_webhook(call_id: int) -> bool:
    """One attempt at a webhook call; True when it is finished (sent, or failed for
    good). The body is signed with the action's secret (``X-Sportello-Signature``)."""
    call = WebhookCall.objects.filter(pk=call_id, status=WebhookStatus.PENDING).first()
    if call is None:
        return True
    body = webhook_body(call.payload)
    headers = {"Content-Type": "application/json", "User-Agent": "Sportello-Rules"}
    if call.secret:
        headers["X-Sportello-Signature"] = signature(call.secret, body)
    call.attempts += 1
    try:
        response = httpx.post(call.url, content=body, headers=headers, timeout=WEBHOOK_TIMEOUT)
        call.response_status = response.status_code
        ok = 200 <= response.status_code < 300
        call.last_error = "" if ok else f"HTTP {response.status_code}"
    except httpx.HTTPError as exc:
        ok = False
        call.last_error = f"{type(exc).__name__}: {exc}"[:500]
    finished = ok or call.attempts >= WEBHOOK_ATTEMPTS
    if finished:
        call.status = WebhookStatus.SENT if ok else WebhookStatus.FAILED
        call.finished_at = clock.now()
    call.save()
    return finished


@db_task()
def deliver_webhook(call_id: int) -> None:
    if not attempt_webhook(call_id):
        attempts = WebhookCall.objects.get(pk=call_id).attempts
        delay = WEBHOOK_BACKOFF[min(attempts - 1, len(WEBHOOK_BACKOFF) - 1)]
        deliver_webhook.schedule((call_id,), delay=delay)


@db_task()
def email_notifications(notification_ids: list[int]) -> None:
    """Mail each notification to its agent (their sign-in address)."""
    for note in Notification.objects.filter(
        pk__in=notification_ids, emailed_at__isnull=True
    ).select_related("agent__user"):
        send_mail(
            subject=note.text[:150],
            message=note.text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[note.agent.user.email],
        )
        Notification.objects.filter(pk=note.pk).update(emailed_at=clock.now())
