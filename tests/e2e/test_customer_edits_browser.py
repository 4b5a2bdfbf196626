"""An agent edits a customer in a real browser: adds a phone (a garbage one first), moves
her to another lifecycle stage and records consent; the orders an integration posted are
listed. Italian and English, desktop and a 360 px phone; screenshots go to
/tmp/shots/lifecycle/."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from sportello.customers.actions import create_customer
from sportello.customers.actions.lifecycle import (
    ConsentChange,
    OrderIn,
    record_order,
    set_consents,
)
from sportello.customers.models import Customer, Identity
from tests.e2e.test_agent_flow import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/shots/lifecycle")
SIZES = {"desktop": (1366, 800), "phone": (360, 740)}
WORDS = {
    "it": {
        "add": "Aggiungi contatto",
        "bad_phone": "Questo non è un numero di telefono.",
        "stage": "Cambia fase",
        "consent": "Registra consenso",
        "save": "Salva",
    },
    "en": {
        "add": "Add contact",
        "bad_phone": "This is not a phone number.",
        "stage": "Change stage",
        "consent": "Record consent",
        "save": "Save",
    },
}


@pytest.mark.parametrize("language", ["it", "en"])
def test_agent_edits_contacts_stage_and_consent(chromium, live_server, agent, workspace, language):
    from playwright.sync_api import expect

    SHOTS.mkdir(parents=True, exist_ok=True)
    agent.language = language
    agent.save(update_fields=["language"])
    words = WORDS[language]
    lucia = create_customer(
        workspace.pk, name="Lucia Fontana", identities=[("email", "lucia.fontana@libero.it")]
    )
    for number, status, day in (("A-1001", "fulfilled", 2), ("A-1042", "paid", 28)):
        record_order(
            workspace.pk,
            OrderIn(
                number=number,
                total="89.90",
                currency="EUR",
                status=status,
                placed_at=datetime(2026, 11, day, 10, tzinfo=UTC),
                email="lucia.fontana@libero.it",
            ),
        )
    set_consents(lucia, [ConsentChange("marketing", "email", True)], source="web_form")
    context = chromium.new_context(viewport={"width": 1366, "height": 800}, locale="it-IT")
    page = context.new_page()
    try:
        sign_in(page, live_server, agent.user.email, to=f"/customers/{lucia.pk}/")
        page.get_by_text(words["add"], exact=True).first.click()
        page.locator("#id_kind").select_option("phone")
        page.locator("#id_value").fill("ciao")
        page.get_by_role("button", name=words["add"]).click()
        expect(page.get_by_text(words["bad_phone"])).to_be_visible()
        page.screenshot(path=str(SHOTS / f"contact-error-{language}-desktop.png"), full_page=True)
        page.locator("#id_value").fill("347 123 4567")
        page.get_by_role("button", name=words["add"]).click()
        expect(page.get_by_text("+39 347 123 4567")).to_be_visible()
        assert Identity.objects.filter(customer=lucia, value="+393471234567").exists()

        page.get_by_text(words["consent"], exact=True).click()
        page.locator("#id_purpose").select_option("marketing")
        page.locator("#id_channel_kind").select_option("whatsapp")
        page.locator("#id_granted").select_option("no")
        page.locator("#consent-title ~ details form button[type=submit]").click()
        assert Customer.objects.get(pk=lucia.pk).consents.count() == 2

        for size, (width, height) in SIZES.items():
            page.set_viewport_size({"width": width, "height": height})
            page.goto(f"{live_server.url}/customers/{lucia.pk}/")
            for summary in (words["add"], words["stage"], words["consent"]):
                page.get_by_text(summary, exact=True).first.click()
            overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
            assert not overflow, size
            page.screenshot(path=str(SHOTS / f"customer-{language}-{size}.png"), full_page=True)
    finally:
        context.close()
