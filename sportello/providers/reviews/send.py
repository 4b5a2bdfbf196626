"""An agent's reply to a review, posted back where the review's site allows it.

``ReviewSource`` is what a site's reply API needs to offer: whether it can post a reply
to a given review, and the posting. Two are built in: ``GoogleReplies``, Google Business
Profile's API for the reviews read from the channel's Google location (``google.py``), and
``ReplyWebhook``, the generic "reply webhook", a signed ``POST`` to the channel's
``reply_url`` (a small service of the business, or an integration platform, that knows the
site's API) for the sources named in ``reply_sources`` (all when empty). Any other review
is answered by hand
(``ByHand``): the reply is recorded in Sportello, its delivery is noted with a
``by-hand:`` id and nothing is sent; the conversation shows "Answer on <site>", a link to
the review, and marks the reply "to post by hand".

The webhook's body::

    {"review": {"id": "ChIJ-1", "source": "google", "url": "https://...", "author": "..."},
     "reply": {"text": "Grazie!", "agent": "Giulia", "conversation": 42,
               "reference": "sportello-17"}}

signed with ``X-Sportello-Timestamp`` and ``X-Sportello-Signature`` under
``reply_secret`` (else ``secret``). A 2xx is sent (its JSON ``id``, if any, is kept); a
429 or a 5xx is tried again by outbound's backoff; any other answer is final, and its
words are the agent's.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from sportello.channels.models import Channel
from sportello.conversations.queries import latest_inbound_data
from sportello.core.errors import SportelloError
from sportello.outbound.actions import hand_over
from sportello.outbound.errors import DeliveryError
from sportello.outbound.models import Delivery
from sportello.providers.common import http
from sportello.providers.common.signed import sign
from sportello.providers.reviews.config import GoogleLocation, ReviewsConfig, read_config

BY_HAND = "by-hand:"


@dataclass(frozen=True)
class ReviewReply:
    """What a site needs to post a reply: the review (as stored on its message) and the
    reply's text, with who wrote it and a reference the site may echo."""

    review: dict[str, Any]
    text: str
    agent: str
    conversation_number: int
    reference: str


class ReviewSource(Protocol):
    """A site's reply API."""

    def can_reply(self, review: dict[str, Any]) -> bool: ...

    def post_reply(self, reply: ReviewReply, before_send: Callable[[], None]) -> str:
        """Post it; the site's id for the reply, or ``DeliveryError``."""
        ...


@dataclass(frozen=True)
class ReplyWebhook:
    url: str
    secret: str
    sources: tuple[str, ...] = ()

    def can_reply(self, review: dict[str, Any]) -> bool:
        return not self.sources or str(review.get("source") or "") in self.sources

    def post_reply(self, reply: ReviewReply, before_send: Callable[[], None]) -> str:
        review = reply.review
        raw = json.dumps(
            {
                "review": {
                    "id": review.get("id"),
                    "source": review.get("source"),
                    "url": review.get("url"),
                    "author": review.get("author"),
                },
                "reply": {
                    "text": reply.text,
                    "agent": reply.agent,
                    "conversation": reply.conversation_number,
                    "reference": reply.reference,
                },
            },
            ensure_ascii=False,
        ).encode()
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "X-Sportello-Timestamp": str(timestamp),
            "X-Sportello-Signature": sign(raw, self.secret, timestamp),
        }
        before_send()
        try:
            response = http.client().post(self.url, content=raw, headers=headers)
        except httpx.ConnectError as exc:
            raise http.ProviderRefused(f"could not connect to the reply webhook: {exc}") from exc
        except httpx.HTTPError as exc:
            raise http.ProviderRefused(f"{type(exc).__name__}: {exc}") from exc
        if not response.is_success:
            status = response.status_code
            raise http.ProviderRefused(
                http.plain_error_text(response),
                status=status,
                permanent=status not in http.RETRIED_STATUSES,
                retry_after=http.retry_after(response),
            )
        try:
            answer = response.json()
        except ValueError:
            answer = None
        given = answer.get("id") if isinstance(answer, dict) else None
        return str(given)[:200] if given else f"webhook:{reply.reference}"


@dataclass(frozen=True)
class GoogleReplies:
    """Google Business Profile's API: a review of the channel's location is answered on
    Google (``PUT .../reviews/{id}/reply``)."""

    location: GoogleLocation
    channel: Channel | None = None

    def can_reply(self, review: dict[str, Any]) -> bool:
        resource = str(review.get("resource") or "")
        return review.get("source") == "google" and resource.startswith(
            self.location.name + "/reviews/"
        )

    def post_reply(self, reply: ReviewReply, before_send: Callable[[], None]) -> str:
        from sportello.providers.reviews.google import GoogleAccount, post_reply

        assert self.channel is not None
        account = GoogleAccount(self.channel, self.location)
        return post_reply(account, str(reply.review["resource"]), reply.text, before_send)


class ByHand:
    """No API: the agent posts the reply on the site."""

    def can_reply(self, review: dict[str, Any]) -> bool:
        return True

    def post_reply(self, reply: ReviewReply, before_send: Callable[[], None]) -> str:
        return BY_HAND + str(reply.review.get("id") or "")[:180]


def source_for(
    config: ReviewsConfig, review: dict[str, Any], channel: Channel | None = None
) -> ReviewSource:
    """Where a reply to ``review`` goes: Google's API for a review of the channel's
    Google location, the reply webhook when it takes the review's site, else by hand."""
    if config.google is not None:
        google = GoogleReplies(config.google, channel)
        if google.can_reply(review):
            return google
    if config.reply_url:
        webhook = ReplyWebhook(
            config.reply_url, config.reply_secret or config.secret, config.reply_sources
        )
        if webhook.can_reply(review):
            return webhook
    return ByHand()


def answered_by_hand(config_data: dict[str, Any], review: dict[str, Any]) -> bool:
    """Whether a reply to ``review`` on a channel of this stored config is posted by hand
    (what the conversation page says)."""
    try:
        config = read_config(config_data)
    except SportelloError:
        return True
    return isinstance(source_for(config, review), ByHand)


def send_review_reply(delivery: Delivery) -> str:
    """The reviews channel's sender (``Provider.send``)."""
    try:
        config = read_config(delivery.channel.config)
    except SportelloError as exc:
        raise DeliveryError(f"the channel's configuration: {exc.message}", permanent=True) from exc
    message = delivery.message
    review = (latest_inbound_data(message.conversation_id) or {}).get("review")
    if not isinstance(review, dict):
        raise DeliveryError("this conversation has no review to answer", permanent=True)
    text = (message.text or "").strip()
    if not text:
        raise DeliveryError("a reply to a review needs text", permanent=True)
    agent = message.sender_agent.display_name if message.sender_agent else ""
    reply = ReviewReply(
        review=review,
        text=text,
        agent=agent,
        conversation_number=message.conversation.number,
        reference=f"sportello-{delivery.pk}",
    )
    source = source_for(config, review, delivery.channel)
    return source.post_reply(reply, lambda: hand_over(delivery))
