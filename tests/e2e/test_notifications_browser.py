"""An agent sees the bell's count, opens the notifications page, follows one to its
conversation and marks the rest read, in a real browser. Screenshots on a desktop and a
360 px phone, in Italian and English, go to /tmp/shots/rules2/ for a person to look at."""

from __future__ import annotations

from pathlib import Path

import pytest

from sportello.accounts.models import Role
from sportello.automation.models import RuleEvent
from sportello.automation.rules.actions import create_rule
from tests.e2e.test_agent_flow import customer_writes, sign_in
from tests.factories import AgentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/shots/rules2")


@pytest.mark.parametrize("language", ["it", "en"])
def test_an_agent_follows_a_notification_from_the_bell(
    chromium, live_server, workspace, api_channel, language
):
    SHOTS.mkdir(parents=True, exist_ok=True)
    AgentFactory(
        workspace=workspace,
        role=Role.SUPERVISOR,
        display_name="Sara Conti",
        language=language,
        user__email="sara@negozio.it",
    )
    create_rule(
        workspace.pk,
        name="Reclamo urgente",
        event=RuleEvent.MESSAGE_RECEIVED,
        actions=[{"type": "notify", "to": "supervisors"}],
    )
    # Each message runs the rule once it is committed (the event handlers), as in production.
    numbers = [
        customer_writes(api_channel, text, subject, email, name)
        for text, subject, email, name in (
            ("Addebito doppio sulla carta", "Addebito doppio", "anna@example.it", "Anna Gallo"),
            ("Il pacco è arrivato rotto", "Pacco danneggiato", "luca@example.it", "Luca Neri"),
        )
    ]
    title = "Notifiche" if language == "it" else "Notifications"
    for width, height, device in ((360, 740, "phone"), (1366, 800, "desktop")):
        context = chromium.new_context(viewport={"width": width, "height": height}, locale="it-IT")
        page = context.new_page()
        sign_in(page, live_server, "sara@negozio.it")
        bell = page.locator("#nav-bell")
        assert bell.locator(".bell-count").inner_text() == "2"
        page.screenshot(path=str(SHOTS / f"bell-{language}-{device}.png"))
        bell.click()
        page.wait_for_url("**/notifications/")
        assert page.locator("h1").inner_text() == title
        assert page.locator(".notification.is-unread").count() == 2
        page.screenshot(path=str(SHOTS / f"page-{language}-{device}.png"), full_page=True)
        if device == "desktop":
            page.get_by_role(
                "link", name="Reclamo urgente: #" + str(numbers[1]), exact=False
            ).click()
            page.wait_for_url(f"**/c/{numbers[1]}/")
            assert page.locator("#nav-bell .bell-count").inner_text() == "1"
            page.goto(f"{live_server.url}/notifications/")
            mark = "Segna tutte come lette" if language == "it" else "Mark all read"
            page.get_by_role("button", name=mark).click()
            page.wait_for_url("**/notifications/")
            assert page.locator("#nav-bell .bell-count").count() == 0
            assert page.locator(".notification.is-unread").count() == 0
        context.close()
