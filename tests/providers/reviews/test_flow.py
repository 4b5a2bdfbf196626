"""The reviews channel end to end: a fake site's feeds read by the job, each review a
conversation on the right customer, a low rating made high priority by the default rule,
the agent's reply posted to the fake reply webhook; and the by-hand case, the CSV upload
(API and page) and the signed push."""

from __future__ import annotations

import json

import pytest
from django.utils import translation

from sportello.automation.models import Rule
from sportello.conversations.models import Conversation, Message, Priority
from sportello.customers.models import Identity
from sportello.ingest.models import RejectedInbound
from sportello.outbound.actions import send_reply
from sportello.outbound.models import Delivery
from sportello.providers.common.signed import refusal
from sportello.providers.reviews.jobs import poll_due_feeds
from sportello.providers.reviews.models import FeedState
from sportello.providers.reviews.polling import poll_channel
from tests.factories import CustomerFactory, IdentityFactory
from tests.providers.fake_http import Reply
from tests.providers.reviews import fixtures
from tests.providers.reviews.helpers import (
    REPLY_SECRET,
    fake_site,
    make_reviews_channel,
    post_signed,
)

pytestmark = pytest.mark.django_db


def _conversation(external_id: str) -> Conversation:
    return Message.objects.get(external_id=external_id).conversation


def test_feeds_to_conversations_priority_and_a_reply_posted_back(
    workspace, agent, django_capture_on_commit_callbacks
):
    """GIVEN a known customer (by email) and one known on the site (by her handle) WHEN
    the job reads an RSS and an Atom feed THEN each review is a conversation on the right
    customer, the 1 and 2 star ones are high priority by the default rule, a second read
    duplicates nothing, and the agent's reply reaches the reply webhook, signed."""
    paola = CustomerFactory(workspace=workspace, name="Paola Russo")
    IdentityFactory(customer=paola, kind="email", value="paola.russo@example.it")
    maria = CustomerFactory(workspace=workspace, name="Maria Bianchi")
    IdentityFactory(customer=maria, kind="other", value="recensioni.example.it:maria bianchi")
    with fake_site() as site:
        feeds = [site.serve("/rss", fixtures.RSS), site.serve("/atom", fixtures.ATOM)]
        channel = make_reviews_channel(
            workspace.pk, feeds=feeds, reply_url=site.url + "/replies", reply_secret=REPLY_SECRET
        )
        with django_capture_on_commit_callbacks(execute=True):
            poll_due_feeds()
        keys = sorted(Message.objects.filter(channel=channel).values_list("external_id", flat=True))
        assert keys == [
            "forum.example.it:men-7",
            "guida.example.com:urn:rec:a1",
            "guida.example.com:urn:rec:a2",
            "recensioni.example.it:rec-101",
            "recensioni.example.it:rec-102",
        ]
        # Five reviews, five conversations; the two known customers found.
        assert Conversation.objects.filter(channel=channel).count() == 5
        assert _conversation("guida.example.com:urn:rec:a1").customer_id == paola.pk
        assert _conversation("recensioni.example.it:rec-101").customer_id == maria.pk
        luca = _conversation("recensioni.example.it:rec-102")
        assert Identity.objects.get(customer=luca.customer).value == (
            "recensioni.example.it:luca verdi"
        )
        # The default rule: 2 stars or fewer is high priority; the others stay as they are.
        priorities = {
            m.external_id: m.conversation.priority
            for m in Message.objects.filter(channel=channel).select_related("conversation")
        }
        assert priorities == {
            "forum.example.it:men-7": Priority.NORMAL,
            "guida.example.com:urn:rec:a1": Priority.NORMAL,
            "guida.example.com:urn:rec:a2": Priority.HIGH,
            "recensioni.example.it:rec-101": Priority.NORMAL,
            "recensioni.example.it:rec-102": Priority.HIGH,
        }
        assert Rule.objects.get(workspace=workspace, default_key="low_rating").is_enabled
        # The bad items are recorded, the good ones around them kept.
        reasons = list(
            RejectedInbound.objects.filter(source="reviews").values_list("reason", flat=True)
        )
        assert len(reasons) == 2 and any("item 3" in r and "1 to 5" in r for r in reasons)

        # Read again: the site answers 304 to the ETag; nothing new.
        done = poll_channel(channel.pk)
        assert done.not_modified == 2 and done.imported == 0
        assert site.reads("/rss")[-1].header("if-none-match").startswith('"')
        # A site that ignores ETags sends the same items: still no duplicate.
        FeedState.objects.update(etag="")
        done = poll_channel(channel.pk)
        assert done.imported == 0 and done.duplicates == 5
        assert Conversation.objects.filter(channel=channel).count() == 5

        with django_capture_on_commit_callbacks(execute=True):
            send_reply(luca, agent, "Ci scusi Luca, ci farebbe piacere rimediare.")
        (posted,) = site.replies()
    assert posted.json() == {
        "review": {
            "id": "rec-102",
            "source": "recensioni.example.it",
            "url": "https://recensioni.example.it/trattoria-gino/rec-102",
            "author": "Luca Verdi",
        },
        "reply": {
            "text": "Ci scusi Luca, ci farebbe piacere rimediare.",
            "agent": "Giulia Bianchi",
            "conversation": luca.number,
            "reference": f"sportello-{Delivery.objects.get().pk}",
        },
    }
    assert (
        refusal(
            posted.body,
            REPLY_SECRET,
            posted.header("x-sportello-timestamp"),
            posted.header("x-sportello-signature"),
            now=float(posted.header("x-sportello-timestamp")),
        )
        is None
    )
    delivery = Delivery.objects.get()
    assert delivery.status == "sent" and delivery.provider_message_id == "reply-1"


