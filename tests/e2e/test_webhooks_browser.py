"""Webhooks in a real browser: an admin adds one for the shop's receiver, copies its
secret, sends a test event that the receiver refuses once and then takes when sent again.
Screenshots at 1366x800 and 360x740, Italian and English, go to /tmp/shots/webhooks/ for a
person to look at (not committed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sportello.accounts.actions import create_agent
from sportello.accounts.models import Agent, Role
from sportello.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from tests.e2e.signing_in import sign_in as shared_sign_in
from tests.providers.fake_http import Reply, fake_provider

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "password-123"
SHOTS = Path("/tmp/shots/webhooks")
SIZES = {"desktop": {"width": 1366, "height": 800}, "phone": {"width": 360, "height": 740}}
BUTTONS = {"it": "Accedi", "en": "Sign in"}
HOOK = "/hooks/sportello"


def sign_in(page: Any, live_server: Any, agent: Agent) -> None:
    shared_sign_in(page, live_server, agent.user.email, BUTTONS[agent.language])


def test_an_admin_adds_a_webhook_tests_it_and_sends_a_failed_event_again(
    chromium, live_server, workspace, settings
):
    from playwright.sync_api import expect

    settings.WEBHOOKS_ALLOW_PRIVATE = True
    SHOTS.mkdir(parents=True, exist_ok=True)
    admin = create_agent(workspace, email="titolare@negozio.it", password=PASSWORD, role=Role.ADMIN)
    with fake_provider() as receiver:
        receiver.route("POST", HOOK, Reply(200, {"ok": True}))
        receiver.then("POST", HOOK, Reply(400, {"error": "firma non valida"}))
        context = chromium.new_context(viewport=SIZES["desktop"], locale="it")
        page = context.new_page()
        try:
            sign_in(page, live_server, admin)
            page.goto(f"{live_server.url}/settings/channels/")
            page.get_by_role("link", name="Webhook", exact=True).click()
            page.get_by_role("link", name="Aggiungi un webhook").click()
            page.get_by_label("Descrizione").fill("Negozio online")
            page.get_by_label("URL").fill("http://8.8.8.8/hook")
            page.get_by_label("Messaggio ricevuto").check()
            page.get_by_label("Risposta inviata").check()
            page.get_by_role("button", name="Crea il webhook").click()
            expect(page.get_by_text("http semplice solo verso indirizzi locali")).to_be_visible()
            page.screenshot(path=str(SHOTS / "refused-it-desktop.png"), full_page=True)

            page.get_by_label("URL").fill(receiver.url + HOOK)
            page.get_by_role("button", name="Crea il webhook").click()
            expect(page.get_by_text("non sarà più mostrato")).to_be_visible()
            secret = page.get_by_label("Segreto di firma").input_value()
            page.screenshot(path=str(SHOTS / "secret-it-desktop.png"), full_page=True)

            page.get_by_role("button", name="Invia un evento di prova").click()
            expect(page.get_by_text("Evento di prova inviato")).to_be_visible()
            expect(page.get_by_text("HTTP 400")).to_be_visible()
            page.get_by_role("button", name="Invia di nuovo").click()
            expect(page.get_by_text("Evento inviato di nuovo")).to_be_visible()
            expect(page.locator(".delivery-row .badge-on")).to_have_count(1)
        finally:
            context.close()
        subscription = WebhookSubscription.objects.get(workspace=workspace)
        assert subscription.secret == secret
        assert subscription.events == ["message.received", "reply.sent"]
        statuses = list(WebhookDelivery.objects.order_by("pk").values_list("status", flat=True))
        assert statuses == [DeliveryStatus.FAILED, DeliveryStatus.SUCCEEDED]
        assert [r.json()["type"] for r in receiver.sent("POST", HOOK)] == ["ping", "ping"]

    pages = {
        "list": "/settings/webhooks/",
        "webhook": f"/settings/webhooks/{subscription.pk}/",
        "new": "/settings/webhooks/new/",
    }
    for language in ("it", "en"):
        Agent.objects.filter(pk=admin.pk).update(language=language)
        admin.refresh_from_db()
        for size, viewport in SIZES.items():
            context = chromium.new_context(viewport=viewport, locale=language)
            page = context.new_page()
            try:
                sign_in(page, live_server, admin)
                for name, path in pages.items():
                    answer = page.goto(f"{live_server.url}{path}")
                    assert answer is not None and answer.status == 200, path
                    page.screenshot(
                        path=str(SHOTS / f"{name}-{language}-{size}.png"), full_page=True
                    )
            finally:
                context.close()
