"""A web chat channel set up from its settings page in a real browser: the admin creates
it with the shop's site, a colour and a greeting, pastes the snippet the page shows into a
static page on another origin, and the widget there wears that colour and says that
greeting; a later change of both on the page reaches the widget, with the same snippet.

Screenshots of the settings page of a web chat channel at 1366x800 and 360x740, in
Italian and English, go to /tmp/shots/widget/ for a person to look at (not committed)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from sportello.accounts.actions import create_agent
from sportello.accounts.models import Agent, Role
from sportello.channels.models import Channel
from tests.e2e.signing_in import PASSWORD, sign_in
from tests.e2e.test_webchat_widget import SHOP_PAGE, business_hours, shop_site
from tests.e2e.test_webchat_widget import SHOTS as SITE_SHOTS
from tests.outbound.helpers import make_email_channel
from tests.providers.webchat.helpers import make_webchat_channel

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots/widget")
SIZES = {"desktop": {"width": 1366, "height": 800}, "phone": {"width": 360, "height": 740}}


def _admin(workspace: Any) -> Agent:
    return create_agent(
        workspace,
        email="titolare@negozio.it",
        password=PASSWORD,
        role=Role.ADMIN,
        display_name="Titolare",
    )


def _shop_page(snippet: str) -> str:
    return SHOP_PAGE.format(
        lang="it",
        title="Scarpe fatte a mano",
        text="Spedizione gratuita sopra i 50 euro.",
        snippet=snippet,
    )


def test_colour_and_greeting_set_on_the_page_show_in_the_widget(
    chromium, live_server, settings, workspace
):
    from playwright.sync_api import expect

    # The snippet names the server by BASE_URL: here, the live server.
    settings.BASE_URL = live_server.url
    admin = _admin(workspace)
    business_hours(workspace.pk, open_now=True)  # the greeting shows while someone answers
    with shop_site({"placeholder.html": ""}) as origin:
        folder = SITE_SHOTS.parent / f"site-{threading.get_ident()}"
        desk = chromium.new_context(viewport=SIZES["desktop"], locale="it-IT")
        visitor = chromium.new_context(viewport=SIZES["desktop"], locale="it-IT")
        try:
            page = desk.new_page()
            sign_in(page, live_server, admin.user.email, to="/settings/channels/new/?kind=webchat")
            page.get_by_label("Nome", exact=True).fill("Chat del sito")
            page.get_by_label("Identificativo").fill("chat")
            page.get_by_label("Siti che mostrano la chat").fill(origin)
            page.get_by_label("Colore").fill("#8a3b12")
            page.get_by_label("Saluto in italiano").fill("Ciao! Siamo in bottega, scrivici.")
            page.get_by_role("button", name="Crea canale").click()
            expect(page.get_by_text("Canale “Chat del sito” creato.")).to_be_visible()
            snippet = page.locator("#embed-snippet").input_value()
            assert 'data-channel="' in snippet and live_server.url in snippet

            (folder / "index.html").write_text(_shop_page(snippet), encoding="utf-8")
            shop = visitor.new_page()
            shop.goto(f"{origin}/index.html")
            launcher = shop.get_by_role("button", name="Apri la chat")
            expect(launcher).to_have_css("background-color", "rgb(138, 59, 18)")
            launcher.click()
            status = shop.locator("#sportello-chat #status")
            expect(status).to_have_text("Ciao! Siamo in bottega, scrivici.")

            # A change on the page reaches the widget; the snippet stays the same.
            page.get_by_label("Colore").fill("#0b6e4f")
            page.get_by_label("Saluto in italiano").fill("Buongiorno! Come possiamo aiutarla?")
            page.get_by_role("button", name="Salva").click()
            expect(page.get_by_text("Canale “Chat del sito” salvato.")).to_be_visible()
            assert page.locator("#embed-snippet").input_value() == snippet
            shop.reload()
            launcher = shop.get_by_role("button", name="Apri la chat")
            expect(launcher).to_have_css("background-color", "rgb(11, 110, 79)")
            launcher.click()
            expect(status).to_have_text("Buongiorno! Come possiamo aiutarla?")
            config = Channel.objects.get(workspace=workspace, slug="chat").config
            assert config["allowed_origins"] == [origin] and config["color"] == "#0b6e4f"
        finally:
            visitor.close()
            desk.close()


def test_screenshots_of_a_web_chat_settings_page(chromium, live_server, workspace):
    SHOTS.mkdir(parents=True, exist_ok=True)
    admin = _admin(workspace)
    make_email_channel(workspace.pk, slug="posta")
    channel = make_webchat_channel(
        workspace.pk,
        allowed_origins=["https://www.negozio.it", "https://shop.negozio.it"],
        color="#8a3b12",
        greeting={"it": "Ciao! Siamo in negozio, scrivici.", "en": "Hi! We are in the shop."},
        offline_text={"it": "Ora siamo chiusi: lasciaci la tua email."},
        email_channel="posta",
        help_search=True,
    )
    for language, button in (("it", "Accedi"), ("en", "Sign in")):
        Agent.objects.filter(pk=admin.pk).update(language=language)
        for size, viewport in SIZES.items():
            context = chromium.new_context(viewport=viewport, locale=language)
            page = context.new_page()
            try:
                sign_in(page, live_server, admin.user.email, button)
                answer = page.goto(f"{live_server.url}/settings/channels/{channel.pk}/")
                assert answer is not None and answer.status == 200
                width = page.evaluate("document.documentElement.scrollWidth")
                assert width <= viewport["width"]
                page.screenshot(path=str(SHOTS / f"webchat-{language}-{size}.png"), full_page=True)
            finally:
                context.close()
