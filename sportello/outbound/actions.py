"""The only writers of deliveries: queue a reply, claim it, record how the attempt went.

Sending happens outside any transaction (a provider can take seconds); every state change
around it is its own short transaction, guarded on the status it expects, so two workers
or a replayed job can never send the same delivery twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q

from sportello.accounts.models import Agent
from sportello.channels import registry
from sportello.conversations.actions import (
    earlier_reply,
    note_external_id,
    record_event,
    reply,
    reply_once,
)
from sportello.conversations.attachments import Upload
from sportello.conversations.models import Conversation, Direction, Kind, Message
from sportello.core import clock
from sportello.core.errors import InvalidInput
from sportello.core.events import publish
from sportello.customers.queries import contact_refusal
from sportello.outbound.errors import AttemptSuperseded, DeliveryError
from sportello.outbound.events import DeliveryFailed, DeliveryQueued, DeliverySent
from sportello.outbound.models import Delivery, DeliveryStatus
from sportello.outbound.readiness import refuse_undeliverable, reply_channel

log = logging.getLogger(__name__)

# Wait after the 1st, 2nd... failed attempt; after the last one the delivery is failed.
BACKOFF: tuple[timedelta, ...] = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
# A send still short of handing the message over after this long was interrupted (the
# worker died): it was not sent. A live worker that is only slow finds out before handing
# it over (``hand_over``) and stops, so this can be short.
NOT_HANDED_OVER_AFTER = timedelta(minutes=2)
# A send that handed the message over and has not finished after this long was
# interrupted: it may have been sent. Longer than a live SMTP DATA can take (a few 30 s
# timeouts), so only a dead worker's send is repeated.
INTERRUPTED_AFTER = timedelta(minutes=5)
MAYBE_SENT_NOTE = (
    "the previous attempt stopped after handing the message over; sent again, "
    "the customer may receive it twice"
)
MAX_ERROR_CHARS = 2000


def sender_for(kind: str) -> Callable[[Delivery], str] | None:
    """The provider's sender of a channel kind (``Provider.send``): it takes a claimed
    delivery, returns the provider's id for the message and raises :class:`DeliveryError`;
    it calls :func:`hand_over` right before the provider can take the message.
    ``None`` when the kind has no outbound path (yet), or its provider is not installed."""
    try:
        return registry.provider(kind).send
    except InvalidInput:
        return None


def automatic_refusal(conversation: Conversation, purpose: str = "service") -> str | None:
    """Why a message that answers nothing the customer just wrote to an agent (an
    acknowledgement, a rule's or an unattended macro's reply, a new outgoing message) may
    not go to the conversation's customer on its channel: do-not-contact, or consent for
    ``purpose`` withdrawn there (``customers.queries.contact_refusal``, the one check)."""
    return contact_refusal(conversation.customer_id, conversation.channel.kind, purpose)


@dataclass(frozen=True)
class SentReply:
    """An agent's reply as ``send_reply`` left it: ``created`` is false when an earlier
    request with the same idempotency key had stored it."""

    message: Message
    delivery: Delivery | None
    created: bool


@transaction.atomic
def send_reply(
    conversation: Conversation,
    agent: Agent,
    text: str,
    *,
    html: str = "",
    idempotency_key: str | None = None,
    uploads: Sequence[Upload] = (),
    via: int | None = None,
) -> SentReply:
    """An agent's reply to the customer: the message and its delivery, in one transaction.

    A crash cannot leave a reply stored with no delivery (nobody would send it, nobody would
    see it fail). Its first attempt is enqueued on commit (``DeliveryQueued``); if the
    process dies before that, the sweeper finds the delivery due. With an
    ``idempotency_key`` a retried request returns the reply stored the first time
    (``conversations.actions.reply_once``) and stores and sends nothing more, even when
    its channel stopped sending meanwhile.

    ``via``: the id of the channel it goes out on, one of the conversation's
    (``reply_channel``); by default the channel of the customer's latest message.

    A reply that cannot reach the customer (the channel cannot send: no SMTP server, turned
    off; WhatsApp's window closed) is refused with the reason in the agent's language
    (``readiness.refuse_undeliverable``) and nothing is stored: it never looks sent.
    """
    if idempotency_key is not None:
        earlier = earlier_reply(conversation, text, key=idempotency_key)
        if earlier is not None:
            return SentReply(message=earlier, delivery=queue_delivery(earlier), created=False)
    channel = reply_channel(conversation, via)
    refuse_undeliverable(conversation, channel)
    if idempotency_key is None:
        message = reply(
            conversation, agent, text, html=html, uploads=uploads, channel_id=channel.pk
        )
        created = True
    else:
        message, created = reply_once(
            conversation,
            agent,
            text,
            key=idempotency_key,
            html=html,
            uploads=uploads,
            channel_id=channel.pk,
        )
    return SentReply(message=message, delivery=queue_delivery(message), created=created)


@transaction.atomic
def queue_delivery(message: Message) -> Delivery | None:
    """Create the delivery of an agent's reply and enqueue its first attempt on commit.

    ``None`` when there is nothing to send: a note or an event, or a channel whose kind has
    no sender yet. Calling it again for the same message returns the existing delivery.
    """
    if message.kind != Kind.MESSAGE or message.direction != Direction.OUTBOUND:
        return None
    if message.channel is None or sender_for(message.channel.kind) is None:
        return None
    now = clock.now()
    delivery, created = Delivery.objects.get_or_create(
        message=message,
        defaults={
            "workspace_id": message.workspace_id,
            "channel": message.channel,
            "status": DeliveryStatus.QUEUED,
            "next_attempt_at": now,
            "created_at": now,
            "updated_at": now,
        },
    )
    if created:
        publish(
            DeliveryQueued(
                workspace_id=delivery.workspace_id,
                delivery_id=delivery.pk,
                message_id=message.pk,
                conversation_id=message.conversation_id,
            )
        )
    return delivery


def claim_delivery(delivery_id: int) -> Delivery | None:
    """Move a due delivery from queued to sending; ``None`` if another worker has it, it is
    not due yet, or it is already sent or failed. The conditional UPDATE is the lock."""
    now = clock.now()
    claimed = (
        Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.QUEUED)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(
            status=DeliveryStatus.SENDING,
            attempts=F("attempts") + 1,
            handed_over_at=None,
            updated_at=now,
        )
    )
    if not claimed:
        return None
    return Delivery.objects.select_related(
        "channel", "message", "message__conversation", "message__sender_agent"
    ).get(pk=delivery_id)


def attempt_delivery(delivery_id: int) -> Delivery | None:
    """One attempt: claim, send through the channel's sender, record the outcome.

    Returns the delivery as it stands after the attempt (``queued`` with a
    ``next_attempt_at`` when it will be retried), or ``None`` when it could not be claimed.
    """
    delivery = claim_delivery(delivery_id)
    if delivery is None:
        return None
    send = sender_for(delivery.channel.kind)
    try:
        if send is None:
            kind = delivery.channel.kind
            raise DeliveryError(f"channel kind {kind!r} cannot send", permanent=True)
        provider_id = send(delivery)
    except AttemptSuperseded:
        log.warning("delivery %s: attempt %s was superseded", delivery.pk, delivery.attempts)
        return None
    except DeliveryError as exc:
        return _record_failure(delivery, exc.message, permanent=exc.permanent)
    except Exception as exc:
        log.exception("delivery %s failed", delivery.pk)
        return _record_failure(delivery, f"{type(exc).__name__}: {exc}", permanent=False)
    return _record_sent(delivery, provider_id)


@transaction.atomic
def set_provider_message_id(delivery: Delivery, provider_id: str) -> None:
    """Note the provider's id before sending, on the delivery and as the message's
    ``external_id``, so a customer's answer threads back even if the worker dies right
    after the provider accepted the message, and a retry reuses the same id."""
    now = clock.now()
    Delivery.objects.filter(pk=delivery.pk).update(provider_message_id=provider_id, updated_at=now)
    note_external_id(delivery.message_id, provider_id)
    delivery.provider_message_id = provider_id


def hand_over(delivery: Delivery) -> None:
    """Note that this attempt is handing the message over to the provider (right before the
    SMTP DATA), committed before it does: after a crash, ``requeue_interrupted`` tells a
    send that may have reached the customer from one that cannot have.

    Raises :class:`AttemptSuperseded` when the delivery is no longer this attempt's (it was
    taken for interrupted and queued again): the caller must not hand the message over. The
    attempt number is the fence, so a slow worker and its successor never both send.
    Call it outside any transaction (the sending happens outside one anyway).
    """
    now = clock.now()
    noted = Delivery.objects.filter(
        pk=delivery.pk, status=DeliveryStatus.SENDING, attempts=delivery.attempts
    ).update(handed_over_at=now, updated_at=now)
    if not noted:
        raise AttemptSuperseded(f"delivery {delivery.pk}, attempt {delivery.attempts}")
    delivery.handed_over_at = now


def _naming(delivery: Delivery) -> dict[str, int]:
    """The fields a delivery's event names it by (``DeliveryEvent``)."""
    return {
        "workspace_id": delivery.workspace_id,
        "delivery_id": delivery.pk,
        "message_id": delivery.message_id,
        "conversation_id": delivery.message.conversation_id,
    }


