"""Whether a reply can reach the customer, asked before it is stored.

The reply box asks to disable its Send buttons and say why (``sending_problem``);
``send_reply`` asks again and refuses, so no interface can store a reply that looks sent
and never leaves. A merged conversation (issue 18) holds messages of several channels: a
reply goes out on one of them, and the question is asked of that one.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext

from sportello.channels import registry
from sportello.channels.models import Channel
from sportello.conversations.models import Conversation
from sportello.conversations.queries import reply_channels
from sportello.core.errors import InvalidInput


@dataclass(frozen=True)
class SendingProblem:
    """Why a reply may not reach the customer. ``blocking``: it will not (no SMTP server,
    WhatsApp's window closed), and Send is refused; otherwise Sportello does not send on the
    channel itself and only an integration reading the API can (the API channel, phone
    calls), which the agent is told and may still do."""

    text: str
    blocking: bool = True


def channel_unready(channel: Channel) -> SendingProblem | None:
    """Why ``channel`` cannot send anything now (in the agent's language), or None."""
    try:
        provider = registry.provider(channel.kind)
    except InvalidInput:
        provider = None
    if provider is None or provider.send is None:
        return SendingProblem(
            gettext(
                "Sportello does not send replies on this channel itself: the customer "
                "gets them only if an integration reads them through the API."
            ),
            blocking=False,
        )
    if not channel.is_active:
        return SendingProblem(gettext("This channel is turned off: replies are not sent."))
    unready = provider.send_unready(channel) if provider.send_unready else None
    return SendingProblem(unready) if unready else None


def reply_refusal(conversation: Conversation, channel: Channel | None = None) -> str | None:
    """Why ``channel`` (by default the conversation's) cannot take a free-form reply on
    ``conversation`` now (its provider's ``reply_refusal``: WhatsApp's 24-hour window), or
    None. The provider is given the channel, so that in a merged conversation it measures
    its window from that channel's messages only."""
    via = channel or conversation.channel
    try:
        rule = registry.provider(via.kind).reply_refusal
    except InvalidInput:
        return None
    if rule is None:
        return None
    return rule(conversation, via)


def sending_problem(
    conversation: Conversation, channel: Channel | None = None
) -> SendingProblem | None:
    """Why a reply on ``conversation`` through ``channel`` (by default its own) would not
    reach the customer, or None."""
    via = channel or conversation.channel
    problem = channel_unready(via)
    if problem is not None and problem.blocking:
        return problem
    refusal = reply_refusal(conversation, via)
    return SendingProblem(refusal) if refusal else problem


def refuse_undeliverable(conversation: Conversation, channel: Channel | None = None) -> None:
    """Raise ``InvalidInput`` with the reason (in the agent's language) when a reply
    through ``channel`` cannot reach the customer: it is not stored at all."""
    problem = sending_problem(conversation, channel)
    if problem is not None and problem.blocking:
        raise InvalidInput(problem.text)


def reply_channel(conversation: Conversation, via: int | None = None) -> Channel:
    """The channel a reply on ``conversation`` goes out on: ``via`` when it is one of the
    conversation's (its own, or one a merged conversation's messages came on), else by
    default the channel of the customer's latest message, which the reply answers.
    ``InvalidInput`` for any other channel."""
    routes = reply_channels(conversation)
    chosen = routes.default_id if via is None else via
    if chosen not in routes.channel_ids:
        raise InvalidInput(
            gettext("A reply goes out on one of the conversation's channels: %(ids)s.")
            % {"ids": ", ".join(str(i) for i in routes.channel_ids)}
        )
    if chosen == conversation.channel_id:
        return conversation.channel
    return Channel.objects.get(pk=chosen)
