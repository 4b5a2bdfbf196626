"""An agent sees that two customers may be one person, checks what a merge moves, merges
and undoes it, in a real browser, in Italian and English, on a desktop and a 360 px phone.
Screenshots go to /tmp/shots/identity/."""

from __future__ import annotations

from pathlib import Path

import pytest

from sportello.customers.actions import create_customer, update_customer
from sportello.customers.actions.duplicates import refresh_suggestions
from sportello.customers.models import CustomerMerge, Identity
from tests.e2e.test_agent_flow import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/shots/identity")
SIZES = {"desktop": (1366, 800), "phone": (360, 740)}
WORDS = {
    "it": {"section": "Forse la stessa persona", "merge": "Unisci a", "undo": "Annulla unione"},
    "en": {"section": "Possibly the same person", "merge": "Merge into", "undo": "Undo"},
}


@pytest.fixture
def twins(workspace):
    maria = create_customer(
        workspace.pk,
        name="Maria Rossi",
        identities=[("email", "maria@rossi-arredi.it"), ("phone", "+390212345678")],
    )
    update_customer(maria, custom_fields={"città": "Milano"})
    other = create_customer(
        workspace.pk,
        name="ROSSI MARIA",
        identities=[("whatsapp", "+393471234567"), ("email", "ordini@rossi-arredi.it")],
    )
    update_customer(other, custom_fields={"città": "Milano", "tessera": "F-77"})
    Identity.objects.filter(value="ordini@rossi-arredi.it").update(source="signature")
    create_customer(workspace.pk, name="Marco Ferrari", identities=[("email", "mf@gmail.com")])
    create_customer(workspace.pk, name="Marco Ferrari", identities=[("telegram", "5550001")])
    for customer_id in sorted(Identity.objects.values_list("customer_id", flat=True).distinct()):
        refresh_suggestions(customer_id)
    return maria.pk, other.pk


@pytest.mark.parametrize("language", ["it", "en"])
def test_agent_merges_two_customers_and_undoes_it(chromium, live_server, agent, twins, language):
    from playwright.sync_api import expect

    SHOTS.mkdir(parents=True, exist_ok=True)
    agent.language = language
    agent.save(update_fields=["language"])
    maria, other = twins
    words = WORDS[language]
    context = chromium.new_context(viewport={"width": 1366, "height": 800}, locale="it-IT")
    page = context.new_page()
    try:
        sign_in(page, live_server, agent.user.email)
        for size, (width, height) in SIZES.items():
            page.set_viewport_size({"width": width, "height": height})
            page.goto(f"{live_server.url}/customers/{maria}/")
            expect(page.get_by_role("heading", name=words["section"])).to_be_visible()
            page.screenshot(path=str(SHOTS / f"customer-{language}-{size}.png"), full_page=True)
            page.goto(f"{live_server.url}/customers/duplicates/")
            page.screenshot(path=str(SHOTS / f"queue-{language}-{size}.png"), full_page=True)
            page.goto(f"{live_server.url}/customers/{maria}/merge/{other}/")
            expect(page.get_by_text("+39 347 123 4567")).to_be_visible()
            page.screenshot(path=str(SHOTS / f"merge-{language}-{size}.png"), full_page=True)
        page.set_viewport_size({"width": 1366, "height": 800})
        page.get_by_role("button", name=words["merge"]).click()
        page.wait_for_url(f"{live_server.url}/customers/{maria}/")
        assert Identity.objects.filter(customer_id=maria).count() == 4
        page.screenshot(path=str(SHOTS / f"merged-{language}-desktop.png"), full_page=True)
        page.get_by_role("button", name=words["undo"]).click()
        page.wait_for_url(f"{live_server.url}/customers/{maria}/")
        assert Identity.objects.filter(customer_id=other).count() == 2
        assert CustomerMerge.objects.get().undone_at is not None
    finally:
        context.close()