@transaction.atomic
def _record_sent(delivery: Delivery, provider_id: str) -> Delivery:
    now = clock.now()
    Delivery.objects.filter(**_this_attempt(delivery)).update(
        status=DeliveryStatus.SENT,
        provider_message_id=provider_id or delivery.provider_message_id,
        sent_at=now,
        next_attempt_at=None,
        last_error="",
        updated_at=now,
    )
    publish(DeliverySent(**_naming(delivery)))
    delivery.refresh_from_db()
    return delivery


def _this_attempt(delivery: Delivery) -> dict[str, object]:
    """The delivery while it is still this attempt's: an attempt that was taken for
    interrupted and superseded records nothing."""
    return {"pk": delivery.pk, "status": DeliveryStatus.SENDING, "attempts": delivery.attempts}


@transaction.atomic
def _record_failure(delivery: Delivery, error: str, *, permanent: bool) -> Delivery:
    now = clock.now()
    error = error[:MAX_ERROR_CHARS]
    final = permanent or delivery.attempts >= MAX_ATTEMPTS
    if final:
        updated = Delivery.objects.filter(**_this_attempt(delivery)).update(
            status=DeliveryStatus.FAILED, next_attempt_at=None, last_error=error, updated_at=now
        )
        if updated:
            conversation_id = delivery.message.conversation_id
            record_event(
                conversation_id,
                "delivery_failed",
                message_id=delivery.message_id,
                attempts=delivery.attempts,
                error=error,
            )
            publish(
                DeliveryFailed(
                    workspace_id=delivery.workspace_id,
                    delivery_id=delivery.pk,
                    message_id=delivery.message_id,
                    conversation_id=conversation_id,
                    error=error,
                )
            )
    else:
        Delivery.objects.filter(**_this_attempt(delivery)).update(
            status=DeliveryStatus.QUEUED,
            next_attempt_at=now + BACKOFF[delivery.attempts - 1],
            last_error=error,
            updated_at=now,
        )
    delivery.refresh_from_db()
    return delivery


