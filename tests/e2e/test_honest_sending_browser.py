"""Honest sending in a real browser: a reply box whose channel cannot deliver has its Send
buttons disabled, the reason beside them (``aria-describedby``), Ctrl+Enter sends nothing,
and a note still goes in. Screenshots of the reply box's states (1366x800 and 360x740,
Italian and English) are written to /tmp/shots/send/ for a person to look at."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sportello.channels.models import Channel
from sportello.conversations.models import Conversation, Kind
from tests.e2e.test_agent_flow import customer_writes, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots/send")
SIZES = {"desktop": {"width": 1366, "height": 800}, "phone": {"width": 360, "height": 740}}


def shoot(chromium: Any, live_server: Any, agent: Any, path: str, name: str) -> None:
    """The page at ``path`` in both sizes and both languages, scrolled to the reply box;
    it must not be wider than the screen."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for language in ("it", "en"):
        agent.language = language
        agent.save(update_fields=["language"])
        for size, viewport in SIZES.items():
            context = chromium.new_context(viewport=viewport, locale="it-IT")
            page = context.new_page()
            try:
                sign_in(page, live_server, agent.user.email, to=path)
                page.locator("#reply-form").scroll_into_view_if_needed()
                width = page.evaluate("document.documentElement.scrollWidth")
                assert width <= viewport["width"], f"{path} is {width}px wide"
                page.screenshot(path=str(SHOTS / f"{name}-{language}-{size}.png"))
            finally:
                context.close()
    agent.language = "it"
    agent.save(update_fields=["language"])


def test_send_is_disabled_where_the_reply_cannot_arrive(chromium, live_server, agent, workspace):
    from playwright.sync_api import expect

    broken = Channel.objects.create(
        workspace=workspace,
        kind="email",
        name="Email vecchia",
        slug="vecchia",
        config={"address": "vecchia@negozio.it"},
    )
    number = customer_writes(
        broken, "Il pacco è arrivato rotto", "Pacco rotto", "lucia@example.it", "Lucia Bianchi"
    )
    conversation = Conversation.objects.get(workspace=workspace, number=number)

    context = chromium.new_context(viewport=SIZES["desktop"], locale="it-IT")
    page = context.new_page()
    try:
        sign_in(page, live_server, agent.user.email, to=f"/c/{conversation.number}/")
        send = page.get_by_role("button", name="Invia risposta")
        resolve = page.get_by_role("button", name="Invia e risolvi")
        expect(send).to_be_disabled()
        expect(resolve).to_be_disabled()
        expect(send).to_have_attribute("aria-describedby", "send-off sending-problem")
        expect(page.locator("#send-off")).to_contain_text("Invio disattivato")
        expect(page.locator("#sending-problem")).to_contain_text("SMTP")

        box = page.get_by_label("Rispondi tramite Email vecchia")
        box.fill("Le rimborsiamo il pacco.")
        box.press("Control+Enter")
        page.wait_for_timeout(300)  # a send would have swapped the box by now
        assert not conversation.messages.filter(direction="out", kind=Kind.MESSAGE).exists()

        page.get_by_text("Aggiungi una nota interna").click()
        page.get_by_label("Nota interna (la vedono solo gli agenti)").fill("Da richiamare")
        page.get_by_role("button", name="Aggiungi nota").click()
        expect(page.locator("#thread")).to_contain_text("Da richiamare")
        assert conversation.messages.filter(kind=Kind.NOTE).count() == 1
    finally:
        context.close()

    shoot(chromium, live_server, agent, f"/c/{conversation.number}/", "send-off")


def test_a_merged_conversation_replies_on_the_channel_picked(
    chromium, live_server, agent, workspace, settings, tmp_path
):
    """GIVEN Mario's email and WhatsApp conversations merged WHEN the agent opens it THEN
    the box sends on WhatsApp (his latest message); picking email swaps the box's channel
    without losing the text, and Send delivers the email to the SMTP server."""
    from django.test import Client
    from playwright.sync_api import expect

    from sportello.conversations.actions.merge import merge_conversations
    from sportello.conversations.models import Message
    from sportello.customers.actions import add_identities
    from tests.outbound.helpers import customer_email, make_email_channel, smtp_sink
    from tests.providers.whatsapp.helpers import (
        customer_message,
        fake_graph,
        make_whatsapp_channel,
        post_signed,
    )

    settings.MEDIA_ROOT = tmp_path / "media"
    with smtp_sink() as sink, fake_graph() as graph:
        email = make_email_channel(workspace.pk, smtp_port=sink.port)
        first = customer_email(email)
        add_identities(first.customer, [("whatsapp", "+393331234567")])
        whatsapp = make_whatsapp_channel(workspace.pk, graph.url)
        post_signed(Client(), whatsapp, customer_message("wamid.mario", wa_id="393331234567"))
        second = Message.objects.get(external_id="wamid.mario").conversation
        merge_conversations(workspace.pk, first.pk, second.pk, by=agent)

        context = chromium.new_context(viewport=SIZES["desktop"], locale="it-IT")
        page = context.new_page()
        try:
            sign_in(page, live_server, agent.user.email, to=f"/c/{first.number}/")
            expect(page.get_by_label("Invia su")).to_have_value(str(whatsapp.pk))
            box = page.get_by_label("Rispondi tramite WhatsApp")
            box.fill("Le mandiamo la fattura per email.")
            page.get_by_label("Invia su").select_option(str(email.pk))
            expect(page.get_by_label("Rispondi tramite Posta")).to_have_value(
                "Le mandiamo la fattura per email."
            )
            page.get_by_role("button", name="Invia risposta").click()
            expect(page.locator(".message-out")).to_contain_text("fattura per email")
            page.wait_for_timeout(500)
        finally:
            context.close()
        assert [r for _, r, _ in sink.received] == [["mario.rossi@example.it"]]
        assert graph.sent_messages() == []
        shoot(chromium, live_server, agent, f"/c/{first.number}/", "merged")


def test_the_box_offers_to_write_on_another_channel(chromium, live_server, agent, workspace):
    """GIVEN a conversation whose channel cannot send and a customer with a phone number
    WHEN the agent follows "write on SMS instead" THEN the new-message page is for SMS, to
    that number, linked to the conversation."""
    from playwright.sync_api import expect

    from sportello.customers.actions import add_identities
    from tests.providers.sms.helpers import make_sms_channel

    broken = Channel.objects.create(
        workspace=workspace,
        kind="email",
        name="Email vecchia",
        slug="vecchia",
        config={"address": "vecchia@negozio.it"},
    )
    number = customer_writes(
        broken, "Il pacco è arrivato rotto", "Pacco rotto", "lucia@example.it", "Lucia Bianchi"
    )
    conversation = Conversation.objects.get(workspace=workspace, number=number)
    add_identities(conversation.customer, [("phone", "+393471234567")])
    make_sms_channel(workspace.pk)

    context = chromium.new_context(viewport=SIZES["desktop"], locale="it-IT")
    page = context.new_page()
    try:
        sign_in(page, live_server, agent.user.email, to=f"/c/{number}/")
        page.get_by_role("link", name="Scrivi invece su SMS a +39 347 123 4567").click()
        expect(page.get_by_role("heading", name="Nuovo messaggio")).to_be_visible()
        expect(page.get_by_label("Al", exact=True)).to_have_value("+393471234567")
        expect(page.get_by_role("button", name="Invia su SMS")).to_be_enabled()
    finally:
        context.close()
    shoot(chromium, live_server, agent, f"/c/{number}/", "other-way")
