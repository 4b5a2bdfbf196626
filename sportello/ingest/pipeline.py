"""The ingest pipeline: an ordered list of small steps, one transaction per message.

Each step has one job and reads/writes the :class:`Context`. A step may ``stop`` the
pipeline (a duplicate needs nothing more). Adding behaviour means adding a step class to
``STEPS``, not editing a long function. The pipeline knows no provider: adapters hand it
an :class:`~sportello.ingest.inbound.InboundMessage`.

Guarantees:
- a message is stored once per (workspace, channel, external_id), also under concurrent
  delivery; a replay returns the ids of the first delivery;
- a message that fails is rolled back entirely and kept in ``RejectedInbound`` with the
  reason, to be retried; the messages after it are not affected.
"""

from __future__ import annotations

import logging
from contextlib import nullcontext
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any, ClassVar

from django.conf import settings
from django.db import IntegrityError, transaction

from sportello.channels.models import Channel
from sportello.conversations.actions import receive_message
from sportello.conversations.actions.receive import Received
from sportello.conversations.models import Conversation, Message
from sportello.conversations.queries import (
    active_conversation_for,
    conversation_numbered,
    conversation_replied_to,
)
from sportello.core import sql
from sportello.core.errors import InvalidInput, SportelloError
from sportello.customers.actions import (
    IdentityKey,
    add_identities,
    create_unclaimed_customer,
    update_customer,
)
from sportello.customers.actions.duplicates import suggest_pair
from sportello.customers.evidence import Mention, mentioned_identifiers
from sportello.customers.identities import normalize, read_sender_email, same_number_keys
from sportello.customers.models import Customer, IdentitySource
from sportello.customers.queries import identity_owners
from sportello.ingest import records, rejections
from sportello.ingest.inbound import InboundMessage
from sportello.ingest.models import RejectedInbound
from sportello.language.detection import detect_language
from sportello.sla.actions import clocks_for_message

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IngestResult:
    message_id: int
    conversation_id: int
    customer_id: int
    duplicate: bool
    # The message as this delivery wrote it (every column; ``None`` for a duplicate): an
    # adapter that shows it back (the chat widget's line) reads it here, not again.
    message: Message | None = None


@dataclass
class Context:
    """What the steps know of one message so far; each step reads what earlier ones left
    and adds its own part."""

    inbound: InboundMessage
    channel: Channel
    record_id: int | None = None
    identities: list[tuple[str, str]] = field(default_factory=list)
    evidence: list[Mention] = field(default_factory=list)
    customer: Customer | None = None
    new_customer: bool = False
    linked_by_evidence: bool = False
    conversation: Conversation | None = None
    language: str = ""
    team_id: int | None = None
    sla: dict[str, Any] = field(default_factory=dict)
    received: Received | None = None
    result: IngestResult | None = None
    stopped: bool = False

    def stop(self) -> None:
        self.stopped = True


def sender_identities(inbound: InboundMessage) -> tuple[list[IdentityKey], set[IdentityKey]]:
    """The sender's identities, normalised, without repeats, and those of them kept as
    written because the adapter vouched only for where they came from (``InvalidInput``
    for one that cannot be read)."""
    sender = inbound.sender
    identities: list[IdentityKey] = [
        (kind, normalize(kind, value)) for kind, value in sender.handles.items() if value
    ]
    unverified: set[IdentityKey] = set()
    if sender.email and sender.email_as_written:
        value, is_unverified = read_sender_email(sender.email)
        identities.append(("email", value))
        if is_unverified:
            unverified.add(("email", value))
    elif sender.email:
        identities.append(("email", normalize("email", sender.email)))
    if sender.phone:
        identities.append(("phone", normalize("phone", sender.phone)))
    return list(dict.fromkeys(identities)), unverified


class Step:
    """One stage of ingest. ``run`` reads and updates the context; it raises
    :class:`SportelloError` for a message that cannot be taken."""

    name: ClassVar[str]
    # Whether its statements read no row counts, so that it may run in PostgreSQL's pipeline
    # mode (``sql.pipeline``) with the pipelined steps beside it: writes that fetch nothing
    # travel together up to the next read.
    pipelined: ClassVar[bool] = False

    def run(self, ctx: Context) -> None:
        raise NotImplementedError


