"""What an agent does in a real browser: signs in, finds the customer's message, answers it.

Screenshots of the inbox and the conversation, on a desktop and on a 360 px phone, are
written to /tmp (``sportello-*.png``) for a person to look at.
"""

from __future__ import annotations

import re

import pytest

from sportello.conversations.models import Direction, Kind, Message
from sportello.ingest.inbound import InboundMessage, Sender
from sportello.ingest.pipeline import ingest
from tests.e2e.signing_in import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = "/tmp/sportello-{name}.png"


def customer_writes(channel, text: str, subject: str, email: str, name: str) -> int:
    result = ingest(
        InboundMessage(
            workspace_id=channel.workspace_id,
            channel_id=channel.pk,
            sender=Sender(name=name, email=email),
            subject=subject,
            text=text,
            external_id=f"e2e-{email}-{subject}",
        )
    )
    return Message.objects.get(pk=result.message_id).conversation.number


@pytest.fixture
def inbox_with_messages(api_channel) -> int:
    """A few customers wrote in; returns the number of the one the test answers."""
    customer_writes(
        api_channel,
        "Buongiorno, vorrei sapere se la giacca blu è disponibile nella taglia M.",
        "Disponibilità giacca",
        "lucia@example.it",
        "Lucia Verdi",
    )
    customer_writes(
        api_channel,
        "La fattura di marzo riporta un importo sbagliato, potete correggerla?",
        "Fattura errata",
        "paolo@example.it",
        "Paolo Neri",
    )
    return customer_writes(
        api_channel,
        "Buongiorno, le spedizioni verso Cagliari sono in ritardo: il mio ordine 4521 "
        "doveva arrivare ieri. Potete dirmi quando arriva?",
        "Ordine 4521 in ritardo",
        "mario@example.it",
        "Mario Rossi",
    )


def test_agent_answers_a_customer_from_the_inbox(chromium, live_server, agent, inbox_with_messages):
    from playwright.sync_api import expect

    context = chromium.new_context(viewport={"width": 1366, "height": 860}, locale="it-IT")
    page = context.new_page()
    try:
        sign_in(page, live_server, agent.user.email)
        row = page.locator(".conv-row", has_text="Ordine 4521 in ritardo")
        expect(row).to_be_visible()
        expect(row).to_contain_text("Mario Rossi")
        page.screenshot(path=SCREENSHOTS.format(name="inbox-desktop"), full_page=True)

        # Searching (htmx) narrows the list and keeps the URL shareable.
        page.get_by_label("Cerca in tutte le conversazioni").fill("spedizione")
        expect(page.locator(".conv-row")).to_have_count(1)
        expect(page).to_have_url(re.compile(r"q=spedizione"))

        # A person's click lasts a moment: pressing on a result takes the focus from the search
        # box, and the list must not be redrawn before the button comes up again.
        row.locator("a").hover()
        page.mouse.down()
        page.wait_for_timeout(400)
        page.mouse.up()
        page.wait_for_url(f"{live_server.url}/c/{inbox_with_messages}/")
        expect(page.locator(".message-in")).to_contain_text("le spedizioni verso Cagliari")

        reply = "Gentile Mario, il corriere consegna domani mattina. Ci scusi per il ritardo."
        page.get_by_label("Rispondi tramite API").fill(reply)
        page.get_by_role("button", name="Invia risposta").click()
        expect(page.locator(".message-out")).to_contain_text("il corriere consegna domani")
        expect(page.get_by_label("Rispondi tramite API")).to_have_value("")

        page.get_by_label("Agente").select_option(label="Giulia Bianchi")
        page.get_by_role("button", name="Salva assegnazione").click()
        expect(page.locator(".event", has_text="ha preso in carico")).to_be_visible()
        page.screenshot(path=SCREENSHOTS.format(name="conversation-desktop"), full_page=True)
    finally:
        context.close()

    sent = Message.objects.get(kind=Kind.MESSAGE, direction=Direction.OUTBOUND)
    assert sent.text == reply
    assert sent.conversation.number == inbox_with_messages
    assert sent.sender_agent_id == agent.pk


def test_pages_fit_a_360_pixel_phone(chromium, live_server, agent, inbox_with_messages):
    from playwright.sync_api import expect

    context = chromium.new_context(
        viewport={"width": 360, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        locale="it-IT",
    )
    page = context.new_page()
    try:
        sign_in(page, live_server, agent.user.email)
        pages = {
            "inbox-phone": "/",
            "conversation-phone": f"/c/{inbox_with_messages}/",
            "customers-phone": "/customers/",
        }
        for name, path in pages.items():
            page.goto(f"{live_server.url}{path}")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 360, f"{path} is {width}px wide"
            page.screenshot(path=SCREENSHOTS.format(name=name), full_page=True)

        # The sidebar is a drawer behind the menu button on a phone.
        navigation = page.get_by_role("navigation", name="Principale")
        expect(navigation).to_be_hidden()
        page.get_by_role("button", name="Menu").click()
        expect(navigation).to_be_visible()
        expect(navigation.get_by_role("link", name=re.compile("Non assegnate"))).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.screenshot(path=SCREENSHOTS.format(name="menu-phone"))
    finally:
        context.close()


def test_load_more_and_triage_without_reloading_the_page(chromium, live_server, agent, api_channel):
    from playwright.sync_api import expect

    for n in range(27):
        customer_writes(
            api_channel, f"Richiesta numero {n}", f"Richiesta {n}", f"c{n}@ex.it", "Cliente"
        )
    context = chromium.new_context(viewport={"width": 1280, "height": 800}, locale="it-IT")
    page = context.new_page()
    try:
        sign_in(page, live_server, agent.user.email)
        expect(page.locator(".conv-row")).to_have_count(25)
        page.get_by_role("link", name="Carica altri").click()
        expect(page.locator(".conv-row")).to_have_count(27)
        expect(page.get_by_role("link", name="Carica altri")).to_have_count(0)
        assert page.url == f"{live_server.url}/"

        page.locator(".conv-row a").first.click()
        page.get_by_label("Stato", exact=True).select_option("snoozed")
        page.get_by_role("button", name="Salva stato").click()
        # Refused (422) and shown in the panel, not lost.
        expect(page.locator("#side-panel .field-error")).to_contain_text("Scegli fino a quando")

        page.get_by_label("Priorità", exact=True).select_option(label="Urgente")
        page.get_by_role("button", name="Salva priorità").click()
        expect(page.locator(".event", has_text="Priorità: normale → urgente")).to_be_visible()
        expect(page.locator("#conversation-header .priority-3")).to_have_text(re.compile("Urgente"))
    finally:
        context.close()
