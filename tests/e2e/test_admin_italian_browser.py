"""The Django admin as an Italian shop owner sees it in Chromium: Italian model names on the
index ("Canali", "Conversazioni") and an add form that says "Aggiungi canale" with
Italian labels. Screenshots at 1366x800 go to /tmp/shots/i18n/ for review."""

from __future__ import annotations

from pathlib import Path

import pytest

from sportello.accounts.models import Role
from tests.e2e.test_agent_flow import sign_in
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path("/tmp/shots/i18n")


def test_the_admin_speaks_italian(chromium, live_server, workspace):
    from playwright.sync_api import expect

    SHOTS.mkdir(parents=True, exist_ok=True)
    owner = AgentFactory(workspace=workspace, role=Role.ADMIN, user__email="titolare@negozio.it")
    owner.user.is_staff = True
    owner.user.save(update_fields=["is_staff"])
    context = chromium.new_context(viewport={"width": 1366, "height": 800}, locale="it-IT")
    page = context.new_page()
    try:
        sign_in(page, live_server, owner.user.email)
        page.goto(f"{live_server.url}/admin/")
        channels = page.locator("#sportello_channels-channel")
        expect(channels.get_by_role("link", name="Canali", exact=True)).to_be_visible()
        conversations = page.locator("#conversations-conversation")
        expect(conversations.get_by_role("link", name="Conversazioni", exact=True)).to_be_visible()
        page.screenshot(path=str(SHOTS / "admin-index-it-1366.png"), full_page=True)
        page.goto(f"{live_server.url}/admin/sportello_channels/channel/add/")
        expect(page.get_by_role("heading", name="Aggiungi canale")).to_be_visible()
        expect(page.get_by_text("Team predefinito")).to_be_visible()
        page.screenshot(path=str(SHOTS / "admin-add-channel-it-1366.png"), full_page=True)
        body = page.locator("body").inner_text()
        assert "channel" not in body.lower().split() and "Default team" not in body
    finally:
        context.close()
