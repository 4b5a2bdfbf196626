"""Webhooks delivered to a real HTTP server: the events after their commit, the signature,
the retries and the switching off of a subscription that keeps failing."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import timedelta

import pytest

from sportello.audit.models import AuditEntry
from sportello.webhooks import actions, sending
from sportello.webhooks.models import DeliveryStatus, EventType, WebhookDelivery
from tests.providers.fake_http import Reply
from tests.webhooks.conftest import HOOK


def verify(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    """The receiver's check, as docs/architecture/webhooks.md shows it."""
    parts = [p.split("=", 1) for p in header.split(",")]
    timestamp = next(v for k, v in parts if k == "t")
    expected = hmac.new(
        secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    fresh = abs(time.time() - int(timestamp)) <= tolerance
    return fresh and any(hmac.compare_digest(expected, v) for k, v in parts if k == "v1")


@pytest.fixture
def post_message(inbound, django_capture_on_commit_callbacks):
    def post(text: str = "Buongiorno, il mio ordine 4521 non è arrivato", **fields):
        with django_capture_on_commit_callbacks(execute=True):
            response = inbound(text, **fields)
        assert response.status_code in {200, 201}, response.content
        return response.json()

    return post


def test_a_customer_message_is_posted_signed_after_its_commit(post_message, subscribed, receiver):
    created = subscribed([EventType.MESSAGE_RECEIVED, EventType.CONVERSATION_OPENED])
    answer = post_message()

    sent = receiver.sent("POST", HOOK)
    assert [r.json()["type"] for r in sent] == ["conversation.opened", "message.received"]
    received = sent[1]
    payload = received.json()
    assert payload["id"].startswith("evt_")
    assert payload["id"] == received.header("Sportello-Event-Id")
    assert received.header("Sportello-Event-Type") == "message.received"
    assert payload["workspace"]["id"] == created.subscription.workspace_id
    assert payload["occurred_at"].endswith("Z")
    assert payload["data"]["conversation"]["id"] == answer["conversation_id"]
    assert payload["data"]["message"]["text"] == "Buongiorno, il mio ordine 4521 non è arrivato"
    assert payload["data"]["message"]["direction"] == "in"
    assert verify(created.secret, received.header("Sportello-Signature"), received.body)
    assert not verify("whsec_other", received.header("Sportello-Signature"), received.body)
    assert not verify(created.secret, received.header("Sportello-Signature"), received.body + b" ")

    delivery = WebhookDelivery.objects.get(event_id=payload["id"])
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.attempts == 1
    assert delivery.response_status == 200 and delivery.response_excerpt == '{"received": true}'


def test_only_the_events_a_subscription_chose_are_sent(post_message, subscribed, receiver):
    subscribed([EventType.STATUS_CHANGED])
    post_message()
    assert receiver.sent("POST", HOOK) == []


def test_a_disabled_subscription_is_sent_nothing(post_message, subscribed, receiver):
    subscribed(is_enabled=False)
    post_message()
    assert receiver.sent("POST", HOOK) == []


def test_nothing_is_sent_for_a_write_that_rolled_back(subscribed, receiver, workspace):
    from django.db import transaction

    from sportello.conversations.events import StatusChanged
    from sportello.core.events import publish

    subscribed([EventType.STATUS_CHANGED])
    with pytest.raises(RuntimeError), transaction.atomic():
        publish(StatusChanged(workspace_id=workspace.pk, conversation_id=1, old="open", new="x"))
        raise RuntimeError("the write failed")
    assert WebhookDelivery.objects.count() == 0 and receiver.sent() == []


def test_a_reply_is_stored_whatever_the_webhook_answers(
    api, post_message, subscribed, receiver, django_capture_on_commit_callbacks
):
    """GIVEN a receiver that fails (500) and one that cannot be reached
    WHEN an agent replies through the API
    THEN the reply is stored and answered 201, and each delivery waits for its retry."""
    closed = subscribed([EventType.REPLY_SENT]).subscription
    closed.url = "http://127.0.0.1:9/hooks/closed"  # the discard port: nobody listens
    closed.save()
    subscribed([EventType.REPLY_SENT])
    receiver.route("POST", HOOK, Reply(500, {"error": "down"}))
    cid = post_message()["conversation_id"]

    with django_capture_on_commit_callbacks(execute=True):
        reply = api.post(f"/api/v1/conversations/{cid}/reply", {"text": "Lo spediamo oggi."})

    assert reply.status_code == 201
    assert api.get(f"/api/v1/conversations/{cid}").json()["messages"][-1]["text"] == (
        "Lo spediamo oggi."
    )
    deliveries = list(WebhookDelivery.objects.order_by("pk"))
    assert len(deliveries) == 2
    assert all(d.status == DeliveryStatus.PENDING and d.attempts == 1 for d in deliveries)
    assert [d.last_error.split(":")[0] for d in deliveries] == ["ConnectError", "HTTP 500"]
    payload = json.loads(deliveries[-1].body)
    assert payload["data"]["message"]["text"] == "Lo spediamo oggi."
    assert payload["data"]["is_first_reply"] is True


def test_a_500_is_retried_with_a_growing_wait_until_it_succeeds(subscribed, receiver, moving_clock):
    receiver.then("POST", HOOK, Reply(500, {"error": "down"}), Reply(503, body=b"busy"))
    delivery = actions.ping(subscribed().subscription)
    sending.attempt_delivery(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING and delivery.response_status == 500
    assert delivery.next_attempt_at == moving_clock.now() + timedelta(minutes=1)

    assert sending.attempt_delivery(delivery.pk) is None  # not due yet
    moving_clock(timedelta(minutes=1))
    sending.attempt_delivery(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.response_status == 503 and delivery.response_excerpt == "busy"
    assert delivery.next_attempt_at == moving_clock.now() + timedelta(minutes=5)

    moving_clock(timedelta(minutes=5))
    sending.attempt_delivery(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.attempts == 3
    sent = receiver.sent("POST", HOOK)
    assert len({r.header("Sportello-Event-Id") for r in sent}) == 1
    assert [r.header("Sportello-Delivery-Attempt") for r in sent] == ["1", "2", "3"]


def test_a_429_waits_as_long_as_it_asks_within_reason(subscribed, receiver, moving_clock):
    receiver.then(
        "POST",
        HOOK,
        Reply(429, headers={"Retry-After": "120"}),
        Reply(429, headers={"Retry-After": str(30 * 24 * 3600)}),
    )
    delivery = actions.ping(subscribed().subscription)
    sending.attempt_delivery(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == moving_clock.now() + timedelta(seconds=120)
    moving_clock(timedelta(seconds=120))
    sending.attempt_delivery(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == moving_clock.now() + timedelta(hours=6)


def test_a_400_is_not_retried(subscribed, receiver):
    receiver.route("POST", HOOK, Reply(400, {"error": "unknown field"}))
    delivery = actions.ping(subscribed().subscription)
    sending.attempt_delivery(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 1
    assert delivery.response_status == 400 and "unknown field" in delivery.response_excerpt
    assert delivery.next_attempt_at is None and delivery.finished_at is not None


def test_a_redirect_is_not_followed(subscribed, receiver):
    receiver.route("POST", HOOK, Reply(301, headers={"Location": "https://example.com/"}))
    delivery = actions.ping(subscribed().subscription)
    sending.attempt_delivery(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and delivery.response_status == 301


def test_after_the_last_attempt_the_delivery_fails(subscribed, receiver, moving_clock):
    receiver.route("POST", HOOK, Reply(502, body=b"bad gateway"))
    delivery = actions.ping(subscribed().subscription)
    for wait in sending.BACKOFF:
        sending.attempt_delivery(delivery.pk)
        moving_clock(timedelta(seconds=wait))
    sending.attempt_delivery(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == sending.MAX_ATTEMPTS == len(receiver.sent("POST", HOOK))


def test_a_subscription_that_keeps_failing_is_switched_off_and_on_again(
    subscribed, receiver, moving_clock, workspace, mailoutbox, django_capture_on_commit_callbacks
):
    """GIVEN a receiver answering 500 to everything
    WHEN 15 attempts fail in a row over more than a day
    THEN the subscription is switched off, audited, the admins told in the app and by mail
    in their language, and its queued events are not sent; switched on by an admin, it
    counts afresh."""
    from sportello.accounts.actions import create_agent
    from sportello.accounts.models import Role
    from sportello.automation.models import Notification

    admin = create_agent(workspace, email="capo@negozio.it", password="x-pass-123", role=Role.ADMIN)
    create_agent(workspace, email="banco@negozio.it", password="x-pass-123")
    receiver.route("POST", HOOK, Reply(500, body=b"down"))
    subscription = subscribed([EventType.CUSTOMER_CREATED]).subscription
    deliveries = [
        actions.queue_event(workspace.pk, "customer.created", {"n": n}, moving_clock.now())[0]
        for n in range(sending.DISABLE_AFTER_FAILURES)
    ]
    for delivery in deliveries[:-1]:
        sending.attempt_delivery(delivery.pk)
    subscription.refresh_from_db()
    assert subscription.is_enabled and subscription.consecutive_failures == 14

    moving_clock(timedelta(hours=25))
    with django_capture_on_commit_callbacks(execute=True):
        sending.attempt_delivery(deliveries[-1].pk)
    subscription.refresh_from_db()
    assert not subscription.is_enabled and subscription.disabled_at == moving_clock.now()
    assert "15" in subscription.disabled_reason
    entry = AuditEntry.objects.get(action="webhook.disabled")
    assert entry.target_id == subscription.pk and entry.actor_kind == "system"
    (note,) = Notification.objects.filter(workspace=workspace)
    assert note.agent_id == admin.pk and note.conversation_id is None
    assert note.text.startswith("Webhook «Negozio online» disattivato")
    assert [m.to for m in mailoutbox] == [["capo@negozio.it"]]

    posted = len(receiver.sent("POST", HOOK))
    sending.attempt_delivery(deliveries[0].pk)  # its retry is due: not sent, failed
    deliveries[0].refresh_from_db()
    assert deliveries[0].status == DeliveryStatus.FAILED
    assert deliveries[0].last_error == "the webhook is switched off"
    assert len(receiver.sent("POST", HOOK)) == posted

    actions.update_subscription(subscription, is_enabled=True)
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 0 and subscription.disabled_reason == ""


def test_failures_spread_over_a_day_but_broken_by_a_success_do_not_switch_off(
    subscribed, receiver, moving_clock
):
    subscription = subscribed().subscription
    receiver.route("POST", HOOK, Reply(500))
    for _ in range(sending.DISABLE_AFTER_FAILURES - 1):
        sending.attempt_delivery(actions.ping(subscription).pk)
    receiver.route("POST", HOOK, Reply(204))
    sending.attempt_delivery(actions.ping(subscription).pk)
    receiver.route("POST", HOOK, Reply(500))
    moving_clock(timedelta(hours=30))
    sending.attempt_delivery(actions.ping(subscription).pk)
    subscription.refresh_from_db()
    assert subscription.is_enabled and subscription.consecutive_failures == 1


def test_a_ping_and_a_redelivery_reach_a_disabled_subscription(subscribed, receiver):
    subscription = subscribed(is_enabled=False).subscription
    ping = actions.ping(subscription)
    sending.attempt_delivery(ping.pk)
    again = actions.redeliver(WebhookDelivery.objects.get(pk=ping.pk))
    sending.attempt_delivery(again.pk)
    sent = receiver.sent("POST", HOOK)
    assert [r.json()["type"] for r in sent] == ["ping", "ping"]
    assert sent[0].body == sent[1].body
    assert sent[0].header("Sportello-Event-Id") == sent[1].header("Sportello-Event-Id")
    assert sent[0].header("Sportello-Delivery-Id") != sent[1].header("Sportello-Delivery-Id")


def test_after_a_rotation_both_secrets_sign_for_a_day(subscribed, receiver, moving_clock):
    created = subscribed()
    new_secret = actions.rotate_secret(created.subscription)
    assert new_secret != created.secret
    sending.attempt_delivery(actions.ping(created.subscription).pk)
    moving_clock(timedelta(hours=25))
    sending.attempt_delivery(actions.ping(created.subscription).pk)
    first, second = receiver.sent("POST", HOOK)
    signature = first.header("Sportello-Signature")
    assert verify(new_secret, signature, first.body, tolerance=10**9)
    assert verify(created.secret, signature, first.body, tolerance=10**9)
    signature = second.header("Sportello-Signature")
    assert verify(new_secret, signature, second.body, tolerance=10**9)
    assert not verify(created.secret, signature, second.body, tolerance=10**9)


def test_a_name_that_resolves_to_a_private_address_is_refused_at_sending(
    subscribed, receiver, settings
):
    subscription = subscribed().subscription
    subscription.url = f"https://localhost:{receiver.url.rsplit(':', 1)[1]}{HOOK}"
    subscription.save()
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    delivery = actions.ping(subscription)
    sending.attempt_delivery(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert "private address" in delivery.last_error and receiver.sent() == []


def test_the_sweeper_sends_what_a_lost_job_left_behind(subscribed, receiver, workspace):
    from sportello.webhooks.jobs import send_due_webhook_deliveries

    subscription = subscribed().subscription
    delivery = WebhookDelivery.objects.create(
        workspace_id=workspace.pk,
        subscription=subscription,
        event_id="evt_lost",
        event_type="ping",
        body='{"id":"evt_lost"}',
        next_attempt_at=subscription.created_at,
        created_at=subscription.created_at,
    )
    send_due_webhook_deliveries.call_local()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert receiver.sent("POST", HOOK)[0].body == b'{"id":"evt_lost"}'


def test_an_attempt_interrupted_by_a_crash_is_made_again_after_its_lease(
    subscribed, receiver, moving_clock
):
    """GIVEN a worker that claimed an attempt and died before recording it
    WHEN the lease runs out
    THEN the delivery is due again and one attempt is made; a twin finds nothing to do."""
    delivery = actions.ping(subscribed().subscription)
    assert sending._claim(delivery.pk) is not None  # the worker dies here
    assert sending.attempt_delivery(delivery.pk) is None
    moving_clock(sending.LEASE)
    sending.attempt_delivery(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.attempts == 2
    assert sending.attempt_delivery(delivery.pk) is None
    assert len(receiver.sent("POST", HOOK)) == 1


def test_finished_deliveries_are_pruned_after_thirty_days(subscribed, receiver, moving_clock):
    from sportello.webhooks.jobs import KEEP_FINISHED, prune_webhook_deliveries

    subscription = subscribed().subscription
    old = actions.ping(subscription)
    sending.attempt_delivery(old.pk)
    moving_clock(KEEP_FINISHED + timedelta(minutes=1))
    recent = actions.ping(subscription)
    sending.attempt_delivery(recent.pk)
    waiting = actions.ping(subscription)
    prune_webhook_deliveries.call_local()
    assert set(WebhookDelivery.objects.values_list("pk", flat=True)) == {recent.pk, waiting.pk}


def test_a_target_broken_in_the_database_fails_its_delivery_with_the_reason(subscribed, receiver):
    subscription = subscribed().subscription
    type(subscription).objects.filter(pk=subscription.pk).update(url="https://[::1/broken")
    delivery = actions.ping(subscription)
    sending.attempt_delivery(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and "ValueError" in delivery.last_error
