"""POST /api/v1/conversations/bulk: the same triage on several conversations, each through
the actions (timeline, events), other workspaces' ids refused one by one."""

from __future__ import annotations

import pytest

from sportello.accounts.actions import create_team, issue_token
from sportello.conversations.models import Conversation, Kind, Message, Status
from tests.conftest import ApiClient
from tests.factories import AgentFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db


def _conversation(inbound, n: int) -> int:
    answer = inbound(f"Domanda {n}", sender={"name": f"Cliente {n}", "email": f"c{n}@example.it"})
    assert answer.status_code in (200, 201, 202), answer.content
    return int(answer.json()["conversation_id"])


@pytest.fixture
def stranger_conversation() -> Conversation:
    """A conversation of another workspace, posted by that workspace's own agent."""
    from sportello.channels.actions import ensure_channel

    other = WorkspaceFactory()
    ensure_channel(other.pk, kind="api", name="API", slug="api")
    token = issue_token(AgentFactory(workspace=other))
    body = {
        "channel": "api",
        "sender": {"name": "Estraneo", "email": "estraneo@example.it"},
        "text": "Altrove",
    }
    answer = ApiClient(token).post("/api/v1/inbound", body)
    assert answer.status_code in (200, 201, 202), answer.content
    return Conversation.objects.get(pk=answer.json()["conversation_id"])


def test_bulk_resolves_each_conversation_and_refuses_another_workspaces(
    api, inbound, agent, stranger_conversation
):
    first, second = _conversation(inbound, 1), _conversation(inbound, 2)
    answer = api.post(
        "/api/v1/conversations/bulk",
        {"ids": [first, second, stranger_conversation.pk], "status": "resolved"},
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["updated"] == [first, second]
    assert body["refused"] == [
        {"id": stranger_conversation.pk, "reason": "not found in this workspace"}
    ]
    statuses = dict(Conversation.objects.filter(pk__in=[first, second]).values_list("pk", "status"))
    assert statuses == {first: Status.RESOLVED, second: Status.RESOLVED}
    stranger_conversation.refresh_from_db()
    assert stranger_conversation.status == Status.OPEN
    # Recorded on each timeline as a single change is, with who did it.
    for pk in (first, second):
        event = Message.objects.get(conversation_id=pk, kind=Kind.EVENT, event="status_changed")
        assert event.sender_agent_id == agent.pk
        assert event.data == {"old": "open", "new": "resolved"}


def test_bulk_assigns_a_team_and_an_agent_and_adds_a_tag(api, inbound, agent, workspace):
    team = create_team(workspace, "Resi", members=[agent])
    first, second = _conversation(inbound, 1), _conversation(inbound, 2)
    api.patch(f"/api/v1/conversations/{first}", {"tags": ["vip"]})
    answer = api.post(
        "/api/v1/conversations/bulk",
        {"ids": [first, second], "assignee_id": agent.pk, "team_id": team.pk, "add_tags": ["Resi"]},
    )
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"updated": [first, second], "refused": []}
    one = api.get(f"/api/v1/conversations/{first}").json()
    two = api.get(f"/api/v1/conversations/{second}").json()
    assert one["assignee"]["id"] == agent.pk and two["assignee"]["id"] == agent.pk
    assert sorted(one["tags"]) == ["resi", "vip"]  # added, the others kept
    assert two["tags"] == ["resi"]
    unassigned = api.post("/api/v1/conversations/bulk", {"ids": [first], "assignee_id": None})
    assert unassigned.json()["updated"] == [first]
    assert api.get(f"/api/v1/conversations/{first}").json()["assignee"] is None


@pytest.mark.parametrize(
    "body",
    [
        {"ids": [], "status": "resolved"},
        {"ids": ["uno"], "status": "resolved"},
        {"ids": [1], "status": "snoozed"},
        {"ids": [1], "status": "finito"},
        {"ids": [1]},
        {"ids": [1], "add_tags": [""]},
        {"ids": [1], "add_tags": ["x" * 61]},
        {"ids": list(range(1, 102)), "status": "resolved"},
        {"status": "resolved"},
        {"ids": "1", "status": "resolved"},
    ],
)
def test_bulk_refuses_a_bad_payload_with_422_and_changes_nothing(api, inbound, body):
    pk = _conversation(inbound, 1)
    body = {**body, "ids": [pk] if body.get("ids") == [1] else body.get("ids")}
    if body["ids"] is None:
        del body["ids"]
    answer = api.post("/api/v1/conversations/bulk", body)
    assert answer.status_code == 422, (body, answer.content)
    assert Conversation.objects.get(pk=pk).status == Status.OPEN


def test_bulk_refuses_an_assignee_or_team_of_another_workspace(api, inbound):
    pk = _conversation(inbound, 1)
    outsider = AgentFactory(workspace=WorkspaceFactory())
    answer = api.post("/api/v1/conversations/bulk", {"ids": [pk], "assignee_id": outsider.pk})
    assert answer.status_code == 422
    answer = api.post("/api/v1/conversations/bulk", {"ids": [pk], "team_id": 999999})
    assert answer.status_code == 422
    assert Conversation.objects.get(pk=pk).assignee_id is None


def test_bulk_needs_a_token(inbound):
    assert (
        ApiClient(None)
        .post("/api/v1/conversations/bulk", {"ids": [1], "status": "open"})
        .status_code
        == 401
    )
