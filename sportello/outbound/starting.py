"""Writing first: the customer's other channels that can reach them when a conversation's
own cannot (offered by the reply box), and starting a conversation on any channel whose
provider allows a first message (``channels.registry.Starting``): an email or an SMS to
anyone, WhatsApp only with an approved template, Telegram only to someone who wrote to the
bot.

Whether a reply can be sent at all is ``outbound.readiness``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from sportello.accounts.models import Agent
from sportello.channels import registry
from sportello.channels.models import Channel
from sportello.conversations.actions.outgoing import open_outgoing
from sportello.conversations.attachments import Upload
from sportello.conversations.models import Conversation, Message
from sportello.core.errors import InvalidInput
from sportello.customers.actions import add_identities, create_customer
from sportello.customers.identities import normalize, shown_value
from sportello.customers.models import Customer, Identity
from sportello.customers.queries import contact_refusal, identity_owners
from sportello.outbound.actions import send_reply
from sportello.outbound.readiness import channel_unready


@dataclass(frozen=True)
class OtherWay:
    """A channel of the workspace that can start a conversation with the customer, and the
    customer's address it would write to."""

    channel: Channel
    address: str

    @property
    def shown(self) -> str:
        """The address as a person reads it (``+39 347 123 4567``)."""
        return shown_value(self.address)


def starting_of(channel: Channel) -> registry.Starting | None:
    """How a conversation is started on ``channel``'s kind, or None where it cannot be
    (the provider allows no first message, or Sportello does not send on it)."""
    try:
        provider = registry.provider(channel.kind)
    except InvalidInput:
        return None
    return provider.starting if provider.starts_conversations else None


def sending_channels(workspace_id: int, *, kind: str | None = None) -> list[Channel]:
    """The workspace's channels an agent can start a conversation on now (of ``kind``)."""
    channels = Channel.objects.filter(workspace_id=workspace_id, is_active=True)
    if kind is not None:
        channels = channels.filter(kind=kind)
    return [
        c
        for c in channels.order_by("name", "pk")
        if starting_of(c) is not None and channel_unready(c) is None
    ]


def other_ways(conversation: Conversation, *, most: int = 4) -> list[OtherWay]:
    """The customer's addresses on other channels that can write to them now (an email
    channel with its SMTP server to each email address on file, an SMS gateway to each
    phone number, WhatsApp with a template, a Telegram bot they wrote to), at most
    ``most``."""
    channels = [
        c for c in sending_channels(conversation.workspace_id) if c.pk != conversation.channel_id
    ]
    if not channels:
        return []
    identities = list(
        Identity.objects.filter(customer_id=conversation.customer_id, unverified=False)
        .order_by("pk")
        .values_list("kind", "value")
    )
    ways: list[OtherWay] = []
    for channel in channels:
        starting = starting_of(channel)
        assert starting is not None
        seen: set[str] = set()
        for kind in starting.address_kinds:
            for k, value in identities:
                if k != kind or value in seen:
                    continue
                seen.add(value)
                if starting.refusal is None or (
                    starting.refusal(channel, conversation.customer_id, value) is None
                ):
                    ways.append(OtherWay(channel, value))
    return ways[:most]


def customer_address(starting: registry.Starting, customer_id: int) -> str | None:
    """The customer's first address a channel of this kind writes to, preferred kind first."""
    rows = list(
        Identity.objects.filter(customer_id=customer_id, kind__in=starting.address_kinds)
        .order_by("pk")
        .values_list("kind", "value")
    )
    for kind in starting.address_kinds:
        for k, value in rows:
            if k == kind:
                return str(value)
    return None


@dataclass(frozen=True)
class Started:
    conversation: Conversation
    message: Message
    customer_created: bool


