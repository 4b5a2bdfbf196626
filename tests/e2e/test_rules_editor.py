"""An admin builds a rule in a real browser, without code: the event, a condition row
whose operators and values follow the field chosen (htmx), two action rows; the rule
then runs on the next customer message and the timeline says so.

Screenshots of the list and the editor, on a desktop and a 360 px phone, in Italian and
English, go to /tmp/shots/rules/ for a person to look at."""

from __future__ import annotations

from pathlib import Path

import pytest

from sportello.accounts.models import Role
from sportello.automation.models import Rule
from sportello.conversations.models import Conversation, Priority
from tests.e2e.test_agent_flow import customer_writes, sign_in
from tests.factories import AgentFactory, TeamFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/shots/rules")


def settled(page) -> None:
    """htmx has swapped and bound what the server sent (a select changed before that
    would send nothing). A locator, not a script: the page's CSP forbids eval."""
    from playwright.sync_api import expect

    busy = ".htmx-request, .htmx-settling, .htmx-swapping, .htmx-added"
    expect(page.locator(busy)).to_have_count(0)


@pytest.mark.parametrize("language", ["it", "en"])
def test_an_admin_builds_a_rule_and_it_runs(
    chromium, live_server, workspace, api_channel, language
):
    SHOTS.mkdir(parents=True, exist_ok=True)
    admin = AgentFactory(
        workspace=workspace, role=Role.ADMIN, display_name="Chiara Esposito", language=language
    )
    team = TeamFactory(workspace=workspace, name="Spedizioni")
    team.members.add(AgentFactory(workspace=workspace, display_name="Anna Neri"))
    words = {
        "it": {"rules": "Regole", "new": "Nuova regola", "save": "Salva", "field": "Campo"},
        "en": {"rules": "Rules", "new": "New rule", "save": "Save", "field": "Field"},
    }[language]

    context = chromium.new_context(viewport={"width": 1366, "height": 800}, locale="it-IT")
    page = context.new_page()
    sign_in(page, live_server, admin.user.email)
    page.get_by_role("link", name=words["rules"], exact=True).click()
    page.wait_for_url("**/rules/")
    page.get_by_role("link", name=words["new"]).click()
    page.wait_for_url("**/rules/new/")
    page.fill("#rule-name", "VIP")
    page.select_option("#rule-event", "conversation_created")
    page.locator("#add-all").click()
    page.wait_for_selector("select[name='all-0-field']")
    settled(page)
    page.select_option("select[name='all-0-field']", "text")
    page.wait_for_selector(
        "select[name='all-0-operator'] option[value='contains']", state="attached"
    )
    settled(page)
    page.fill("input[name='all-0-value']", "urgente")
    page.locator("#add-all").click()
    page.wait_for_selector("select[name='all-1-field']")
    settled(page)
    page.select_option("select[name='all-1-field']", "priority")
    page.wait_for_selector(
        "select[name='all-1-operator'] option[value='at_least']", state="attached"
    )
    settled(page)
    # Changed her mind: the second condition goes.
    page.locator("#rows-all .rule-row").nth(1).locator(".rule-remove").click()
    page.wait_for_selector("select[name='all-1-field']", state="detached")
    settled(page)
    page.select_option("select[name='action-0-type']", "assign_team")
    page.wait_for_selector("select[name='action-0-option']")
    settled(page)
    page.select_option("select[name='action-0-value']", str(team.pk))
    page.select_option("select[name='action-0-option']", "round_robin")
    page.locator("#add-action").click()
    page.wait_for_selector("select[name='action-1-type']")
    settled(page)
    page.select_option("select[name='action-1-type']", "set_priority")
    page.wait_for_selector("select[name='action-1-value']")
    settled(page)
    page.select_option("select[name='action-1-value']", str(Priority.HIGH))
    page.screenshot(path=str(SHOTS / f"editor-{language}-desktop.png"), full_page=True)
    page.get_by_role("button", name=words["save"], exact=True).click()
    page.wait_for_url("**/rules/")
    page.screenshot(path=str(SHOTS / f"list-{language}-desktop.png"), full_page=True)

    rule = Rule.objects.get(workspace=workspace, name="VIP")
    assert rule.conditions == {
        "all": [{"field": "text", "operator": "contains", "value": "urgente"}],
        "any": [],
    }
    assert rule.actions == [
        {"type": "assign_team", "team_id": team.pk, "mode": "round_robin"},
        {"type": "set_priority", "priority": Priority.HIGH},
    ]

    number = customer_writes(
        api_channel, "È URGENTE: pacco rotto", "Pacco", f"c-{language}@example.it", "Carlo Bo"
    )
    conversation = Conversation.objects.get(workspace=workspace, number=number)
    assert conversation.priority == Priority.HIGH
    assert conversation.assignee.display_name == "Anna Neri"
    page.goto(f"{live_server.url}/c/{number}/")
    said = "Regola “VIP”" if language == "it" else "Rule “VIP”"
    assert page.get_by_text(said).count() >= 2
    page.screenshot(path=str(SHOTS / f"timeline-{language}-desktop.png"), full_page=True)
    page.goto(f"{live_server.url}/rules/{rule.pk}/")
    context.close()

    phone = chromium.new_context(viewport={"width": 360, "height": 740}, locale="it-IT")
    page = phone.new_page()
    sign_in(page, live_server, admin.user.email, to="/rules/")
    page.screenshot(path=str(SHOTS / f"list-{language}-phone.png"), full_page=True)
    page.goto(f"{live_server.url}/rules/{rule.pk}/")
    page.screenshot(path=str(SHOTS / f"editor-{language}-phone.png"), full_page=True)
    phone.close()
