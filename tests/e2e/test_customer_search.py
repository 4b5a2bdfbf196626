"""An agent finds a customer by a number as she wrote it and by her name turned round, in a
real browser, and reads the number once, formatted. Italian and English, on a desktop and
on a 360 px phone; screenshots go to /tmp (``sportello-customer-search-*.png``).
"""

from __future__ import annotations

import pytest

from sportello.customers.actions import create_customer
from tests.e2e.test_agent_flow import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": (1366, 800), "phone": (360, 740)}
KINDS = {"it": "Telefono · WhatsApp", "en": "Phone · WhatsApp"}


@pytest.mark.parametrize("language", ["it", "en"])
def test_agent_finds_a_customer_by_a_number_as_written_and_a_name_turned_round(
    chromium, live_server, agent, language
):
    from playwright.sync_api import expect

    agent.language = language
    agent.save(update_fields=["language"])
    chiara = create_customer(
        agent.workspace_id,
        name="Chiara Fontàna",
        identities=[
            ("phone", "+393490001103"),
            ("whatsapp", "+393490001103"),
            ("email", "chiara.fontana@example.it"),
        ],
    )
    create_customer(agent.workspace_id, name="Paolo Neri", identities=[("phone", "+3902123456")])
    context = chromium.new_context(viewport={"width": 1366, "height": 800}, locale="it-IT")
    page = context.new_page()
    try:
        sign_in(page, live_server, agent.user.email)
        for name, (width, height) in SIZES.items():
            page.set_viewport_size({"width": width, "height": height})
            for written in ("349 000 1103", "fontana chiara"):
                page.goto(f"{live_server.url}/customers/")
                page.locator("#customer-q").fill(written)
                page.locator("#customer-q").press("Enter")
                rows = page.locator(".customer-row")
                expect(rows).to_have_count(1)
                expect(rows.first).to_contain_text("Chiara Fontàna")
                expect(rows.first).to_contain_text("+39 349 000 1103")
            page.screenshot(
                path=f"/tmp/sportello-customer-search-{language}-{name}.png", full_page=True
            )
            page.goto(f"{live_server.url}/customers/{chiara.pk}/")
            values = page.locator(".identities .identity-value")
            expect(values).to_have_text(["+39 349 000 1103", "chiara.fontana@example.it"])
            expect(page.locator(".identities .identity-kind").first).to_have_text(KINDS[language])
            page.screenshot(
                path=f"/tmp/sportello-customer-page-{language}-{name}.png", full_page=True
            )
    finally:
        context.close()
