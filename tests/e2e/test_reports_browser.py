"""The Reports page in a real browser: a supervisor opens it from the sidebar, picks the
last 7 days and a channel (shown at once), and the charts fit a phone's width.
Screenshots at 1366x800 and 360x740 go to /tmp/shots/reports/ for a person to look at
(not committed)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from sportello.accounts.actions import create_agent
from sportello.accounts.models import Role
from sportello.channels.models import Channel
from sportello.conversations.models import Conversation
from sportello.core import clock
from sportello.ingest.inbound import InboundMessage, Sender
from sportello.ingest.pipeline import ingest
from tests.e2e.signing_in import PASSWORD
from tests.e2e.signing_in import sign_in as shared_sign_in
from tests.feedback.helpers import conversation, sent_survey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots/reports")


def write(channel: Channel, n: int) -> None:
    ingest(
        InboundMessage(
            workspace_id=channel.workspace_id,
            channel_id=channel.pk,
            sender=Sender(name=f"Cliente {n}", email=f"cliente{n}@example.it"),
            text="Buongiorno, il mio ordine non è arrivato",
            external_id=f"reports-browser-{n}",
        ),
        source="test",
    )


def test_a_supervisor_reads_the_week_by_channel_on_a_phone(chromium, live_server, workspace):
    from playwright.sync_api import expect

    SHOTS.mkdir(parents=True, exist_ok=True)
    supervisor = create_agent(
        workspace, email="capo@negozio.it", password=PASSWORD, role=Role.SUPERVISOR
    )
    shop = Channel.objects.create(workspace=workspace, kind="api", name="Negozio", slug="negozio")
    chat = Channel.objects.create(workspace=workspace, kind="api", name="Chat", slug="chat")
    for n in range(3):
        write(shop, n)
    write(chat, 9)
    yesterday = clock.now() - timedelta(days=1)
    for score in (5, 4, 2, None):
        sent_survey(conversation(shop), sent_at=yesterday, score=score, agent_id=supervisor.pk)
    for score in (10, 9, 7, 3):
        sent_survey(conversation(shop), kind="nps", sent_at=yesterday, score=score)

    context = chromium.new_context(viewport={"width": 360, "height": 740}, locale="it")
    page = context.new_page()
    try:
        shared_sign_in(page, live_server, supervisor.user.email, "Accedi")
        page.get_by_role("button", name="Menu").click()
        page.get_by_role("link", name="Report").click()
        expect(page.get_by_role("heading", name="Report", exact=True)).to_be_visible()
        expect(page.get_by_role("img", name="Conversazioni aperte al giorno")).to_be_visible()

        with page.expect_navigation():
            page.get_by_text("Ultimi 7 giorni").click()
        assert "range=7" in page.url
        with page.expect_navigation():
            page.get_by_label("Canale", exact=True).select_option(label="Negozio")
        opened = Conversation.objects.filter(channel=shop).count()
        expect(page.locator(".tile-value").first).to_have_text(str(opened))
        # Nothing wider than the phone: the tables scroll in their own boxes.
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        expect(page.get_by_role("heading", name="Soddisfazione dei clienti")).to_be_visible()
        page.screenshot(path=str(SHOTS / "week-it-phone.png"), full_page=True)
    finally:
        context.close()

    supervisor.language = "en"
    supervisor.save()
    context = chromium.new_context(viewport={"width": 1366, "height": 800}, locale="en")
    page = context.new_page()
    try:
        shared_sign_in(page, live_server, supervisor.user.email, "Sign in", to="/reports/?range=7")
        expect(page.get_by_role("heading", name="Customer satisfaction")).to_be_visible()
        # Four CSAT surveys, three answered, two of them 4 or 5; NPS (2 - 1) of 4 = 25.
        expect(page.get_by_text("2 of 3 rated 4 or 5")).to_be_visible()
        expect(page.get_by_text("Promoters 2 · passives 1 · detractors 1")).to_be_visible()
        page.screenshot(path=str(SHOTS / "week-en-desktop.png"), full_page=True)
    finally:
        context.close()
