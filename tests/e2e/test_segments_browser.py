"""Customer segments in a real browser: an admin ticks "at risk" in a new SLA policy and
a rule on the segment; the customer page shows the segment and why. Screenshots at
1366x800 and 360x740, Italian and English, go to /tmp/shots/sla/ for a person to look at
(not committed)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from sportello.accounts.actions import create_agent
from sportello.accounts.models import Agent, Role
from sportello.core import clock
from sportello.customers.actions.lifecycle import OrderIn, record_order
from sportello.customers.models import Customer
from sportello.sla.models import SlaPolicy
from tests.e2e.signing_in import sign_in as shared_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "password-123"
SHOTS = Path("/tmp/shots/sla")
SIZES = {"desktop": {"width": 1366, "height": 800}, "phone": {"width": 360, "height": 740}}
BUTTONS = {"it": "Accedi", "en": "Sign in"}
WORDS = {
    "it": ("a rischio", "Ordinava circa ogni 30 giorni"),
    "en": ("at risk", "Used to order about every 30 days"),
}


def sign_in(page: Any, live_server: Any, agent: Agent) -> None:
    shared_sign_in(page, live_server, agent.user.email, BUTTONS[agent.language])


def test_an_admin_gives_at_risk_customers_a_tighter_policy_and_sees_the_segment(
    chromium, live_server, workspace
):
    from playwright.sync_api import expect

    SHOTS.mkdir(parents=True, exist_ok=True)
    admin = create_agent(workspace, email="titolare@negozio.it", password=PASSWORD, role=Role.ADMIN)
    now = clock.now()
    for n, days in enumerate((150, 120, 90)):
        record_order(
            workspace.pk,
            OrderIn(
                number=f"A-{n}",
                total="39.90",
                currency="EUR",
                status="paid",
                placed_at=now - timedelta(days=days),
                email="carla@example.it",
                name="Carla Bianchi",
            ),
        )
    carla = Customer.objects.get(workspace=workspace, name="Carla Bianchi")
    assert carla.segment == "at_risk"

    # The admin creates the policy in the form, ticking the segment.
    context = chromium.new_context(viewport=SIZES["desktop"], locale="it")
    page = context.new_page()
    try:
        sign_in(page, live_server, admin)
        page.goto(f"{live_server.url}/settings/sla/policies/new/")
        page.get_by_label("Nome").fill("Clienti a rischio")
        page.locator("input[name=first_reply_amount]").fill("30")
        page.locator("select[name=first_reply_unit]").select_option("minutes")
        page.get_by_label("a rischio").check()
        page.get_by_role("button", name="Crea politica").click()
        page.wait_for_url(f"{live_server.url}/settings/sla/")
    finally:
        context.close()
    policy = SlaPolicy.objects.get(workspace=workspace, name="Clienti a rischio")
    assert policy.conditions["segments"] == ["at_risk"]
    assert policy.first_reply_minutes == 30

    pages = {
        "customer": f"/customers/{carla.pk}/",
        "policy-segments": f"/settings/sla/policies/{policy.pk}/",
        "rule-new": "/rules/new/",
    }
    for language in ("it", "en"):
        Agent.objects.filter(pk=admin.pk).update(language=language)
        admin.refresh_from_db()
        for size, viewport in SIZES.items():
            context = chromium.new_context(viewport=viewport, locale=language)
            page = context.new_page()
            try:
                sign_in(page, live_server, admin)
                for name, path in pages.items():
                    answer = page.goto(f"{live_server.url}{path}")
                    assert answer is not None and answer.status == 200, path
                    if name == "customer":
                        label, why = WORDS[language]
                        expect(page.locator(".customer-badges .badge-segment")).to_have_text(label)
                        expect(page.get_by_text(why)).to_be_visible()
                    if name == "rule-new":
                        page.locator("#add-all").click()
                        page.wait_for_selector("select[name='all-0-field']")
                        page.wait_for_load_state("networkidle")
                        page.select_option("select[name='all-0-field']", "segment")
                        page.wait_for_selector(
                            "select[name='all-0-value'] option[value='at_risk']",
                            state="attached",
                        )
                    page.screenshot(
                        path=str(SHOTS / f"{name}-{language}-{size}.png"), full_page=True
                    )
            finally:
                context.close()