@transaction.atomic
def retry_delivery(delivery: Delivery) -> Delivery:
    """An agent or admin asks to try a failed delivery again: a fresh series of attempts."""
    now = clock.now()
    updated = Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.FAILED).update(
        status=DeliveryStatus.QUEUED, attempts=0, next_attempt_at=now, updated_at=now
    )
    if updated:
        publish(DeliveryQueued(**_naming(delivery)))
    delivery.refresh_from_db()
    return delivery


def requeue_interrupted() -> list[int]:
    """Deliveries stuck in ``sending`` (their worker died mid-send) go back to the queue, due
    now; returns the ids of those it may have requeued, for the sweeper to send.

    One that never handed the message over (``handed_over_at`` unset) was not sent: it is
    requeued after ``NOT_HANDED_OVER_AFTER``. One that did may have been sent: it is sent
    again after ``INTERRUPTED_AFTER`` all the same, since nothing may be lost, and marked
    ``maybe_sent``; the retry carries the same Message-ID, so most mail clients show it
    once (docs/architecture/outbound.md says what a customer may see).
    """
    now = clock.now()
    not_sent = Q(handed_over_at__isnull=True, updated_at__lt=now - NOT_HANDED_OVER_AFTER)
    maybe_sent = Q(handed_over_at__lt=now - INTERRUPTED_AFTER)
    stuck = Delivery.objects.filter(status=DeliveryStatus.SENDING)
    ids = list(stuck.filter(not_sent | maybe_sent).values_list("pk", flat=True))
    if ids:
        stuck.filter(not_sent, pk__in=ids).update(
            status=DeliveryStatus.QUEUED, next_attempt_at=now, updated_at=now
        )
        stuck.filter(maybe_sent, pk__in=ids).update(
            status=DeliveryStatus.QUEUED,
            next_attempt_at=now,
            maybe_sent=True,
            last_error=MAYBE_SENT_NOTE,
            updated_at=now,
        )
    return ids


