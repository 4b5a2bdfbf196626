"""Outbound deliveries: one per reply, sent once, retried with backoff, failures visible."""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest

from sportello.conversations.actions import KeyReused, add_note, reply
from sportello.conversations.models import Kind, Message
from sportello.core import clock
from sportello.core.events import subscribe, unsubscribe
from sportello.outbound import actions
from sportello.outbound.errors import AttemptSuperseded
from sportello.outbound.events import DeliveryFailed
from sportello.outbound.jobs import send_due_deliveries
from sportello.outbound.models import Delivery, DeliveryStatus
from sportello.outbound.queries import delivery_status_for
from sportello.providers.email.send import send_email
from tests.outbound.helpers import customer_email, make_email_channel, smtp_sink

pytestmark = pytest.mark.django_db


@pytest.fixture
def sink():
    with smtp_sink() as sink:
        yield sink


@pytest.fixture
def conversation(workspace, sink):
    channel = make_email_channel(workspace.pk, smtp_port=sink.port)
    return customer_email(channel)


@pytest.fixture
def send_reply(agent, django_capture_on_commit_callbacks):
    """An agent replies; the commit's handlers run (queue the delivery, first attempt)."""

    def send(conversation, text="Gentile Mario, il pacco è in consegna oggi."):
        with django_capture_on_commit_callbacks(execute=True):
            message = actions.send_reply(conversation, agent, text).message
        return message

    return send


@pytest.fixture
def moving_clock(monkeypatch):
    """``clock.now()`` under the test's control."""
    state = {"now": clock.now()}
    monkeypatch.setattr(clock, "now", lambda: state["now"])

    def advance(delta: timedelta) -> None:
        state["now"] += delta

    advance.now = lambda: state["now"]  # type: ignore[attr-defined]
    return advance


def test_reply_on_email_channel_is_sent_once_with_its_message_id(conversation, send_reply, sink):
    message = send_reply(conversation)

    delivery = Delivery.objects.get(message=message)
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 1
    message.refresh_from_db()
    assert message.external_id == delivery.provider_message_id
    assert len(sink.received) == 1
    assert sink.messages()[0]["Message-ID"] == message.external_id

    assert actions.attempt_delivery(delivery.pk) is None
    assert len(sink.received) == 1


def test_queueing_a_reply_again_creates_no_second_delivery(conversation, send_reply):
    message = send_reply(conversation)
    again = actions.queue_delivery(Message.objects.select_related("channel").get(pk=message.pk))
    assert again is not None and Delivery.objects.filter(message=message).count() == 1


def test_the_delivery_is_committed_with_the_reply_and_the_sweeper_sends_it(
    conversation, agent, sink, moving_clock, django_capture_on_commit_callbacks
):
    """GIVEN a reply whose process dies right after the commit (no on-commit handler runs,
    so no job is enqueued)
    THEN its delivery exists all the same, and the next sweep sends it once."""
    with django_capture_on_commit_callbacks(execute=False):
        message = actions.send_reply(conversation, agent, "Arriva domani.").message
    delivery = Delivery.objects.get(message=message)
    assert delivery.status == DeliveryStatus.QUEUED and sink.received == []

    moving_clock(timedelta(minutes=2))
    send_due_deliveries()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and len(sink.received) == 1