class StoreRaw(Step):
    """Store the inbound message before anything else. The unique key on
    (workspace, channel, external_id) turns a second delivery into a no-op insert
    (``ON CONFLICT DO NOTHING``; on PostgreSQL it waits for a concurrent first delivery to
    commit): ``record_id`` stays ``None``."""

    name = "store_raw"

    def run(self, ctx: Context) -> None:
        ctx.record_id = records.store(ctx.inbound)


class Dedupe(Step):
    """A message already stored returns what its first delivery produced."""

    name = "dedupe"

    def run(self, ctx: Context) -> None:
        if ctx.record_id is not None:
            return
        first = records.first_delivery(ctx.inbound)
        if first.message_id is None or first.conversation_id is None or first.customer_id is None:
            raise SportelloError("the first delivery of this message has not finished processing")
        ctx.result = IngestResult(
            message_id=first.message_id,
            conversation_id=first.conversation_id,
            customer_id=first.customer_id,
            duplicate=True,
        )
        ctx.stop()


class FindEvidence(Step):
    """The emails and phone numbers the message mentions (``customers.evidence``): in its
    text ("vi ho scritto anche da ...") or in the sender's signature ("Cell. ..."). No
    statement; a message with no ``@`` and no long run of digits costs a regex."""

    name = "find_evidence"

    def run(self, ctx: Context) -> None:
        ctx.evidence = mentioned_identifiers(ctx.inbound.text, settings.DEFAULT_PHONE_REGION)


class IdentifyCustomer(Step):
    """Find the customer by an exact match on normalised identities, or create one.

    Identities of the sender that belong to nobody yet are added to the customer found;
    one that belongs to someone else stays theirs (merging is a decision, not a guess).
    An unverified identity (an address kept as written) is never added to a customer found
    through another identity: it could be anyone's.

    A sender nobody knows is linked to an existing customer by evidence when exactly one
    customer owns what it points to: the same number under another kind (a WhatsApp from a
    number known as a phone), or an address the message mentions. Addresses in the
    sender's signature that nobody owns are added as ``source=signature`` identities; one
    the message mentions that another customer owns, when the sender is known, opens a
    duplicate suggestion (never a merge). All in the one lookup of the sender's
    identities."""

    name = "identify_customer"

    def run(self, ctx: Context) -> None:
        workspace_id, sender = ctx.inbound.workspace_id, ctx.inbound.sender
        ctx.identities, unverified = sender_identities(ctx.inbound)
        if not ctx.identities:
            raise InvalidInput("the sender has no email, phone or handle")
        own = set(ctx.identities)
        evidence_keys = [
            key
            for key in dict.fromkeys(
                [*same_number_keys(ctx.identities), *(m.key for m in ctx.evidence)]
            )
            if key not in own
        ]
        found = identity_owners(workspace_id, [*ctx.identities, *evidence_keys])
        owners = [o for o in found if (o.kind, o.value) in own]
        pointed = [o for o in found if (o.kind, o.value) not in own]
        if not owners:
            verified = [i for i in ctx.identities if i not in unverified]
            linked = {o.customer_id for o in pointed}
            if len(linked) == 1 and verified:
                # The sender is the one customer the evidence points to.
                first = pointed[0]
                ctx.customer = sql.instance(
                    Customer,
                    {
                        "id": first.customer_id,
                        "workspace_id": workspace_id,
                        "name": first.customer_name,
                        "segment": first.customer_segment,
                    },
                )
                add_identities(ctx.customer, verified)
                ctx.linked_by_evidence = True
                self._signature(ctx, found)
                return
            created = create_unclaimed_customer(
                workspace_id, name=sender.name, identities=ctx.identities, unverified=unverified
            )
            if created is not None:
                ctx.customer = created
                ctx.new_customer = True
                self._signature(ctx, found)
                return
            # A first message of the same new customer, delivered at the same moment,
            # created one of these identities first: that customer is the one.
            owners = identity_owners(workspace_id, ctx.identities)
            if not owners:
                raise IntegrityError("the sender's identities were claimed, then not found")
        # The oldest customer owning one of the sender's identities; a verified one wins
        # over one that only an address kept as written points to.
        verified_owners = [o for o in owners if (o.kind, o.value) not in unverified]
        first = (verified_owners or owners)[0]
        customer: Customer = sql.instance(
            Customer,
            {
                "id": first.customer_id,
                "workspace_id": workspace_id,
                "name": first.customer_name,
                "segment": first.customer_segment,
            },
        )
        owned = {(o.kind, o.value) for o in owners if o.customer_id == customer.pk}
        missing = [i for i in ctx.identities if i not in owned and i not in unverified]
        if missing and len({o.customer_id for o in owners}) == 1:
            add_identities(customer, missing)
        if sender.name and not customer.name:
            update_customer(Customer.objects.get(pk=customer.pk), name=sender.name)
            customer.name = sender.name
        ctx.customer = customer
        self._signature(ctx, found)
        for other in sorted({o.customer_id for o in pointed} - {customer.pk}):
            suggest_pair(workspace_id, customer.pk, other, "mentioned_identifier", 0.6)

    @staticmethod
    def _signature(ctx: Context, found: list[Any]) -> None:
        """The sender's own signature's addresses that nobody owns become hers."""
        assert ctx.customer is not None
        owned = {(o.kind, o.value) for o in found}
        signed = [m.key for m in ctx.evidence if m.in_signature and m.key not in owned]
        if signed:
            add_identities(ctx.customer, signed, source=IdentitySource.SIGNATURE)


