"""An agent reads a low review in a real browser: the stars read "1 su 5" to a screen
reader, the conversation is high priority, and the reply is marked to post by hand with a
link to the review; an admin sees the reviews channel's settings and its CSV import.

Screenshots on a desktop and a 360 px phone, in Italian and English, go to
/tmp/shots/reviews/ for a person to look at."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import timezone

from sportello.accounts.models import Role
from sportello.channels.actions import create_channel
from sportello.conversations.models import Message, Priority
from sportello.outbound.actions import send_reply
from sportello.providers.reviews.importing import import_reviews
from sportello.providers.reviews.models import FeedState
from sportello.providers.reviews.parse import parse_feed
from tests.e2e.test_agent_flow import sign_in
from tests.factories import AgentFactory
from tests.providers.reviews import fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots/reviews")


@pytest.mark.parametrize("language", ["it", "en"])
def test_a_low_review_and_the_channel_settings(chromium, live_server, workspace, language):
    SHOTS.mkdir(parents=True, exist_ok=True)
    admin = AgentFactory(
        workspace=workspace, role=Role.ADMIN, display_name="Chiara Esposito", language=language
    )
    channel = create_channel(
        workspace.pk,
        kind="reviews",
        name="Recensioni",
        slug="recensioni",
        config={
            "feeds": ["https://recensioni.example.it/feed.xml"],
            "reply_url": "https://integrazioni.example.it/risposte",
            "reply_sources": ["google"],
        },
    )
    import_reviews(channel, parse_feed(fixtures.RSS), origin="test")
    # Where the feeds stand, as the job leaves it: one read, one refused.
    now = timezone.now()
    FeedState.objects.create(
        workspace=workspace,
        channel=channel,
        url=channel.config["feeds"][0],
        polled_at=now,
        imported=3,
    )
    FeedState.objects.create(
        workspace=workspace,
        channel=channel,
        url="https://mappe.example.com/feed.json",
        polled_at=now,
        last_error="the feed is larger than 5 MB",
    )
    low = Message.objects.get(external_id="recensioni.example.it:rec-102").conversation
    assert low.priority == Priority.HIGH
    send_reply(low, admin, "Ci scusi Luca, ci farebbe piacere rimediare: la chiamiamo oggi.")
    words = {
        "it": ("1 su 5", "Rispondi su recensioni.example.it", "Da pubblicare a mano"),
        "en": ("1 out of 5", "Answer on recensioni.example.it", "To post by hand"),
    }[language]
    for width, height, device in ((1366, 800, "desktop"), (360, 740, "phone")):
        context = chromium.new_context(viewport={"width": width, "height": height}, locale="it-IT")
        page = context.new_page()
        sign_in(page, live_server, admin.user.email, to=f"/c/{low.number}/")
        assert page.get_by_role("img", name=words[0]).count() == 1
        assert page.get_by_role("link", name=words[1]).count() == 2
        assert words[2] in page.content()
        page.screenshot(path=str(SHOTS / f"review-{language}-{device}.png"), full_page=True)
        page.goto(f"{live_server.url}/settings/channels/{channel.pk}/")
        assert page.locator("#review-import input[type=file]").count() == 1
        assert page.locator("#review-feeds li.check-failed", has_text="5 MB").count() == 1
        page.screenshot(path=str(SHOTS / f"settings-{language}-{device}.png"), full_page=True)
        context.close()
