"""The macro builder in a real browser: an admin builds a macro without code (a reply
with variables, previewed live for the sample customers, a tag and a status), then an
agent applies it from a conversation's menu: the reply goes to the customer with their
own order number, the status and the tags change.

Screenshots of the list, the builder with its preview and the rule builder offering the
macro, at 1366x800 and 360x740, in Italian and English, go to /tmp/shots/macros/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sportello.accounts.models import Agent, Role
from sportello.automation.models import Macro
from sportello.automation.replies import create_macro
from sportello.conversations.models import Conversation, Direction, Kind, Message, Status
from sportello.ingest.inbound import InboundMessage, Sender
from sportello.ingest.pipeline import ingest
from tests.e2e.signing_in import sign_in as shared_sign_in
from tests.factories import AgentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "password-123"  # tests.factories.UserFactory's
SHOTS = Path("/tmp/shots/macros")
SIZES = {"desktop": {"width": 1366, "height": 800}, "phone": {"width": 360, "height": 740}}
SIGN_IN = {"it": "Accedi", "en": "Sign in"}


@pytest.fixture
def admin(agent) -> Agent:
    return AgentFactory(
        workspace=agent.workspace,
        role=Role.ADMIN,
        display_name="Anna Capo",
        user__email="anna@negozio.it",
    )


@pytest.fixture
def question(api_channel) -> dict[str, Any]:
    result = ingest(
        InboundMessage(
            workspace_id=api_channel.workspace_id,
            channel_id=api_channel.pk,
            sender=Sender(name="Chiara Fontana", email="chiara@example.it"),
            subject="Consegna in ritardo",
            text="Buongiorno, il mio ordine 7781 doveva arrivare ieri. Quando arriva?",
            external_id="e2e-macro-builder-1",
        )
    )
    number = Conversation.objects.get(pk=result.conversation_id).number
    return {"number": number, "conversation_id": result.conversation_id}


def sign_in(page: Any, live_server: Any, agent: Agent, language: str = "it") -> None:
    shared_sign_in(page, live_server, agent.user.email, SIGN_IN[language])


def test_an_admin_builds_a_macro_and_an_agent_applies_it(
    chromium, live_server, admin, agent, question
):
    from playwright.sync_api import expect

    context = chromium.new_context(viewport=SIZES["desktop"], locale="it-IT")
    page = context.new_page()
    try:
        sign_in(page, live_server, admin)
        page.get_by_role("navigation", name="Principale").get_by_role(
            "link", name="Macro", exact=True
        ).click()
        expect(page.get_by_role("heading", name="Macro", level=1)).to_be_visible()
        page.get_by_role("link", name="Nuova macro").click()

        page.get_by_label("Nome", exact=True).fill("Spedito e risolto")
        page.get_by_label("Testo della risposta", exact=True).fill(
            "Ciao {{ customer.first_name }}, il tuo ordine {{ order.number }} è partito. "
            "{{ agent.name }}"
        )
        # The preview follows the typing: the sample customer's name and order are filled.
        preview = page.locator("#macro-preview")
        expect(preview).to_contain_text("Ciao Chiara, il tuo ordine 4521 è partito. Anna Capo")
        page.get_by_label("Aggiungi etichette").fill("spedizione")
        page.locator("#macro_status").select_option("resolved")
        page.get_by_role("button", name="Aggiungi macro").click()

        expect(page.get_by_text("Macro “Spedito e risolto” aggiunta.")).to_be_visible()
        expect(page.locator(".macro-row")).to_contain_text("+spedizione · Risolta")
        assert Macro.objects.get().status == Status.RESOLVED
    finally:
        context.close()

    context = chromium.new_context(viewport=SIZES["desktop"], locale="it-IT")
    page = context.new_page()
    try:
        sign_in(page, live_server, agent)
        page.goto(f"{live_server.url}/c/{question['number']}/")
        page.locator(".macro-menu > summary").click()
        page.get_by_role("button", name="Spedito e risolto").click()
        thread = page.locator("#thread")
        expect(thread).to_contain_text("Macro “Spedito e risolto” applicata da Giulia Bianchi")
        expect(thread).to_contain_text("Ciao Chiara, il tuo ordine 7781 è partito. Giulia Bianchi")
    finally:
        context.close()

    conversation = Conversation.objects.get(pk=question["conversation_id"])
    assert conversation.status == Status.RESOLVED
    assert list(conversation.tags.values_list("name", flat=True)) == ["spedizione"]
    sent = Message.objects.get(
        conversation=conversation, kind=Kind.MESSAGE, direction=Direction.OUTBOUND
    )
    assert sent.text == "Ciao Chiara, il tuo ordine 7781 è partito. Giulia Bianchi"
    assert sent.sender_agent_id == agent.pk


def test_a_refused_macro_comes_back_with_the_error_on_its_field(chromium, live_server, admin):
    from playwright.sync_api import expect

    create_macro(admin, name="Spedito", status="pending")
    context = chromium.new_context(viewport=SIZES["phone"], locale="it-IT")
    page = context.new_page()
    try:
        sign_in(page, live_server, admin)
        page.goto(f"{live_server.url}/macros/new/")
        page.get_by_label("Nome", exact=True).fill("Spedito")
        page.get_by_label("Testo della risposta", exact=True).fill("Ciao {{ cliente }}")
        page.get_by_role("button", name="Aggiungi macro").click()
        expect(page.locator("#macro_reply_text_error")).to_contain_text(
            "Variabile sconosciuta {{ cliente }}"
        )
        expect(page.get_by_label("Testo della risposta", exact=True)).to_have_value(
            "Ciao {{ cliente }}"
        )
        page.get_by_label("Testo della risposta", exact=True).fill("Ciao!")
        page.get_by_role("button", name="Aggiungi macro").click()
        expect(page.locator("#macro_name_error")).to_contain_text(
            "Esiste già una macro chiamata “Spedito”"
        )
        assert Macro.objects.count() == 1
    finally:
        context.close()


def test_screenshots_of_the_list_the_builder_and_the_rule_builder(
    chromium, live_server, admin, question
):
    from playwright.sync_api import expect

    macro = create_macro(
        admin,
        name="Spedito e in attesa",
        reply_text="Ciao {{ customer.first_name }}, l'ordine {{ order.number }} è partito: "
        "ti scriviamo di nuovo {{ conversation.due }}. {{ agent.name }}",
        reply_text_en="Hi {{ customer.first_name }}, order {{ order.number }} has shipped: "
        "we will write again {{ conversation.due }}. {{ agent.name }}",
        add_tags=["spedizione"],
        status="snoozed",
        snooze="tomorrow",
    )
    create_macro(admin, name="Urgente al team", priority=3, note="Cliente in attesa da ieri")
    SHOTS.mkdir(parents=True, exist_ok=True)
    for language in ("it", "en"):
        Agent.objects.filter(pk=admin.pk).update(language=language)
        for size, viewport in SIZES.items():
            context = chromium.new_context(viewport=viewport, locale=language)
            page = context.new_page()
            try:
                sign_in(page, live_server, admin, language)
                page.goto(f"{live_server.url}/macros/")
                page.screenshot(path=str(SHOTS / f"list-{language}-{size}.png"), full_page=True)

                page.goto(f"{live_server.url}/macros/{macro.pk}/")
                expect(page.locator("#macro-preview")).to_contain_text("Emma")
                page.screenshot(path=str(SHOTS / f"builder-{language}-{size}.png"), full_page=True)

                page.goto(f"{live_server.url}/rules/new/")
                page.locator("select[name='action-0-type']").select_option("apply_macro")
                expect(page.locator("select[name='action-0-value']")).to_contain_text(
                    "Spedito e in attesa"
                )
                page.screenshot(path=str(SHOTS / f"rule-{language}-{size}.png"), full_page=True)
            finally:
                context.close()
