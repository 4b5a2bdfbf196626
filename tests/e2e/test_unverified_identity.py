"""An agent sees that a sender's address was kept as written, in a real browser.

Mail from ``"your secret past" <power quadrant system@example.com>`` arrives over LMTP; the
agent opens the conversation and the customer's page, in Italian and in English, on a
desktop and on a 360 px phone. Screenshots go to /tmp (``sportello-unverified-*.png``).
"""

from __future__ import annotations

import smtplib

import pytest

from sportello.conversations.models import Kind, Message
from sportello.providers.email.lmtp import start_lmtp_server
from tests.e2e.test_agent_flow import sign_in
from tests.outbound.helpers import SHOP_ADDRESS, free_port, make_email_channel

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ODD_MAIL = (
    b'From: "your secret past" <power quadrant system@example.com>\r\n'
    b"To: " + SHOP_ADDRESS.encode() + b"\r\nSubject: Come va?\r\n"
    b"Message-ID: <odd-e2e@example.com>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
    b"Buongiorno, vorrei sapere se il mio ordine 4521 \xc3\xa8 partito.\r\n"
)
SIZES = {"desktop": (1366, 800), "phone": (360, 740)}
BADGE = {"it": "non verificato", "en": "unverified"}


@pytest.fixture
def odd_sender_wrote(workspace, settings, tmp_path) -> Message:
    settings.MEDIA_ROOT = tmp_path
    make_email_channel(workspace.pk)
    server = start_lmtp_server("127.0.0.1", free_port())
    try:
        with smtplib.LMTP("127.0.0.1", server.port, timeout=30) as lmtp:
            lmtp.ehlo_or_helo_if_needed()
            lmtp.mail("postmaster@mx.example.net")
            lmtp.rcpt(SHOP_ADDRESS)
            code, text = lmtp.data(ODD_MAIL)
        assert code == 250, text
    finally:
        server.stop()
    return Message.objects.select_related("conversation").get(kind=Kind.MESSAGE)


@pytest.mark.parametrize("language", ["it", "en"])
def test_agent_sees_an_address_kept_as_written_marked_unverified(
    chromium, live_server, agent, odd_sender_wrote, language
):
    from playwright.sync_api import expect

    agent.language = language
    agent.save(update_fields=["language"])
    conversation = odd_sender_wrote.conversation
    # Signing in happens before the agent is known: the sign-in page speaks Italian.
    context = chromium.new_context(viewport={"width": 1366, "height": 800}, locale="it-IT")
    page = context.new_page()
    try:
        sign_in(page, live_server, agent.user.email)
        for name, (width, height) in SIZES.items():
            page.set_viewport_size({"width": width, "height": height})
            page.goto(f"{live_server.url}/c/{conversation.number}/")
            badge = page.locator(".identities .badge-unverified").first
            expect(badge).to_have_text(BADGE[language])
            page.screenshot(path=f"/tmp/sportello-unverified-conversation-{language}-{name}.png")
            page.goto(f"{live_server.url}/customers/{conversation.customer_id}/")
            expect(page.locator(".identity-value")).to_have_text(
                "power quadrant system@example.com"
            )
            expect(page.locator(".identities .badge-unverified")).to_have_text(BADGE[language])
            page.screenshot(
                path=f"/tmp/sportello-unverified-customer-{language}-{name}.png", full_page=True
            )
        page.goto(f"{live_server.url}/customers/")
        expect(page.get_by_text(f"({BADGE[language]})")).to_be_visible()
    finally:
        context.close()
