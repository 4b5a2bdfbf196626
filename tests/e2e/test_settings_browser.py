"""Settings and two-factor authentication in a real browser: enrolment with a QR code, then
signing in with a code. Screenshots of the settings pages, the profile's two-factor section
and the 404 page, at 1366x800 and 360x740, in Italian and English, go to
/tmp/shots/settings/ for a person to look at (not committed)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from sportello.accounts import totp
from sportello.accounts.actions import begin_two_factor, create_agent, create_team
from sportello.accounts.models import Agent, Role, TwoFactor
from sportello.core import clock
from tests.e2e.signing_in import sign_in as shared_sign_in
from tests.outbound.helpers import make_email_channel

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "password-123"
SHOTS = Path("/tmp/shots/settings")
SIZES = {"desktop": {"width": 1366, "height": 800}, "phone": {"width": 360, "height": 740}}


def sign_in(page: Any, live_server: Any, email: str, button: str = "Accedi") -> None:
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=button).click()


def test_two_factor_enrolment_then_sign_in_with_a_code(chromium, live_server, agent):
    from playwright.sync_api import expect

    context = chromium.new_context(viewport=SIZES["desktop"], locale="it-IT")
    page = context.new_page()
    try:
        sign_in(page, live_server, agent.user.email)
        page.wait_for_url(f"{live_server.url}/")
        page.goto(f"{live_server.url}/profile/")
        page.get_by_role("button", name="Attiva l'autenticazione a due fattori").click()
        expect(page.locator(".qr svg")).to_be_visible()
        secret = page.locator("[data-secret]").inner_text().replace(" ", "")
        code = totp.code_at(secret, totp.step_at(clock.now()))
        page.get_by_label("Codice").fill(code)
        page.get_by_role("button", name="Attiva", exact=True).click()
        expect(page.get_by_text("L'autenticazione a due fattori è attiva.")).to_be_visible()
        expect(page.locator(".recovery-codes li")).to_have_count(10)
        page.get_by_role("button", name="Esci").click()

        sign_in(page, live_server, agent.user.email)
        page.wait_for_url(f"{live_server.url}/login/code/")
        expect(page.get_by_role("heading", name="Autenticazione a due fattori")).to_be_visible()
        page.get_by_label("Codice dell'app di autenticazione").fill("000000")
        page.get_by_role("button", name="Verifica").click()
        expect(page.get_by_text("Il codice non è giusto")).to_be_visible()
        factor = TwoFactor.objects.get(user=agent.user)
        next_code = totp.code_at(factor.secret, factor.last_step + 1)
        page.get_by_label("Codice dell'app di autenticazione").fill(next_code)
        page.get_by_role("button", name="Verifica").click()
        page.wait_for_url(f"{live_server.url}/")
        expect(page.get_by_role("link", name=re.compile("Giulia Bianchi"))).to_be_visible()
    finally:
        context.close()


def _world(workspace: Any) -> tuple[Agent, int]:
    admin = create_agent(
        workspace,
        email="titolare@negozio.it",
        password=PASSWORD,
        role=Role.ADMIN,
        display_name="Chiara Fontana",
    )
    marco = create_agent(workspace, email="marco@negozio.it", password=PASSWORD)
    create_team(workspace, "Resi", [marco])
    create_team(workspace, "Vendite", [])
    channel = make_email_channel(
        workspace.pk,
        slug="assistenza",
        smtp_port=None,
        imap={
            "host": "imap.negozio.it",
            "port": 993,
            "ssl": True,
            "starttls": False,
            "user": "assistenza@negozio.it",
            "password": "segreta",
        },
        smtp={
            "host": "smtp.negozio.it",
            "port": 587,
            "ssl": False,
            "starttls": True,
            "user": "assistenza@negozio.it",
            "password": "segreta",
        },
    )
    return admin, channel.pk


def test_screenshots_of_the_settings_pages(chromium, live_server, workspace):
    SHOTS.mkdir(parents=True, exist_ok=True)
    admin, channel_id = _world(workspace)
    begin_two_factor(admin.user)  # the profile shows the QR code
    pages = {
        "channels": "/settings/channels/",
        "channel-edit": f"/settings/channels/{channel_id}/",
        "agents": "/settings/agents/",
        "profile-2fa": "/profile/#two-factor",
        "404": "/nessuna-pagina/",
    }
    for language, button in (("it", "Accedi"), ("en", "Sign in")):
        Agent.objects.filter(pk=admin.pk).update(language=language)
        for size, viewport in SIZES.items():
            context = chromium.new_context(viewport=viewport, locale=language)
            page = context.new_page()
            try:
                shared_sign_in(page, live_server, admin.user.email, button)
                for name, path in pages.items():
                    answer = page.goto(f"{live_server.url}{path}")
                    assert answer is not None
                    assert answer.status == (404 if name == "404" else 200), path
                    assert "segreta" not in page.content()
                    page.screenshot(
                        path=str(SHOTS / f"{name}-{language}-{size}.png"), full_page=True
                    )
            finally:
                context.close()
