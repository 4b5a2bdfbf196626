"""Business hours and SLA settings, and a repeat contact, in a real browser: an admin adds
a calendar with a split shift and Milan's holidays for the WhatsApp channel; the agent
sees "2nd contact about this issue" beside a WhatsApp message about an order already
written about by email. Screenshots at 1366x800 and 360x740, Italian and English, go to
/tmp/shots/repeat/ for a person to look at (not committed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sportello.accounts.actions import create_agent
from sportello.accounts.models import Agent, Role
from sportello.conversations.models import Conversation
from sportello.customers.identities import normalize
from sportello.ingest.inbound import InboundMessage, Sender
from sportello.ingest.pipeline import ingest
from sportello.sla.models import Calendar, SlaPolicy
from tests.e2e.signing_in import sign_in as shared_sign_in
from tests.factories import ChannelFactory, CustomerFactory, IdentityFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "password-123"
SHOTS = Path("/tmp/shots/repeat")
SIZES = {"desktop": {"width": 1366, "height": 800}, "phone": {"width": 360, "height": 740}}
BUTTONS = {"it": "Accedi", "en": "Sign in"}


def sign_in(page: Any, live_server: Any, agent: Agent) -> None:
    shared_sign_in(page, live_server, agent.user.email, BUTTONS[agent.language])


def test_an_admin_sets_up_a_calendar_and_the_agent_sees_a_repeat_contact(
    chromium, live_server, workspace
):
    from playwright.sync_api import expect

    SHOTS.mkdir(parents=True, exist_ok=True)
    admin = create_agent(workspace, email="titolare@negozio.it", password=PASSWORD, role=Role.ADMIN)
    email = ChannelFactory(workspace=workspace, kind="email", name="Posta", slug="posta")
    whatsapp = ChannelFactory(workspace=workspace, kind="whatsapp", name="WhatsApp", slug="wa")
    lucia = CustomerFactory(workspace=workspace, name="Lucia Verdi")
    IdentityFactory(customer=lucia, kind="email", value="lucia@example.it")
    IdentityFactory(customer=lucia, kind="whatsapp", value=normalize("whatsapp", "+393471234567"))
    for n, (channel, sender, text) in enumerate(
        [
            (
                email,
                Sender(name="Lucia", email="lucia@example.it"),
                "L'ordine 12345 non è arrivato",
            ),
            (
                whatsapp,
                Sender(name="Lucia", handles={"whatsapp": "+393471234567"}),
                "Ordine n. 12345: ancora niente?",
            ),
        ]
    ):
        ingest(
            InboundMessage(
                workspace_id=workspace.pk,
                channel_id=channel.pk,
                sender=sender,
                text=text,
                external_id=f"shot-{n}",
            ),
            channel=channel,
        )
    # transaction=True: the handlers ran on each commit.
    second = Conversation.objects.get(channel=whatsapp)
    assert second.repeat_link.contact_number == 2

    context = chromium.new_context(viewport=SIZES["desktop"], locale="it")
    page = context.new_page()
    try:
        sign_in(page, live_server, admin)
        page.goto(f"{live_server.url}/settings/sla/calendars/new/")
        page.get_by_label("Nome").fill("Negozio di Milano")
        page.get_by_label("Lunedì, intervallo 1, apertura").fill("09:00")
        page.get_by_label("Lunedì, intervallo 1, chiusura").fill("13:00")
        page.get_by_label("Lunedì, intervallo 2, apertura").fill("12:00")
        page.get_by_label("Lunedì, intervallo 2, chiusura").fill("18:00")
        page.get_by_label("Provincia o regione").fill("MI")
        page.get_by_label("WhatsApp").check()
        page.get_by_role("button", name="Crea calendario").click()
        expect(
            page.get_by_text("gli intervalli 09:00-13:00 e 12:00-18:00 si sovrappongono")
        ).to_be_visible()
        page.screenshot(path=str(SHOTS / "calendar-refused-it-desktop.png"), full_page=True)
        page.get_by_label("Lunedì, intervallo 2, apertura").fill("14:00")
        page.get_by_role("button", name="Crea calendario").click()
        expect(page.get_by_text("Calendario «Negozio di Milano» salvato.")).to_be_visible()
    finally:
        context.close()
    calendar = Calendar.objects.get(workspace=workspace, name="Negozio di Milano")
    assert calendar.hours == {"mon": [["09:00", "13:00"], ["14:00", "18:00"]]}
    policy = SlaPolicy.objects.get(workspace=workspace, is_default=True)

    pages = {
        "sla": "/settings/sla/",
        "calendar": f"/settings/sla/calendars/{calendar.pk}/",
        "policy-new": "/settings/sla/policies/new/",
        "policy-default": f"/settings/sla/policies/{policy.pk}/",
        "conversation": f"/c/{second.number}/",
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
                    if name == "conversation":
                        words = {
                            "it": "2° contatto su questo problema",
                            "en": "2nd contact about this issue",
                        }
                        expect(page.get_by_text(words[language])).to_be_visible()
                        page.locator("#panel-repeat").scroll_into_view_if_needed()
                    page.screenshot(
                        path=str(SHOTS / f"{name}-{language}-{size}.png"), full_page=True
                    )
            finally:
                context.close()
