"""Canned replies and macros in a real browser: "/" typed in the reply box opens the list,
the keyboard picks a reply, the text rendered for the customer lands in the box and is
sent; a macro is applied from the header's menu.

Screenshots of the reply box with the list open, the macro menu and the page that keeps
the replies, on a desktop (1366x800) and a 360 px phone, in Italian and English, go to
/tmp/shots/canned/ for a person to look at."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sportello.accounts.models import Agent, Role
from sportello.automation.replies import create_canned_reply, create_macro
from sportello.conversations.models import Conversation, Direction, Kind, Message, Status
from sportello.ingest.inbound import InboundMessage, Sender
from sportello.ingest.pipeline import ingest
from tests.e2e.signing_in import sign_in as shared_sign_in
from tests.factories import AgentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "password-123"  # tests.factories.UserFactory's
SHOTS = Path("/tmp/shots/canned")
SIZES = {"desktop": {"width": 1366, "height": 800}, "phone": {"width": 360, "height": 740}}
SIGN_IN = {"it": "Accedi", "en": "Sign in"}


@pytest.fixture
def shop(api_channel, agent) -> dict[str, Any]:
    """A customer's question, the shop's shared replies and macros, one personal reply."""
    admin = AgentFactory(workspace=agent.workspace, role=Role.ADMIN, display_name="Anna Capo")
    result = ingest(
        InboundMessage(
            workspace_id=api_channel.workspace_id,
            channel_id=api_channel.pk,
            sender=Sender(name="Chiara Fontana", email="chiara@example.it"),
            subject="Ordine 4521 in ritardo",
            text="Buongiorno, il mio ordine 4521 doveva arrivare ieri. Quando arriva?",
            external_id="e2e-canned-1",
        )
    )
    shipped = create_canned_reply(
        admin,
        title="Pacco spedito",
        shortcut="spedito",
        body="Ciao {{ customer.first_name }}, il tuo pacco è partito oggi. {{ agent.name }}",
        language="it",
        shared=True,
    )
    create_canned_reply(
        admin,
        title="Tempi di spedizione",
        shortcut="spedizioni",
        body="Spediamo in 24 ore lavorative; la consegna richiede 2-3 giorni.",
        language="it",
        shared=True,
    )
    create_canned_reply(
        admin,
        title="Resi gratuiti",
        shortcut="resi",
        body="I resi sono gratuiti entro 30 giorni dalla consegna.",
        shared=True,
    )
    create_canned_reply(agent, title="Firma", shortcut="firma", body="Un saluto,\n{{ agent.name }}")
    create_macro(
        admin,
        name="Spedito e in attesa",
        canned_reply_id=shipped.pk,
        add_tags=["spedizione"],
        status="pending",
    )
    create_macro(admin, name="Urgente al team", priority=3, note="Cliente in attesa da ieri")
    number = Conversation.objects.get(pk=result.conversation_id).number
    return {"number": number, "conversation_id": result.conversation_id}


def sign_in(page: Any, live_server: Any, agent: Agent, language: str = "it") -> None:
    shared_sign_in(page, live_server, agent.user.email, SIGN_IN[language])


def open_the_list_on_firma(page: Any, live_server: Any, agent: Agent, shop: dict[str, Any]) -> Any:
    """Signed in on the conversation, the list opened by its button and searched for
    "firma": its one option."""
    from playwright.sync_api import expect

    sign_in(page, live_server, agent)
    page.goto(f"{live_server.url}/c/{shop['number']}/")
    page.get_by_role("button", name="Risposte pronte").click()
    search = page.get_by_role("combobox", name="Cerca tra le risposte pronte")
    expect(search).to_be_focused()
    search.type("firma")
    options = page.locator("#canned-list").get_by_role("option")
    expect(options).to_have_count(1)
    return options


def test_slash_opens_the_list_and_the_keyboard_inserts_a_reply(chromium, live_server, agent, shop):
    from playwright.sync_api import expect

    context = chromium.new_context(viewport=SIZES["desktop"], locale="it-IT")
    page = context.new_page()
    try:
        sign_in(page, live_server, agent)
        page.goto(f"{live_server.url}/c/{shop['number']}/")
        box = page.locator("#reply_text")
        box.click()
        box.type("Buongiorno! /sped")
        listbox = page.get_by_role("listbox", name="Risposte pronte")
        expect(listbox).to_be_visible()
        options = listbox.get_by_role("option")
        expect(options).to_have_count(2)  # /spedito and /spedizioni, not /resi
        expect(options.nth(0)).to_have_attribute("aria-selected", "true")
        expect(box).to_have_attribute("aria-activedescendant", options.nth(0).get_attribute("id"))

        box.press("ArrowDown")
        expect(options.nth(1)).to_have_attribute("aria-selected", "true")
        box.press("ArrowUp")
        expect(options.nth(0)).to_have_attribute("aria-selected", "true")
        box.press("Enter")

        expect(listbox).to_be_hidden()
        expect(box).to_have_value(
            "Buongiorno! Ciao Chiara, il tuo pacco è partito oggi. Giulia Bianchi"
        )
        # Escape closes the list and leaves what was typed.
        box.type(" /resi")
        expect(listbox).to_be_visible()
        expect(options).to_have_count(1)
        box.press("Escape")
        expect(listbox).to_be_hidden()
        expect(box).to_have_value(
            "Buongiorno! Ciao Chiara, il tuo pacco è partito oggi. Giulia Bianchi /resi"
        )
        for _ in " /resi":
            box.press("Backspace")

        page.get_by_role("button", name="Invia risposta").click()
        expect(page.locator("#thread")).to_contain_text("il tuo pacco è partito oggi")
        sent = Message.objects.get(
            conversation_id=shop["conversation_id"],
            kind=Kind.MESSAGE,
            direction=Direction.OUTBOUND,
            sender_agent_id=agent.pk,
        )
        assert sent.text == "Buongiorno! Ciao Chiara, il tuo pacco è partito oggi. Giulia Bianchi"
    finally:
        context.close()


def test_the_button_list_and_a_macro_from_the_menu(chromium, live_server, agent, shop):
    from playwright.sync_api import expect

    context = chromium.new_context(viewport=SIZES["desktop"], locale="it-IT")
    page = context.new_page()
    try:
        open_the_list_on_firma(page, live_server, agent, shop)
        page.keyboard.press("Enter")
        expect(page.locator("#reply_text")).to_have_value("Un saluto,\nGiulia Bianchi")

        page.locator(".macro-menu > summary").click()
        page.get_by_role("button", name="Spedito e in attesa").click()
        expect(page.locator("#thread")).to_contain_text(
            "Macro “Spedito e in attesa” applicata da Giulia Bianchi"
        )
        expect(page.locator("#thread")).to_contain_text("il tuo pacco è partito oggi")
        conversation = Conversation.objects.get(pk=shop["conversation_id"])
        assert conversation.status == Status.PENDING
        assert list(conversation.tags.values_list("name", flat=True)) == ["spedizione"]
    finally:
        context.close()


def test_the_list_stays_open_when_another_part_of_the_page_is_swapped(
    chromium, live_server, agent, shop
):
    # The knowledge base's suggestions arrive after the page (htmx, "load"): on a slow
    # connection they land once the agent has opened the list, which must stay open.
    from playwright.sync_api import expect

    context = chromium.new_context(viewport=SIZES["desktop"], locale="it-IT")
    page = context.new_page()
    try:
        options = open_the_list_on_firma(page, live_server, agent, shop)
        page.evaluate(
            """() => new Promise((done) => {
                const panel = document.querySelector("#assist-results");
                document.body.addEventListener("htmx:afterSwap", done, { once: true });
                const url = panel.getAttribute("hx-get");
                htmx.ajax("GET", url, { target: panel, swap: "innerHTML" });
            })"""
        )
        expect(options).to_have_count(1)
        page.keyboard.press("Enter")
        expect(page.locator("#reply_text")).to_have_value("Un saluto,\nGiulia Bianchi")
    finally:
        context.close()


def test_screenshots_of_the_picker_the_macro_menu_and_the_page(chromium, live_server, agent, shop):
    from playwright.sync_api import expect

    SHOTS.mkdir(parents=True, exist_ok=True)
    for language in ("it", "en"):
        Agent.objects.filter(pk=agent.pk).update(language=language)
        for size, viewport in SIZES.items():
            context = chromium.new_context(viewport=viewport, locale=language)
            page = context.new_page()
            try:
                sign_in(page, live_server, agent, language)
                page.goto(f"{live_server.url}/c/{shop['number']}/")
                box = page.locator("#reply_text")
                box.scroll_into_view_if_needed()
                box.click()
                box.type("/sp")
                expect(page.get_by_role("listbox")).to_be_visible()
                page.wait_for_timeout(200)
                page.screenshot(path=str(SHOTS / f"picker-{language}-{size}.png"))
                box.press("Escape")

                page.evaluate("window.scrollTo(0, 0)")
                page.locator(".macro-menu > summary").click()
                expect(page.locator(".macro-popup")).to_be_visible()
                page.screenshot(path=str(SHOTS / f"macros-{language}-{size}.png"))

                page.goto(f"{live_server.url}/canned/")
                page.screenshot(path=str(SHOTS / f"page-{language}-{size}.png"), full_page=True)
            finally:
                context.close()
