"""The rules' pages: what an admin posts becomes a rule, a bad one is shown again with
the reason, rows come from the server, the order moves, agents are kept out."""

from __future__ import annotations

import pytest
from django.test import Client

from sportello.accounts.models import Role
from sportello.automation.models import Rule
from sportello.automation.replies import create_macro
from sportello.automation.rules.actions import create_rule
from tests.factories import AgentFactory, TeamFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(workspace):
    return AgentFactory(workspace=workspace, role=Role.ADMIN, language="en")


@pytest.fixture
def browser(admin) -> Client:
    client = Client()
    client.force_login(admin.user)
    return client


def test_the_editor_turns_rows_into_a_rule(browser, workspace):
    team = TeamFactory(workspace=workspace)
    form = {
        "name": "Resi",
        "event": "message_received",
        "is_enabled": "on",
        "all-0-field": "text",
        "all-0-operator": "contains",
        "all-0-value": "reso",
        "all-3-field": "",  # a row left empty is no condition
        "any-0-field": "assignee",
        "any-0-operator": "is_not_set",
        "action-0-type": "assign_team",
        "action-0-value": str(team.pk),
        "action-0-option": "least_busy",
        "action-1-type": "notify",
        "action-1-value": "team",
        "action-1-option": "true",
    }
    response = browser.post("/rules/new/", form)
    assert response.status_code == 302
    rule = Rule.objects.get(workspace=workspace, name="Resi")
    assert rule.conditions == {
        "all": [{"field": "text", "operator": "contains", "value": "reso"}],
        "any": [{"field": "assignee", "operator": "is_not_set"}],
    }
    assert rule.actions == [
        {"type": "assign_team", "team_id": team.pk, "mode": "least_busy"},
        {"type": "notify", "to": "team", "email": True},
    ]
    page = browser.get(f"/rules/{rule.pk}/").content.decode()
    assert 'name="all-0-value" value="reso"' in page
    assert '<option value="least_busy" selected>' in page


def test_a_rule_that_cannot_run_is_shown_again_with_the_reason(browser, workspace):
    response = browser.post(
        "/rules/new/",
        {
            "name": "Vuota",
            "event": "message_received",
            "all-0-field": "priority",
            "all-0-operator": "is",
            "all-0-value": "1",
        },
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "a rule needs at least one action" in page
    assert '<option value="priority" selected>' in page  # what was typed stays
    assert not Rule.objects.filter(name="Vuota").exists()


def test_a_row_follows_its_field(browser):
    row = browser.get(
        "/rules/row/", {"group": "all", "index": "2", "all-2-field": "status", "add": "1"}
    ).content.decode()
    assert 'name="all-2-operator"' in row and '<option value="pending">' in row
    assert 'id="add-all"' in row and "index=3" in row  # the next "add" button, out of band
    assert browser.get("/rules/row/", {"group": "x"}).status_code == 400
    assert browser.get("/rules/row/", {"group": "all", "index": "1", "remove": "1"}).content == b""


def test_rules_move_and_switch_off(browser, workspace):
    first = create_rule(
        workspace.pk,
        name="A",
        event="message_received",
        actions=[{"type": "add_tags", "tags": ["a"]}],
        position=1,
    )
    second = create_rule(
        workspace.pk,
        name="B",
        event="message_received",
        actions=[{"type": "add_tags", "tags": ["b"]}],
        position=2,
    )
    browser.get("/rules/")  # the default rules appear
    assert browser.post(f"/rules/{second.pk}/move/", {"direction": "up"}).status_code == 302
    order = list(
        Rule.objects.filter(workspace=workspace).order_by("position").values_list("name", flat=True)
    )
    assert order[:2] == ["B", "A"]
    browser.post(f"/rules/{first.pk}/toggle/", {})
    first.refresh_from_db()
    assert first.is_enabled is False
    page = browser.get("/rules/").content.decode()
    assert page.index(">B</a>") < page.index(">A</a>") and "Disabled" in page


def test_agents_are_kept_out(workspace):
    client = Client()
    client.force_login(AgentFactory(workspace=workspace).user)
    assert client.get("/rules/").status_code == 403
    assert client.post("/rules/new/", {"name": "x"}).status_code == 403


def test_the_editor_offers_the_workspaces_macros_and_saves_one(browser, admin, workspace):
    mine = create_macro(admin, name="Spedito", status="resolved")
    other = AgentFactory(workspace=WorkspaceFactory(), role=Role.ADMIN)
    create_macro(other, name="Loro", status="pending")
    row = browser.get(
        "/rules/row/", {"group": "action", "index": "0", "action-0-type": "apply_macro"}
    ).content.decode()
    assert '<option value="apply_macro" selected>' in row
    assert f'<option value="{mine.pk}">Spedito</option>' in row and "Loro" not in row
    response = browser.post(
        "/rules/new/",
        {
            "name": "Chiudi",
            "event": "message_received",
            "action-0-type": "apply_macro",
            "action-0-value": str(mine.pk),
        },
    )
    assert response.status_code == 302
    rule = Rule.objects.get(workspace=workspace, name="Chiudi")
    assert rule.actions == [{"type": "apply_macro", "macro_id": mine.pk}]
    page = browser.get(f"/rules/{rule.pk}/").content.decode()
    assert f'<option value="{mine.pk}" selected>Spedito</option>' in page
