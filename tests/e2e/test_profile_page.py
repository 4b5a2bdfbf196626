"""The agent's profile in a real browser: a named token made and revoked with htmx, the
language switched to English. Screenshots of /profile/ on a desktop (1366x800) and a 360 px
phone, in Italian and English, go to /tmp (``sportello-profile-*.png``) for a person to look at.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from sportello.accounts.actions import issue_token
from tests.e2e.signing_in import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = "/tmp/sportello-profile-{name}.png"
SIZES = {"desktop": {"width": 1366, "height": 800}, "phone": {"width": 360, "height": 740}}


def screenshots(chromium: Any, live_server: Any, email: str, language: str) -> None:
    button = "Accedi" if language == "it" else "Sign in"
    for size, viewport in SIZES.items():
        context = chromium.new_context(viewport=viewport, locale=language)
        page = context.new_page()
        try:
            sign_in(page, live_server, email, button)
            page.goto(f"{live_server.url}/profile/")
            page.screenshot(path=SCREENSHOTS.format(name=f"{language}-{size}"), full_page=True)
        finally:
            context.close()


def test_an_agent_makes_a_token_and_switches_to_english(chromium, live_server, agent):
    from playwright.sync_api import expect

    issue_token(agent, "Gestionale ordini")
    context = chromium.new_context(viewport=SIZES["desktop"], locale="it-IT")
    page = context.new_page()
    try:
        sign_in(page, live_server, agent.user.email, "Accedi")
        page.get_by_role("link", name=re.compile("Giulia Bianchi")).click()
        page.wait_for_url(f"{live_server.url}/profile/")
        expect(page.get_by_role("heading", name="Il tuo profilo")).to_be_visible()

        page.get_by_label("Nome", exact=True).fill("Zapier")
        page.get_by_role("button", name="Crea token").click()
        key = page.locator("#new-key")
        expect(key).to_have_value(re.compile(r"^spt_"))
        expect(page.locator(".token-row")).to_have_count(2)
        page.screenshot(path=SCREENSHOTS.format(name="new-key"), full_page=True)

        page.once("dialog", lambda dialog: dialog.accept())
        page.locator(".token-row", has_text="Zapier").get_by_role("button", name="Revoca").click()
        expect(page.locator(".token-row")).to_have_count(1)
        expect(page.locator("#new-key")).to_have_count(0)

        page.get_by_label("Lingua").select_option("en")
        page.get_by_label("Firma").fill("Giulia Bianchi\nNegozio Bianchi")
        page.get_by_role("button", name="Salva", exact=True).click()
        expect(page.get_by_role("heading", name="Your profile")).to_be_visible()
        expect(page.get_by_text("Profile saved.")).to_be_visible()
    finally:
        context.close()

    screenshots(chromium, live_server, agent.user.email, "en")
    agent.language = "it"
    agent.save(update_fields=["language"])
    screenshots(chromium, live_server, agent.user.email, "it")


def test_the_sign_in_and_reset_cards_say_what_happened(chromium, live_server, agent):
    """A locked-out sign-in and a reset request, on a phone (``sportello-profile-card-*``)."""
    from playwright.sync_api import expect

    context = chromium.new_context(viewport=SIZES["phone"], locale="it-IT")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/login/")
        for _ in range(6):
            page.get_by_label("Email").fill(agent.user.email)
            page.get_by_label("Password").fill("sbagliata")
            page.get_by_role("button", name="Accedi").click()
            page.wait_for_load_state()
        expect(page.get_by_role("alert")).to_contain_text("Troppi accessi non riusciti")
        page.screenshot(path=SCREENSHOTS.format(name="card-locked"), full_page=True)

        page.get_by_role("link", name="Password dimenticata?").click()
        page.get_by_label("Email").fill(agent.user.email)
        page.get_by_role("button", name="Invia il link").click()
        expect(page.get_by_role("heading", name="Controlla la tua email")).to_be_visible()
        page.screenshot(path=SCREENSHOTS.format(name="card-sent"), full_page=True)
    finally:
        context.close()
