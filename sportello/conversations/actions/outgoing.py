"""A conversation an agent starts: a new email to a customer, or the same customer reached on
another channel when the conversation's own cannot send."""

from __future__ import annotations

from django.db import transaction

from sportello.accounts.models import Agent
from sportello.channels.models import Channel
from sportello.conversations.actions import timeline
from sportello.conversations.actions.store import insert_conversation
from sportello.conversations.events import ConversationOpened
from sportello.conversations.models import Conversation, Status
from sportello.core import clock
from sportello.core.events import publish
from sportello.core.models import Workspace
from sportello.customers.models import Customer


@transaction.atomic
def open_outgoing(
    *,
    channel: Channel,
    customer: Customer,
    agent: Agent,
    subject: str,
    to: str,
    linked_from: Conversation | None = None,
) -> Conversation:
    """Open a conversation with ``customer`` on ``channel`` that nobody has written in yet
    (the agent's first message follows, through ``outbound.send_reply``). It starts
    ``pending``: the customer owes the next word, nobody waits for an answer. ``to``: the
    address the first message goes to, kept on the "created" event. With ``linked_from``
    both timelines say where the conversation went on, each linking the other."""
    now = clock.now()
    conversation = insert_conversation(
        workspace_id=channel.workspace_id,
        number=Workspace(pk=channel.workspace_id).next_conversation_number(),
        subject=subject[:300],
        status=Status.PENDING,
        customer_id=customer.pk,
        channel_id=channel.pk,
        last_message_at=now,
        created_at=now,
        updated_at=now,
    )
    data: dict[str, object] = {"channel": channel.pk, "to": to}
    if linked_from is not None:
        data["from_number"] = linked_from.number
    timeline.record(conversation, "created", agent, at=now, **data)
    if linked_from is not None:
        timeline.record(
            linked_from,
            "continued_elsewhere",
            agent,
            at=now,
            number=conversation.number,
            channel=channel.name,
            to=to,
        )
    publish(
        ConversationOpened(
            workspace_id=conversation.workspace_id,
            conversation_id=conversation.pk,
            customer_id=customer.pk,
            channel_id=channel.pk,
        )
    )
    return conversation