class Thread(Step):
    """Choose the conversation: the one explicitly referred to, else the customer's open
    conversation on this channel, else none (a new one will be opened); none at once for
    a message that asks for a conversation of its own."""

    name = "thread"

    def run(self, ctx: Context) -> None:
        assert ctx.customer is not None
        inbound = ctx.inbound
        if inbound.own_conversation:
            ctx.conversation = None
            return
        # A reference by message id (In-Reply-To) is proof enough; a number alone (a
        # "[#1042]" typed in a subject) counts only for the customer's own conversations.
        conversation = conversation_replied_to(inbound.workspace_id, inbound.references)
        if conversation is None and inbound.conversation_number is not None:
            conversation = conversation_numbered(inbound.workspace_id, inbound.conversation_number)
            if conversation is not None and conversation.customer_id != ctx.customer.pk:
                conversation = None
        if conversation is None and not ctx.new_customer:
            conversation = active_conversation_for(ctx.customer.pk, ctx.channel.pk)
        ctx.conversation = conversation


class DetectLanguage(Step):
    """The language of the message (offline model), for search stems and the agent's view."""

    name = "detect_language"

    def run(self, ctx: Context) -> None:
        ctx.language = detect_language(f"{ctx.inbound.subject}\n{ctx.inbound.text}")


class Route(Step):
    """New conversations on a channel with a default team go to that team."""

    name = "route"

    def run(self, ctx: Context) -> None:
        if ctx.conversation is None:
            ctx.team_id = ctx.channel.default_team_id


class StartSlaClock(Step):
    """The SLA clocks this message starts or moves (``sla.actions.clocks_for_message``):
    due times that ``receive`` stores with the conversation, at no statement of their own
    once the workspace's policies are cached."""

    name = "sla"

    def run(self, ctx: Context) -> None:
        ctx.sla = clocks_for_message(
            workspace_id=ctx.inbound.workspace_id,
            conversation=ctx.conversation,
            channel_id=ctx.channel.pk,
            team_id=ctx.team_id,
            sent_at=ctx.inbound.sent_at,
            # A customer created by this message is new; a known one's segment was read
            # with her identity (no statement of its own).
            segment=ctx.customer.segment if ctx.customer and not ctx.new_customer else "new",
        )


class Receive(Step):
    """Hand the message to ``conversations.actions.receive_message``."""

    name = "receive"
    pipelined = True

    def run(self, ctx: Context) -> None:
        assert ctx.customer is not None
        inbound = ctx.inbound
        ctx.received = receive_message(
            channel=ctx.channel,
            customer=ctx.customer,
            conversation=ctx.conversation,
            text=inbound.text,
            html=inbound.html,
            subject=inbound.subject,
            sender_name=inbound.sender.name,
            external_id=inbound.external_id,
            sent_at=inbound.sent_at,
            language=ctx.language,
            attachments=inbound.attachments,
            data=inbound.data,
            team_id=ctx.team_id,
            sla=ctx.sla,
        )


