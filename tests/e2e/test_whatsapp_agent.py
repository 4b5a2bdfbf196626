"""An agent answers a WhatsApp customer in a real browser: the reply reaches a fake Graph
API, Meta's receipt turns it to "Read", and outside the 24-hour window the reply box says
why nothing can be sent, with Send disabled. Screenshots (1366x800 and 360x740, Italian
and English) are written to /tmp (``sportello-whatsapp-*.png``) for a person to look at."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from sportello.conversations.models import Conversation, Message
from sportello.core import clock
from tests.e2e.test_agent_flow import sign_in
from tests.providers.whatsapp.helpers import (
    customer_message,
    fake_graph,
    make_whatsapp_channel,
    post_signed,
    status_update,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = "/tmp/sportello-whatsapp-{name}.png"
SIZES = {"desktop": {"width": 1366, "height": 800}, "phone": {"width": 360, "height": 740}}


def _shoot(chromium: Any, live_server: Any, agent: Any, path: str, name: str) -> None:
    for size, viewport in SIZES.items():
        context = chromium.new_context(viewport=viewport, locale="it-IT")
        page = context.new_page()
        try:
            sign_in(page, live_server, agent.user.email, to=path)
            page.locator("#reply-form").scroll_into_view_if_needed()
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"], f"{path} is {width}px wide"
            page.screenshot(path=SCREENSHOTS.format(name=f"{name}-{agent.language}-{size}"))
        finally:
            context.close()


def test_agent_replies_on_whatsapp_and_sees_it_read(chromium, live_server, agent, workspace):
    from playwright.sync_api import expect

    webhook = Client()
    with fake_graph() as graph:
        channel = make_whatsapp_channel(workspace.pk, graph.url)
        post_signed(webhook, channel, customer_message("wamid.browser"))
        conversation = Message.objects.get(external_id="wamid.browser").conversation
        late = customer_message("wamid.tardi", wa_id="393471112233", name="Anna Ferretti")
        post_signed(webhook, channel, late)
        closed = Message.objects.get(external_id="wamid.tardi").conversation
        Conversation.objects.filter(pk=closed.pk).update(
            last_inbound_at=clock.now() - timedelta(hours=30)
        )

        context = chromium.new_context(viewport=SIZES["desktop"], locale="it-IT")
        page = context.new_page()
        try:
            sign_in(page, live_server, agent.user.email, to=f"/c/{conversation.number}/")
            page.get_by_label("Rispondi tramite WhatsApp").fill("Ci scusi, spediamo oggi.")
            page.get_by_role("button", name="Invia risposta").click()
            expect(page.locator(".message-out")).to_contain_text("spediamo oggi")
            [sent] = graph.sent_messages()
            assert sent.json()["to"] == "393331234567"

            wamid = Message.objects.get(text="Ci scusi, spediamo oggi.").external_id
            post_signed(webhook, channel, status_update(wamid, "delivered"))
            post_signed(webhook, channel, status_update(wamid, "read"))
            page.reload()
            expect(page.locator(".delivery-read")).to_have_text("Letto")

            page.goto(f"{live_server.url}/c/{closed.number}/")
            page.get_by_label("Rispondi tramite WhatsApp").fill("Buongiorno Anna")
            send = page.get_by_role("button", name="Invia risposta")
            expect(send).to_be_disabled()
            expect(page.locator("#sending-problem")).to_contain_text("più di 24 ore")
            # Ctrl+Enter does not send it either.
            page.get_by_label("Rispondi tramite WhatsApp").press("Control+Enter")
            assert len(graph.sent_messages()) == 1
        finally:
            context.close()

    for language in ("it", "en"):
        agent.language = language
        agent.save(update_fields=["language"])
        _shoot(chromium, live_server, agent, f"/c/{conversation.number}/", "read")
        _shoot(chromium, live_server, agent, f"/c/{closed.number}/", "window")