def test_a_stored_reply_alone_is_history_and_is_not_delivered(
    conversation, agent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        reply(conversation, agent, "Risposta di ieri")
    assert not Delivery.objects.exists()


def test_the_same_idempotency_key_stores_and_sends_one_reply(
    conversation, agent, sink, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = actions.send_reply(conversation, agent, "Arriva domani.", idempotency_key="k-1")
    with django_capture_on_commit_callbacks(execute=True):
        again = actions.send_reply(conversation, agent, "Arriva domani.", idempotency_key="k-1")

    assert first.created and not again.created
    assert again.message.pk == first.message.pk
    assert Message.objects.filter(conversation=conversation, direction="out").count() == 1
    assert Delivery.objects.count() == 1 and len(sink.received) == 1


def test_an_idempotency_key_reused_for_another_reply_is_refused(conversation, agent):
    actions.send_reply(conversation, agent, "Arriva domani.", idempotency_key="k-1")
    with pytest.raises(KeyReused):
        actions.send_reply(conversation, agent, "Arriva lunedì.", idempotency_key="k-1")
    other = customer_email(conversation.channel, message_id="<altro@example.it>", sender="b@b.it")
    with pytest.raises(KeyReused):
        actions.send_reply(other, agent, "Arriva domani.", idempotency_key="k-1")
    assert Message.objects.filter(direction="out", kind=Kind.MESSAGE).count() == 1


def test_a_key_that_lost_the_race_returns_the_winners_reply(conversation, agent, monkeypatch):
    """Two requests with one key: the second misses the first's row when it looks, then
    meets the unique constraint when it inserts, and returns the first one's reply."""
    reply_module = importlib.import_module("sportello.conversations.actions.reply")
    first = actions.send_reply(conversation, agent, "Arriva domani.", idempotency_key="k-1")
    looked = []

    def not_yet_committed(workspace_id, key):
        looked.append(key)
        if len(looked) == 1:
            return None
        return Message.objects.filter(workspace_id=workspace_id, idempotency_key=key).first()

    monkeypatch.setattr(reply_module, "_replied_under", not_yet_committed)
    again = actions.send_reply(conversation, agent, "Arriva domani.", idempotency_key="k-1")
    assert not again.created and again.message.pk == first.message.pk and len(looked) == 2
    assert Delivery.objects.count() == 1


def test_reply_on_a_channel_without_sender_and_notes_are_not_delivered(
    api_channel, agent, conversation, send_reply, django_capture_on_commit_callbacks
):
    api_conversation = customer_email(api_channel, message_id="<api-1@example.it>")
    send_reply(api_conversation)
    with django_capture_on_commit_callbacks(execute=True):
        add_note(conversation, agent, "Controllare con il corriere")
    assert Delivery.objects.count() == 0


def test_failed_attempts_back_off_then_fail_visibly(conversation, send_reply, sink, moving_clock):
    """GIVEN an SMTP server that answers 451 to every message
    WHEN the reply is attempted again at each scheduled time
    THEN the waits are 1 min, 5 min, 30 min, 2 h, and the fifth failure is final, with a
    timeline event and a DeliveryFailed event."""
    failures: list[DeliveryFailed] = []
    subscribe(DeliveryFailed, failures.append)
    sink.data_answer = "451 4.3.0 Mailbox busy"
    try:
        message = send_reply(conversation)
        delivery = Delivery.objects.get(message=message)
        waits = []
        while delivery.status == DeliveryStatus.QUEUED:
            assert "451" in delivery.last_error
            waits.append(delivery.next_attempt_at - moving_clock.now())
            assert actions.attempt_delivery(delivery.pk) is None  # not due yet
            moving_clock(waits[-1])
            delivery = actions.attempt_delivery(delivery.pk)
    finally:
        unsubscribe(DeliveryFailed, failures.append)

    assert waits == [
        timedelta(minutes=1),
        timedelta(minutes=5),
        timedelta(minutes=30),
        timedelta(hours=2),
    ]
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == actions.MAX_ATTEMPTS
    event = Message.objects.get(conversation=conversation, kind=Kind.EVENT, event="delivery_failed")
    assert event.data["message_id"] == message.pk and "451" in event.data["error"]
    assert sink.received == []


def test_a_refused_recipient_fails_at_once(conversation, send_reply, sink):
    sink.rcpt_answer = "550 5.1.1 No such user"
    message = send_reply(conversation)
    delivery = Delivery.objects.get(message=message)
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 1
    assert "550" in delivery.last_error or "refused" in delivery.last_error


def test_an_unreachable_server_is_retried(workspace, send_reply):
    channel = make_email_channel(workspace.pk, smtp_port=1, slug="spenta")
    message = send_reply(customer_email(channel))
    delivery = Delivery.objects.get(message=message)
    assert delivery.status == DeliveryStatus.QUEUED and delivery.next_attempt_at is not None
    assert delivery.last_error


def test_only_one_worker_can_claim_a_delivery(conversation, send_reply, sink):
    sink.data_answer = "451 later"
    delivery = Delivery.objects.get(message=send_reply(conversation))
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=clock.now())
    assert actions.claim_delivery(delivery.pk) is not None
    assert actions.claim_delivery(delivery.pk) is None


def test_a_send_interrupted_before_handing_over_is_sent_again_within_minutes(
    conversation, send_reply, sink, moving_clock
):
    sink.data_answer = "451 later"
    delivery = Delivery.objects.get(message=send_reply(conversation))
    moving_clock(timedelta(minutes=2))
    assert actions.claim_delivery(delivery.pk) is not None  # ...and the worker dies here
    sink.data_answer = None

    moving_clock(timedelta(minutes=1))
    send_due_deliveries()
    assert Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.SENDING

    moving_clock(actions.NOT_HANDED_OVER_AFTER)
    send_due_deliveries()  # requeued, and sent by the same sweep
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and len(sink.received) == 1
    assert not delivery.maybe_sent


class Killed(BaseException):
    """The worker dies (kill -9) after the server accepted the message."""


def test_a_send_interrupted_after_handing_over_is_sent_again_marked_maybe_sent(
    conversation, agent, sink, moving_clock, monkeypatch, django_capture_on_commit_callbacks
):
    """GIVEN a worker that dies after the SMTP server accepted the reply, before it noted so
    THEN the send is not repeated at once, but after INTERRUPTED_AFTER it is (at least
    once), with the same Message-ID, and the delivery says it may have been sent twice."""

    def die(delivery, provider_id):
        raise Killed

    with monkeypatch.context() as patched, pytest.raises(Killed):
        patched.setattr(actions, "_record_sent", die)
        with django_capture_on_commit_callbacks(execute=True):
            actions.send_reply(conversation, agent, "Arriva domani.")
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.SENDING and delivery.handed_over_at is not None
    assert len(sink.received) == 1

    moving_clock(actions.NOT_HANDED_OVER_AFTER + timedelta(minutes=1))
    send_due_deliveries()
    assert Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.SENDING

    moving_clock(actions.INTERRUPTED_AFTER)
    send_due_deliveries()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 2
    assert delivery.maybe_sent
    first, second = sink.messages()
    assert first["Message-ID"] == second["Message-ID"] == delivery.provider_message_id


def test_a_slow_attempt_taken_for_interrupted_does_not_send_after_its_successor(
    conversation, send_reply, sink, moving_clock
):
    sink.data_answer = "451 later"
    delivery = Delivery.objects.get(message=send_reply(conversation))
    sink.data_answer = None
    moving_clock(timedelta(minutes=2))
    slow = actions.claim_delivery(delivery.pk)  # connecting, very slowly
    assert slow is not None

    moving_clock(actions.NOT_HANDED_OVER_AFTER + timedelta(minutes=1))
    send_due_deliveries()  # requeued and sent by attempt 3
    assert len(sink.received) == 1

    with pytest.raises(AttemptSuperseded):
        send_email(slow)  # the slow one reaches the DATA command at last
    assert actions.attempt_delivery(delivery.pk) is None
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and len(sink.received) == 1


def test_a_failed_delivery_can_be_retried_by_hand(
    conversation, send_reply, sink, django_capture_on_commit_callbacks
):
    sink.rcpt_answer = "550 5.1.1 No such user"
    delivery = Delivery.objects.get(message=send_reply(conversation))
    assert delivery.status == DeliveryStatus.FAILED
    sink.rcpt_answer = None
    with django_capture_on_commit_callbacks(execute=True):
        actions.retry_delivery(delivery)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and len(sink.received) == 1


def test_delivery_status_for_reads_every_message_in_one_query(
    conversation, send_reply, sink, django_assert_max_num_queries
):
    sent = send_reply(conversation)
    sink.rcpt_answer = "550 5.1.1 No such user"
    failed = send_reply(conversation, "Secondo tentativo")
    with django_assert_max_num_queries(1):
        states = delivery_status_for([sent.pk, failed.pk, 999_999])
    assert states[sent.pk].status == "sent" and states[sent.pk].sent_at is not None
    assert states[failed.pk].status == "failed" and "550" in states[failed.pk].last_error
    assert 999_999 not in states


def test_the_jobs_are_known_to_the_consumer():
    """`sportello run` and `sportello worker` import no ``tasks`` modules: the outbound app
    registers the job modules when Django starts."""
    from huey.contrib.djhuey import HUEY

    names = {name.rsplit(".", 1)[-1] for name in HUEY._registry._registry}
    assert {"deliver", "send_due_deliveries", "poll_mailboxes"} <= names
    periodic = {task.name for task in HUEY._registry.periodic_tasks}
    assert {"send_due_deliveries", "poll_mailboxes"} <= periodic
