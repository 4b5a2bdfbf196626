"""An agent calls back a customer whose calls were missed, in a real browser: the call
box says "Richiamare" with the missed calls and the due time, the outcome is logged with
a note, and the thread shows it. Screenshots (1366x800 and 360x740, Italian and English)
go to /tmp/shots/phone/ for a person to look at."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sportello.conversations.models import Conversation
from sportello.providers.phone.models import Callback, CallbackStatus
from tests.e2e.test_agent_flow import sign_in
from tests.providers.phone.helpers import call_event, make_phone_channel, post_event

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/shots/phone/{name}.png"
SIZES = {"desktop": {"width": 1366, "height": 800}, "phone": {"width": 360, "height": 740}}


def _shoot(browser: Any, live_server: Any, agent: Any, path: str, name: str) -> None:
    for size, viewport in SIZES.items():
        context = browser.new_context(viewport=viewport, locale="it-IT")
        page = context.new_page()
        try:
            sign_in(page, live_server, agent.user.email, to=path)
            page.locator("#callback-box").scroll_into_view_if_needed()
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"], f"{path} is {width}px wide"
            page.screenshot(path=SHOTS.format(name=f"{name}-{agent.language}-{size}"))
        finally:
            context.close()


def test_agent_calls_back_and_logs_the_outcome(chromium, live_server, agent, workspace):
    from playwright.sync_api import expect

    webhook = Client()
    channel = make_phone_channel(workspace.pk)
    for call_id in ("c-1", "c-2", "c-3"):
        answer = post_event(webhook, channel, call_event("missed", call_id))
    conversation = Conversation.objects.get(pk=answer.json()["conversation_id"])
    path = f"/c/{conversation.number}/"
    for language in ("it", "en"):
        agent.language = language
        agent.save(update_fields=["language"])
        _shoot(chromium, live_server, agent, path, "callback")
    agent.language = "it"
    agent.save(update_fields=["language"])

    context = chromium.new_context(viewport=SIZES["desktop"], locale="it-IT")
    page = context.new_page()
    try:
        sign_in(page, live_server, agent.user.email, to=path)
        box = page.locator("#callback-box")
        expect(box).to_contain_text("Richiamare")
        expect(box).to_contain_text("3 chiamate perse")
        box.get_by_label("Lasciato messaggio in segreteria").check()
        box.get_by_placeholder("Cosa vi siete detti").fill("Richiamerà dopo le 15")
        box.get_by_role("button", name="Registra la chiamata").click()
        expect(page.locator("#thread")).to_contain_text(
            "Cliente richiamato: lasciato messaggio in segreteria"
        )
        expect(page.locator("#callback-box")).to_contain_text("1 tentativo")
        page.locator("#callback-box").get_by_label("Raggiunto").check()
        page.locator("#callback-box").get_by_role("button", name="Registra la chiamata").click()
        expect(page.locator("#callback-box")).to_contain_text("Richiamato")
    finally:
        context.close()
    assert Callback.objects.get().status == CallbackStatus.DONE
    for language in ("it", "en"):
        agent.language = language
        agent.save(update_fields=["language"])
        _shoot(chromium, live_server, agent, path, "called-back")
