"""The rules' API and its checks, and each condition read against a conversation
(table-driven)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from sportello.accounts.actions import issue_token
from sportello.accounts.models import Role
from sportello.automation.replies import create_macro
from sportello.automation.rules.conditions import Facts, fold, holds
from sportello.automation.rules.schema import check_condition
from sportello.conversations.models import Conversation, Priority
from tests.conftest import ApiClient
from tests.factories import AgentFactory, TeamFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db
ROME = ZoneInfo("Europe/Rome")

RULE = {
    "name": "VIP",
    "event": "message_received",
    "conditions": {"all": [{"field": "priority", "operator": "at_least", "value": 2}]},
    "actions": [{"type": "add_tags", "tags": ["vip"]}],
}


@pytest.fixture
def admin_api(workspace) -> ApiClient:
    return ApiClient(issue_token(AgentFactory(workspace=workspace, role=Role.ADMIN)))


@pytest.fixture
def conversation(inbound) -> Conversation:
    answer = inbound("Perché il pacco è in ritardo? Ordine 4411").json()
    return Conversation.objects.select_related("channel", "customer").get(
        pk=answer["conversation_id"]
    )


def test_admins_write_rules_agents_read_them(admin_api, api):
    created = admin_api.post("/api/v1/rules", RULE)
    assert created.status_code == 201, created.content
    assert api.post("/api/v1/rules", RULE).status_code == 403
    names = [r["name"] for r in api.get("/api/v1/rules").json()]
    # The default escalation rules run last (position 1000 and up).
    assert names[0] == "VIP" and len(names) == 4  # and the low rating's (issue 15)
    rule_id = created.json()["id"]
    patched = admin_api.patch(f"/api/v1/rules/{rule_id}", {"is_enabled": False})
    assert patched.json()["is_enabled"] is False
    assert patched.json()["actions"] == RULE["actions"]
    assert admin_api.delete(f"/api/v1/rules/{rule_id}").status_code == 204
    default = next(r for r in api.get("/api/v1/rules").json() if r["is_default"])
    refused = admin_api.delete(f"/api/v1/rules/{default['id']}")
    assert refused.status_code == 409 and "disable" in refused.json()["detail"]


def test_reorder_puts_the_rules_in_the_given_order(admin_api):
    ids = [r["id"] for r in admin_api.get("/api/v1/rules").json()]
    new = admin_api.post("/api/v1/rules", RULE).json()["id"]
    order = [new, *ids]
    assert [
        r["id"] for r in admin_api.post("/api/v1/rules/reorder", {"order": order}).json()
    ] == order
    assert [r["id"] for r in admin_api.get("/api/v1/rules").json()] == order
    bad = admin_api.post("/api/v1/rules/reorder", {"order": order[:-1]})
    assert bad.status_code == 422 and "every rule" in bad.json()["detail"]


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"actions": []}, "at least one action"),
        ({"actions": [{"type": "explode"}]}, "unknown action 'explode'"),
        ({"event": "tuesday"}, "event: unknown 'tuesday'"),
        ({"event": "pending_for"}, "wait_minutes"),
        (
            {"conditions": {"all": [{"field": "mood", "operator": "is", "value": 1}]}},
            "unknown field 'mood'",
        ),
        (
            {"conditions": {"all": [{"field": "priority", "operator": "like", "value": 1}]}},
            "unknown operator 'like' for priority",
        ),
        (
            {"conditions": {"any": [{"field": "priority", "operator": "is", "value": 9}]}},
            "conditions.any[0]: priority must be one of",
        ),
        ({"actions": [{"type": "assign_team", "team_id": 999999}]}, "no team 999999"),
        ({"actions": [{"type": "webhook", "url": "ftp://x"}]}, "an http(s) address"),
        ({"actions": [{"type": "send_reply", "text": "Ciao {password}"}]}, "unknown placeholder"),
        ({"actions": [{"type": "set_status", "status": "snoozed"}]}, "actions[0].status"),
        ({"name": "  "}, "needs a name"),
        ({"actions": [{"type": "apply_macro"}]}, "actions[0].macro_id: a number is needed"),
        (
            {"actions": [{"type": "apply_macro", "macro_id": 999999}]},
            "actions[0].macro_id: no macro 999999 in this workspace",
        ),
    ],
)
def test_a_rule_that_cannot_run_is_refused_with_a_clear_422(admin_api, change, says):
    response = admin_api.post("/api/v1/rules", {**RULE, **change})
    assert response.status_code == 422, response.content
    assert says in response.json()["detail"]


def test_dry_run_says_which_conditions_matched(admin_api, conversation):
    rule = admin_api.post(
        "/api/v1/rules",
        {
            **RULE,
            "conditions": {
                "all": [{"field": "text", "operator": "contains", "value": "perche"}],
                "any": [
                    {"field": "priority", "operator": "is", "value": Priority.URGENT},
                    {"field": "channel_kind", "operator": "is", "value": "api"},
                ],
            },
        },
    ).json()
    answer = admin_api.post(
        f"/api/v1/rules/{rule['id']}/test", {"conversation_id": conversation.pk}
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["matched"] is True
    assert [c["matched"] for c in body["conditions"]] == [True, False, True]
    # Nothing was done.
    assert not conversation.tags.exists()
    missing = admin_api.post(f"/api/v1/rules/{rule['id']}/test", {"conversation_id": 10**9})
    assert missing.status_code == 404


MONDAY_10 = datetime(2026, 12, 7, 10, 0, tzinfo=ROME)
SUNDAY_10 = datetime(2026, 12, 6, 10, 0, tzinfo=ROME)


@pytest.mark.parametrize(
    ("field", "operator", "value", "expected"),
    [
        ("text", "contains", "PERCHE", True),
        ("text", "contains", "ritardò", True),
        ("text", "not_contains", "rimborso", True),
        ("text", "contains", "rimborso", False),
        ("subject", "contains", "zzz", False),
        ("channel_kind", "is", "api", True),
        ("channel_kind", "is_not", "api", False),
        ("priority", "is", Priority.NORMAL, True),
        ("priority", "at_least", Priority.HIGH, False),
        ("priority", "at_most", Priority.NORMAL, True),
        ("status", "is", "open", True),
        ("status", "is_not", "open", False),
        ("assignee", "is_not_set", None, True),
        ("assignee", "is_set", None, False),
        ("team", "is_not_set", None, True),
        ("tag", "has", "vip", True),
        ("tag", "has_not", "vip", False),
        ("customer_name", "contains", "rossi", True),
        ("language", "is", "it", True),
        ("business_hours", "is", True, True),
        ("sla_target", "is", "first_reply", False),
    ],
)
def test_each_condition_reads_the_conversation(conversation, field, operator, value, expected):
    from sportello.conversations.actions import set_tags

    set_tags(conversation, None, ["vip"])
    Conversation.objects.filter(pk=conversation.pk).update(language="it")
    conversation.refresh_from_db()
    condition = {"field": field, "operator": operator}
    if value is not None:
        condition["value"] = value
    checked = check_condition(conversation.workspace_id, condition, "c")
    assert holds(checked, Facts.gather(conversation, MONDAY_10)) is expected


def test_business_hours_follow_the_default_calendar(conversation):
    checked = check_condition(
        conversation.workspace_id,
        {"field": "business_hours", "operator": "is", "value": "true"},
        "c",
    )
    assert holds(checked, Facts.gather(conversation, MONDAY_10)) is True
    assert holds(checked, Facts.gather(conversation, SUNDAY_10)) is False


def test_team_and_assignee_conditions_name_rows_of_the_workspace(workspace, conversation):
    team = TeamFactory(workspace=workspace)
    checked = check_condition(
        workspace.pk, {"field": "team", "operator": "is", "value": team.pk}, "c"
    )
    assert holds(checked, Facts.gather(conversation, MONDAY_10)) is False
    other = TeamFactory()
    with pytest.raises(Exception, match="no team"):
        check_condition(workspace.pk, {"field": "team", "operator": "is", "value": other.pk}, "c")


def test_fold_drops_case_and_accents():
    assert fold("PERCHÉ Più") == "perche piu"


def test_a_rule_cannot_apply_another_workspaces_macro(admin_api):
    other = AgentFactory(workspace=WorkspaceFactory(), role=Role.ADMIN)
    theirs = create_macro(other, name="Loro", status="resolved")
    rule = {**RULE, "actions": [{"type": "apply_macro", "macro_id": theirs.pk}]}
    response = admin_api.post("/api/v1/rules", rule)
    assert response.status_code == 422, response.content
    assert (
        f"actions[0].macro_id: no macro {theirs.pk} in this workspace" in response.json()["detail"]
    )
