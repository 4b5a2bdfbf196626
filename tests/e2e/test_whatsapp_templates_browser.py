"""An agent writes to a WhatsApp customer whose 24-hour window closed: the reply box says
why and offers the approved templates; the agent fills one and sends it, and the fake
Graph API receives the template. An admin syncs the templates on the channel's settings
page. Screenshots (1366x800 and 360x740, Italian and English) go to /tmp/shots/whatsapp/
for a person to look at."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from sportello.accounts.models import Role
from sportello.channels.actions import update_channel
from sportello.conversations.models import Conversation, Message
from sportello.core import clock
from tests.e2e.test_agent_flow import sign_in
from tests.providers.fake_http import Recorded, Reply
from tests.providers.whatsapp.helpers import (
    VERSION,
    customer_message,
    fake_graph,
    make_whatsapp_channel,
    post_signed,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots/whatsapp")
SIZES = {"desktop": {"width": 1366, "height": 800}, "phone": {"width": 360, "height": 740}}
WABA_ID = "102290129340398"
TEMPLATES = [
    {
        "name": "conferma_ordine",
        "language": "it",
        "status": "APPROVED",
        "category": "UTILITY",
        "components": [
            {"type": "BODY", "text": "Gentile {{1}}, la sua richiesta n. {{2}} è in lavorazione."}
        ],
    },
    {
        "name": "order_update",
        "language": "en_US",
        "status": "APPROVED",
        "category": "UTILITY",
        "components": [{"type": "BODY", "text": "Hello {{1}}, about your request {{2}}."}],
    },
    {
        "name": "promo_estate",
        "language": "it",
        "status": "REJECTED",
        "category": "MARKETING",
        "components": [{"type": "BODY", "text": "Sconti!"}],
    },
]


def _shoot(chromium: Any, live_server: Any, agent: Any, path: str, name: str, anchor: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for size, viewport in SIZES.items():
        context = chromium.new_context(viewport=viewport, locale="it-IT")
        page = context.new_page()
        try:
            sign_in(page, live_server, agent.user.email, to=path)
            page.locator(anchor).scroll_into_view_if_needed()
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"], f"{path} is {width}px wide"
            page.screenshot(path=str(SHOTS / f"{name}-{agent.language}-{size}.png"))
        finally:
            context.close()


def test_agent_sends_a_template_when_the_window_is_closed(chromium, live_server, agent, workspace):
    from playwright.sync_api import expect

    agent.role = Role.ADMIN
    agent.save(update_fields=["role"])
    webhook = Client()
    with fake_graph() as graph:
        graph.fake.route(
            "GET", f"/{VERSION}/{WABA_ID}/message_templates", Reply(json={"data": TEMPLATES})
        )
        made = make_whatsapp_channel(workspace.pk, graph.url)
        channel = update_channel(made, config={**made.config, "waba_id": WABA_ID})
        post_signed(webhook, channel, customer_message("wamid.tardi", name="Anna Ferretti"))
        closed = Message.objects.get(external_id="wamid.tardi").conversation
        Conversation.objects.filter(pk=closed.pk).update(
            last_inbound_at=clock.now() - timedelta(hours=30), language="it"
        )

        context = chromium.new_context(viewport=SIZES["desktop"], locale="it-IT")
        page = context.new_page()
        try:
            sign_in(page, live_server, agent.user.email, to=f"/settings/channels/{channel.pk}/")
            page.get_by_role("button", name="Sincronizza i modelli").click()
            expect(page.locator("body")).to_contain_text("Modelli sincronizzati: 3")

            page.goto(f"{live_server.url}/c/{closed.number}/")
            picker = page.locator("#whatsapp-templates")
            expect(picker).to_contain_text("più di 24 ore")
            expect(picker.locator("summary").first).to_contain_text("conferma_ordine")
            expect(picker).not_to_contain_text("promo_estate")
            first = picker.locator("details").first
            expect(first.get_by_label("Valore per {{1}}")).to_have_value("Anna Ferretti")
            first.get_by_label("Valore per {{2}}").fill("A-77")
            first.get_by_role("button", name="Invia il modello").click()
            expect(page.locator(".message-out")).to_contain_text(
                "Gentile Anna Ferretti, la sua richiesta n. A-77 è in lavorazione."
            )
            sent = [r for r in graph.sent_messages() if isinstance(r, Recorded)]
            assert [r.json()["type"] for r in sent] == ["template"]
        finally:
            context.close()

        for language in ("it", "en"):
            agent.language = language
            agent.save(update_fields=["language"])
            _shoot(
                chromium,
                live_server,
                agent,
                f"/c/{closed.number}/",
                "reply-box",
                "#whatsapp-templates",
            )
            _shoot(
                chromium,
                live_server,
                agent,
                f"/settings/channels/{channel.pk}/",
                "channel-settings",
                "#whatsapp-templates",
            )
