"""Honest sending: whether a conversation's channel can send a reply now, the customer's
other channels that can, and starting a conversation on one of them (or a new email).

The reply box asks before the agent writes (``sending_problem``); a reply typed into a
box that cannot send would look sent and never arrive.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from sportello.accounts.models import Agent
from sportello.channels import registry
from sportello.channels.models import Channel
from sportello.conversations.actions.outgoing import open_outgoing
from sportello.conversations.attachments import Upload
from sportello.conversations.models import Conversation
from sportello.core.errors import InvalidInput
from sportello.customers.actions import add_identities, create_customer
from sportello.customers.identities import normalize_email
from sportello.customers.models import Customer, Identity
from sportello.customers.queries import identity_owners
from sportello.outbound.actions import SentReply, send_reply
from sportello.outbound.readiness import channel_unready


@dataclass(frozen=True)
class OtherWay:
    """A channel of the workspace that can start a conversation with the customer, and the
    customer's address it would write to."""

    channel: Channel
    address: str


def other_ways(conversation: Conversation, *, most: int = 3) -> list[OtherWay]:
    """The customer's addresses on other channels that can send now (an email channel with
    its SMTP server, to each email address on file), at most ``most``."""
    ways: list[OtherWay] = []
    channels = [
        c
        for c in Channel.objects.filter(workspace_id=conversation.workspace_id, is_active=True)
        .exclude(pk=conversation.channel_id)
        .order_by("name", "pk")
        if _starts(c) and channel_unready(c) is None
    ]
    if not channels:
        return ways
    identities = list(
        Identity.objects.filter(customer_id=conversation.customer_id, unverified=False)
        .order_by("pk")
        .values_list("kind", "value")
    )
    for channel in channels:
        kind = registry.provider(channel.kind).identity_kind
        ways += [OtherWay(channel, value) for k, value in identities if k == kind]
    return ways[:most]


def _starts(channel: Channel) -> bool:
    try:
        return registry.provider(channel.kind).starts_conversations
    except InvalidInput:
        return False


def sending_channels(workspace_id: int) -> list[Channel]:
    """The workspace's channels an agent can start a conversation on now."""
    return [
        c
        for c in Channel.objects.filter(workspace_id=workspace_id, is_active=True).order_by(
            "name", "pk"
        )
        if _starts(c) and channel_unready(c) is None
    ]


@dataclass(frozen=True)
class Started:
    conversation: Conversation
    sent: SentReply
    customer_created: bool


@transaction.atomic
def start_conversation(
    agent: Agent,
    channel: Channel,
    *,
    to: str,
    subject: str,
    text: str,
    uploads: Sequence[Upload] = (),
    customer: Customer | None = None,
    linked_from: Conversation | None = None,
) -> Started:
    """A new conversation on ``channel`` to the address ``to``, its first message the
    agent's, queued for sending like any reply (``send_reply``): all or nothing.

    The customer is the owner of ``to``, or a new customer with it; with ``customer`` given
    (from their page, or ``linked_from``'s) the address must be theirs or nobody's (then it
    is added to them). ``InvalidInput`` names what is wrong, in English as the API shows it.
    """
    if channel.workspace_id != agent.workspace_id:
        raise InvalidInput("no such channel in this workspace")
    if not _starts(channel):
        raise InvalidInput("conversations cannot be started on this channel")
    unready = channel_unready(channel)
    if unready is not None:
        raise InvalidInput(unready.text)
    if not subject.strip():
        raise InvalidInput("the subject is empty")
    if not text.strip():
        raise InvalidInput("the message is empty")
    if linked_from is not None:
        customer = linked_from.customer
    kind = registry.provider(channel.kind).identity_kind
    address = normalize_email(to) if kind == "email" else to.strip()
    owners = identity_owners(channel.workspace_id, [(kind, address)])
    owner_id = owners[0].customer_id if owners else None
    created = False
    if customer is not None:
        if customer.workspace_id != channel.workspace_id:
            raise InvalidInput("no such customer in this workspace")
        if owner_id is not None and owner_id != customer.pk:
            raise InvalidInput(f"{address} belongs to another customer")
        if owner_id is None:
            add_identities(customer, [(kind, address)])
    elif owner_id is not None:
        customer = Customer.objects.get(pk=owner_id)
    else:
        try:
            customer = create_customer(channel.workspace_id, identities=[(kind, address)])
        except IntegrityError as exc:  # claimed a moment ago by someone else's message
            raise InvalidInput(f"{address} was just taken by another customer") from exc
        created = True
    conversation = open_outgoing(
        channel=channel,
        customer=customer,
        agent=agent,
        subject=subject.strip(),
        to=address,
        linked_from=linked_from,
    )
    sent = send_reply(conversation, agent, text, uploads=uploads)
    return Started(conversation=conversation, sent=sent, customer_created=created)