@transaction.atomic
def forget_deliveries(conversation_ids: list[int]) -> int:
    """The deliveries of anonymised conversations keep their status, attempts and times
    (statistics) but not the provider's answer, which can name the customer's address;
    one still queued is failed: its text is gone and there is nothing left to send."""
    deliveries = Delivery.objects.filter(message__conversation_id__in=conversation_ids)
    deliveries.filter(status=DeliveryStatus.QUEUED).update(
        status=DeliveryStatus.FAILED, next_attempt_at=None, updated_at=clock.now()
    )
    return deliveries.update(last_error="", provider_message_id="")


RECEIPTS = ("sent", "delivered", "read", "failed")


@transaction.atomic
def record_receipt(
    channel_id: int,
    provider_message_id: str,
    status: str,
    *,
    at: datetime | None = None,
    error: str = "",
) -> Delivery | None:
    """A provider's word on a reply it took (WhatsApp's status callbacks): delivered to the
    customer's phone, read, or failed after all. The delivery it names, updated, or None
    when the id names none of this channel's (a message sent from Meta's own app).

    Receipts arrive late, twice and out of order (a "delivered" after the "read"): times
    are only ever set forward, "read" implies "delivered", and a failure after the customer
    read the message is not believed. "sent" adds nothing: the attempt recorded it.
    """
    if status not in RECEIPTS:
        raise InvalidInput(f"unknown receipt {status!r}; use one of {', '.join(RECEIPTS)}")
    delivery = (
        Delivery.objects.select_for_update()
        .filter(channel_id=channel_id, provider_message_id=provider_message_id)
        .exclude(provider_message_id="")
        .first()
    )
    if delivery is None:
        return None
    now = clock.now()
    at = at or now
    fields: dict[str, object] = {}
    if status in ("delivered", "read") and delivery.delivered_at is None:
        fields["delivered_at"] = at
    if status == "read" and delivery.read_at is None:
        fields["read_at"] = at
    if status in ("delivered", "read") and delivery.status in (
        DeliveryStatus.SENDING,
        DeliveryStatus.FAILED,
    ):
        # The provider has it although the attempt did not hear so (a timeout).
        fields.update(status=DeliveryStatus.SENT, sent_at=delivery.sent_at or at, last_error="")
    if status == "failed" and delivery.read_at is None and delivery.status != DeliveryStatus.FAILED:
        error = (error or "the provider reported the message as not delivered")[:MAX_ERROR_CHARS]
        fields.update(status=DeliveryStatus.FAILED, next_attempt_at=None, last_error=error)
        conversation_id = delivery.message.conversation_id
        record_event(
            conversation_id,
            "delivery_failed",
            message_id=delivery.message_id,
            attempts=delivery.attempts,
            error=error,
        )
        publish(
            DeliveryFailed(
                workspace_id=delivery.workspace_id,
                delivery_id=delivery.pk,
                message_id=delivery.message_id,
                conversation_id=conversation_id,
                error=error,
            )
        )
    if fields:
        Delivery.objects.filter(pk=delivery.pk).update(**fields, updated_at=now)
        for name, value in fields.items():
            setattr(delivery, name, value)
    return delivery


@transaction.atomic
def record_read_until(channel_id: int, customer_id: int, until: datetime) -> int:
    """A provider's "read up to" mark (Messenger's watermark): every reply sent to the
    customer on the channel by then is read. Returns how many replies it marked."""
    now = clock.now()
    replies = Delivery.objects.filter(
        channel_id=channel_id,
        message__conversation__customer_id=customer_id,
        status=DeliveryStatus.SENT,
        sent_at__lte=until,
        read_at__isnull=True,
    )
    marked = replies.filter(delivered_at__isnull=True).update(
        delivered_at=until, read_at=until, updated_at=now
    )
    return marked + replies.update(read_at=until, updated_at=now)