@transaction.atomic
def start_conversation(
    agent: Agent,
    channel: Channel,
    *,
    to: str,
    text: str = "",
    subject: str = "",
    template: dict[str, Any] | None = None,
    uploads: Sequence[Upload] = (),
    customer: Customer | None = None,
    linked_from: Conversation | None = None,
) -> Started:
    """A new conversation on ``channel`` to the address ``to`` (by default the customer's
    own on file), its first message the agent's, queued for sending like any reply: all
    or nothing. On a template-only kind (WhatsApp) the first message is ``template`` (its
    ``name``, ``language`` and ``parameters``), sent by the provider's ``write_first``;
    elsewhere it is ``text`` (with ``subject`` where the kind has one: email).

    The customer is the owner of ``to``, or a new customer with it (where the kind may
    write to any address); with ``customer`` given (from their page, or ``linked_from``'s)
    the address must be theirs or nobody's (then it is added to them). A customer who asked
    not to be contacted, or withdrew consent on this kind, is not written to.
    ``InvalidInput`` says what is wrong and why.
    """
    if channel.workspace_id != agent.workspace_id:
        raise InvalidInput("no such channel in this workspace")
    starting = starting_of(channel)
    if starting is None:
        raise InvalidInput("conversations cannot be started on this channel")
    unready = channel_unready(channel)
    if unready is not None:
        raise InvalidInput(unready.text)
    if starting.needs_subject and not subject.strip():
        raise InvalidInput("the subject is empty")
    if starting.template_only:
        if not template:
            raise InvalidInput(
                gettext("Choose an approved message template: WhatsApp allows no other.")
            )
    elif not text.strip():
        raise InvalidInput("the message is empty")
    if linked_from is not None:
        customer = linked_from.customer
    if customer is not None and customer.workspace_id != channel.workspace_id:
        raise InvalidInput("no such customer in this workspace")
    if not to.strip() and customer is not None:
        to = customer_address(starting, customer.pk) or ""
    if not to.strip():
        raise InvalidInput(
            gettext("The customer has no address %(channel)s can write to.")
            % {"channel": channel.name}
        )
    # Read as the plainest kind, as a person types it ('333 123 4567' is an Italian
    # mobile, not the WhatsApp id +3331234567); E.164 either way, so it finds both.
    address = normalize(starting.address_kinds[-1], to)
    owners = identity_owners(channel.workspace_id, [(k, address) for k in starting.address_kinds])
    owner_ids = {o.customer_id for o in owners}
    if customer is not None:
        if owner_ids - {customer.pk}:
            raise InvalidInput(f"{address} belongs to another customer")
        owner_id: int | None = customer.pk if owner_ids else None
    else:
        owner_id = owners[0].customer_id if owners else None
    if owner_id is None and not starting.any_address:
        raise InvalidInput(
            gettext("%(channel)s can write only to an address the customer wrote from.")
            % {"channel": channel.name}
        )
    if starting.refusal is not None:
        refused = starting.refusal(channel, owner_id, address)
        if refused:
            raise InvalidInput(refused)
    created = False
    if customer is not None:
        if owner_id is None:
            add_identities(customer, [(starting.address_kinds[-1], address)])
    elif owner_id is not None:
        customer = Customer.objects.get(pk=owner_id)
    else:
        try:
            customer = create_customer(
                channel.workspace_id, identities=[(starting.address_kinds[-1], address)]
            )
        except IntegrityError as exc:  # claimed a moment ago by someone else's message
            raise InvalidInput(f"{address} was just taken by another customer") from exc
        created = True
    refusal = None if created else contact_refusal(customer.pk, channel.kind)
    if refusal is not None:
        raise InvalidInput(refusal)
    first_line = (text.strip().splitlines() or [""])[0]
    conversation = open_outgoing(
        channel=channel,
        customer=customer,
        agent=agent,
        subject=(subject.strip() or first_line or str((template or {}).get("name") or ""))[:300],
        to=address,
        linked_from=linked_from,
    )
    if starting.template_only:
        assert starting.write_first is not None and template is not None
        message = starting.write_first(conversation, agent, template)
    else:
        message = send_reply(conversation, agent, text, uploads=uploads).message
    return Started(conversation=conversation, message=message, customer_created=created)