class NoteResult(Step):
    """Note on the raw record where the message went, which is what a replay will be
    answered with, and close earlier failures of the same message."""

    name = "note_result"
    pipelined = True

    def run(self, ctx: Context) -> None:
        assert ctx.customer is not None and ctx.record_id is not None
        assert ctx.received is not None
        message_id = ctx.received.message.pk
        records.note_result(
            ctx.record_id,
            message_id=message_id,
            conversation_id=ctx.received.conversation.pk,
            customer_id=ctx.customer.pk,
        )
        rejections.resolve_earlier_failures(ctx.inbound, message_id)
        ctx.result = IngestResult(
            message_id=message_id,
            conversation_id=ctx.received.conversation.pk,
            customer_id=ctx.customer.pk,
            duplicate=False,
            message=ctx.received.message,
        )


STEPS: list[Step] = [
    StoreRaw(),
    Dedupe(),
    FindEvidence(),
    IdentifyCustomer(),
    Thread(),
    DetectLanguage(),
    Route(),
    StartSlaClock(),
    Receive(),
    NoteResult(),
]


class IngestFailed(SportelloError):
    """The message could not be ingested; it was kept as a rejected record.

    ``permanent`` when the message itself is the reason (``InvalidInput``: a sender that
    cannot be read): handing it over again would fail the same way, so an edge that can
    say so answers "refused" rather than "try again later"."""

    status_code = 422

    def __init__(self, message: str, rejected_id: int, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.rejected_id = rejected_id
        self.permanent = permanent


def run_steps(inbound: InboundMessage, channel: Channel) -> IngestResult:
    ctx = Context(inbound=inbound, channel=channel)
    with transaction.atomic():
        # Consecutive pipelined steps share one pipeline, which is waited for before a step
        # that is not pipelined runs.
        for pipelined, steps in groupby(STEPS, key=lambda step: step.pipelined):
            with sql.pipeline() if pipelined else nullcontext():
                for step in steps:
                    step.run(ctx)
                    if ctx.stopped:
                        break
            if ctx.stopped:
                break
    assert ctx.result is not None
    return ctx.result


def ingest(
    inbound: InboundMessage, *, source: str = "api", channel: Channel | None = None
) -> IngestResult:
    """Ingest one message in one transaction. A failure rolls it back, keeps the message in
    ``RejectedInbound`` with the reason and raises :class:`IngestFailed`. Adapters that
    already hold the channel pass it, which saves a query."""
    try:
        if channel is None or channel.pk != inbound.channel_id:
            channel = Channel.objects.get(pk=inbound.channel_id, workspace_id=inbound.workspace_id)
        return run_steps(inbound, channel)
    except Exception as exc:
        if isinstance(exc, SportelloError):
            reason = public = exc.message
        else:
            log.exception("ingest failed for %s message %s", source, inbound.external_id)
            reason = f"{type(exc).__name__}: {exc}"
            # Internal errors (database text may quote customer data) stay in the record.
            public = "the message could not be processed; it was kept and will be retried"
        rejected = rejections.record_failure(inbound, source=source, reason=reason)
        raise IngestFailed(public, rejected.pk, permanent=isinstance(exc, InvalidInput)) from exc


def retry(rejected: RejectedInbound) -> RejectedInbound:
    """Run a failed message through the pipeline again; on success it is marked resolved."""
    if not rejected.retryable or rejected.payload is None or rejected.resolved_at is not None:
        return rejected
    inbound = InboundMessage.from_payload(rejected.payload)
    try:
        channel = Channel.objects.get(pk=inbound.channel_id, workspace_id=inbound.workspace_id)
        result = run_steps(inbound, channel)
    except Exception as exc:
        reason = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
        rejections.note_retry_failed(rejected, str(reason))
        return rejected
    rejections.note_retry_succeeded(rejected, result.message_id)
    return rejected
