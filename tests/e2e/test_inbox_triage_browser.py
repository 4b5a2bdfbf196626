"""Triage in a real browser: select two rows, resolve them together and see the list change;
move between rows with j/k, open the shortcuts' help with ?.

Screenshots of the inbox (1366x800 and 360x740, Italian and English) go to
/tmp/shots/triage/ for a person to look at."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from sportello.conversations.models import Conversation, Status
from sportello.core import clock
from tests.e2e.test_agent_flow import customer_writes, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots/triage")


@pytest.fixture
def waiting_inbox(api_channel) -> list[int]:
    """Four customers wrote; each waits a different time, two have a due reply."""
    numbers = [
        customer_writes(api_channel, text, subject, f"{name.split()[0].lower()}@example.it", name)
        for text, subject, name in [
            ("La giacca blu c'è in taglia M?", "Disponibilità giacca", "Lucia Verdi"),
            ("La fattura di marzo è sbagliata.", "Fattura errata", "Paolo Neri"),
            ("Il mio ordine 4521 è in ritardo.", "Ordine 4521 in ritardo", "Mario Rossi"),
            ("Posso cambiare l'indirizzo?", "Cambio indirizzo", "Anna Bruno"),
        ]
    ]
    now = clock.now()
    for n, number in enumerate(numbers):
        Conversation.objects.filter(number=number).update(
            waiting_since=now - timedelta(minutes=[7, 95, 26 * 60, 40][n]),
            first_reply_due_at=[None, now + timedelta(minutes=25), now - timedelta(hours=2), None][
                n
            ],
        )
    return numbers


def _shoot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def test_agent_selects_two_rows_and_resolves_them(chromium, live_server, agent, waiting_inbox):
    from playwright.sync_api import expect

    context = chromium.new_context(viewport={"width": 1366, "height": 800}, locale="it-IT")
    page = context.new_page()
    try:
        sign_in(page, live_server, agent.user.email, to="/?sort=waiting")
        rows = page.locator("#conversation-rows .conv-row")
        expect(rows).to_have_count(4)
        # Longest waiting first: Mario (26 h), Paolo (95 min), Anna (40 min), Lucia (7 min).
        expect(rows.first).to_contain_text("Mario Rossi")
        expect(rows.first).to_contain_text("In ritardo di 2 h")
        expect(rows.nth(1)).to_contain_text("Scade tra 2")
        _shoot(page, "inbox-1366-it")
        controls = page.locator("#bulk-status")
        expect(controls).to_be_disabled()
        mario, paolo = waiting_inbox[2], waiting_inbox[1]
        page.get_by_label(f"Seleziona la conversazione #{mario}").check()
        page.get_by_label(f"Seleziona la conversazione #{paolo}").check()
        expect(page.locator("[data-bulk-count]")).to_have_text("2 conversazioni selezionate")
        expect(controls).to_be_enabled()
        page.locator("#bulk-status").select_option("resolved")
        page.get_by_role("button", name="Applica alle selezionate").click()
        expect(page.locator(".flash")).to_contain_text("2 conversazioni aggiornate.")
        expect(rows).to_have_count(2)
        expect(page.locator("#conversation-rows")).not_to_contain_text("Mario Rossi")
        statuses = dict(Conversation.objects.values_list("number", "status"))
        assert statuses[mario] == statuses[paolo] == Status.RESOLVED
        assert statuses[waiting_inbox[0]] == Status.OPEN
    finally:
        context.close()


def test_keyboard_moves_between_rows_and_lists_the_shortcuts(
    chromium, live_server, agent, waiting_inbox
):
    from playwright.sync_api import expect

    context = chromium.new_context(viewport={"width": 1366, "height": 800}, locale="it-IT")
    page = context.new_page()
    try:
        sign_in(page, live_server, agent.user.email, to="/?sort=waiting")
        links = page.locator("#conversation-rows .conv-link")
        page.keyboard.press("j")
        expect(links.nth(0)).to_be_focused()
        page.keyboard.press("j")
        page.keyboard.press("j")
        expect(links.nth(2)).to_be_focused()
        page.keyboard.press("k")
        expect(links.nth(1)).to_be_focused()
        page.keyboard.press("x")
        expect(page.locator(".conv-select").nth(1)).to_be_checked()
        expect(page.locator("[data-bulk-count]")).to_have_text("1 conversazione selezionata")
        page.locator("main h1").click()
        page.keyboard.press("?")
        dialog = page.get_by_role("dialog", name="Scorciatoie da tastiera")
        expect(dialog).to_be_visible()
        expect(dialog).to_contain_text("Conversazione successiva")
        _shoot(page, "shortcuts-1366-it")
        page.keyboard.press("Escape")
        expect(dialog).to_be_hidden()
        # Typing in the search box types: no shortcut fires.
        page.keyboard.press("/")
        search = page.locator("#inbox-q")
        expect(search).to_be_focused()
        page.keyboard.type("jk?")
        expect(search).to_have_value("jk?")
        expect(dialog).to_be_hidden()
        # On a fresh page: j to the first row, o opens it.
        page.goto(f"{live_server.url}/?sort=waiting")
        expect(links).to_have_count(4)
        page.keyboard.press("j")
        expect(links.nth(0)).to_be_focused()
        page.keyboard.press("o")
        page.wait_for_url(re.compile(rf"/c/{waiting_inbox[2]}/"), wait_until="commit")
    finally:
        context.close()


@pytest.mark.parametrize("language", ["it", "en"])
def test_inbox_screenshots_at_both_sizes(chromium, live_server, agent, waiting_inbox, language):
    from playwright.sync_api import expect

    agent.language = language
    agent.save(update_fields=["language"])
    for width, height in ((1366, 800), (360, 740)):
        context = chromium.new_context(viewport={"width": width, "height": height}, locale="it-IT")
        page = context.new_page()
        try:
            sign_in(page, live_server, agent.user.email, to="/?sort=due")
            page.locator(".conv-select").first.check()
            apply = page.locator("#bulk-form button[type=submit]")
            expect(apply).to_be_visible()
            box = apply.bounding_box()
            assert box is not None and box["x"] + box["width"] <= width  # usable, not clipped
            _shoot(page, f"inbox-{width}-{language}")
        finally:
            context.close()