def test_a_reply_webhook_error_is_retried_then_its_words_kept(
    workspace, agent, django_capture_on_commit_callbacks
):
    with fake_site() as site:
        channel = make_reviews_channel(workspace.pk, reply_url=site.url + "/replies")
        with django_capture_on_commit_callbacks(execute=True):
            post_signed_json = json.loads(fixtures.JSON_ARRAY)[:1]
            from django.test import Client

            assert post_signed(Client(), channel, post_signed_json).json()["imported"] == 1
        site.fake.then("POST", "/replies", Reply(422, {"error": "review deleted"}))
        with django_capture_on_commit_callbacks(execute=True):
            send_reply(_conversation("google:g-1"), agent, "Grazie")
    delivery = Delivery.objects.get()
    assert delivery.status == "failed" and "review deleted" in delivery.last_error


def test_without_a_reply_api_the_page_links_to_the_review_and_says_by_hand(
    workspace, agent, django_capture_on_commit_callbacks, client
):
    """GIVEN a review from a site the reply webhook does not take WHEN the agent replies
    THEN nothing is sent, the reply says "to post by hand" and links to the review, and
    the stars read "1 out of 5"."""
    agent.language = "en"
    agent.save(update_fields=["language"])
    client.force_login(agent.user)
    with fake_site() as site:
        channel = make_reviews_channel(
            workspace.pk, reply_url=site.url + "/replies", reply_sources=["google"]
        )
        site.serve("/rss", fixtures.RSS)
        with django_capture_on_commit_callbacks(execute=True):
            poll_channel_after_config(channel, site.url + "/rss")
        luca = _conversation("recensioni.example.it:rec-102")
        with django_capture_on_commit_callbacks(execute=True):
            send_reply(luca, agent, "Ci scusi, la ricontattiamo.")
        assert site.replies() == []
    assert Delivery.objects.get().provider_message_id == "by-hand:rec-102"
    page = client.get(f"/c/{luca.number}/", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'aria-label="1 out of 5"' in html
    assert "Answer on recensioni.example.it" in html
    assert 'href="https://recensioni.example.it/trattoria-gino/rec-102"' in html
    assert "To post by hand" in html


def poll_channel_after_config(channel, url):
    from sportello.channels.actions import update_channel

    update_channel(channel, config={**channel.config, "feeds": [url]})
    return poll_channel(channel.pk)


def test_a_huge_feed_and_a_bomb_are_refused_and_recorded(workspace, monkeypatch):
    from sportello.providers.reviews import fetch

    monkeypatch.setattr(fetch, "MAX_BYTES", 2000)
    with fake_site() as site:
        big = site.serve("/big", b"<rss>" + b" " * 5000 + b"</rss>")
        bomb = site.serve("/bomb", fixtures.XML_BOMB)
        good = site.serve("/good", fixtures.JSON_ARRAY, "application/json")
        channel = make_reviews_channel(workspace.pk, feeds=[big, bomb, good])
        done = poll_channel(channel.pk)
    assert done.imported == 2  # the good feed is read whatever the others
    assert any("larger than" in e for e in done.errors)
    assert any("entities are not read" in e for e in done.errors)
    with translation.override("en"):
        states = {s.url: s.last_error_text for s in FeedState.objects.all()}
    assert "larger than" in states[big] and states[good] == ""
    assert RejectedInbound.objects.filter(source="reviews", reason__contains="bomb").exists()
