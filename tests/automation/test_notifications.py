"""Notifications an agent can see: a rule's ``notify`` makes them, the API lists the
caller's own (newest first) and marks them read, the bell counts the unread ones and the
page opens them; a live page is told to count again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from sportello.accounts.actions import issue_token
from sportello.accounts.models import Role
from sportello.automation.events import NotificationsAdded
from sportello.automation.models import Notification, RuleEvent
from sportello.automation.rules import actions as rule_actions
from sportello.automation.rules.engine import run_rules
from sportello.conversations.models import Conversation
from sportello.core import events
from sportello.core.clock import now
from sportello.web import live
from tests.conftest import ApiClient
from tests.factories import AgentFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(inbound) -> Conversation:
    answer = inbound("Il pacco non è arrivato, ordine 4411").json()
    return Conversation.objects.get(pk=answer["conversation_id"])


@pytest.fixture
def supervisor(workspace):
    return AgentFactory(workspace=workspace, role=Role.SUPERVISOR, display_name="Sara Capo")


def _notify(conversation: Conversation, name: str = "Urgente") -> None:
    rule_actions.create_rule(
        conversation.workspace_id,
        name=name,
        event=RuleEvent.MESSAGE_RECEIVED,
        actions=[{"type": "notify", "to": "supervisors"}],
    )
    run_rules(conversation.workspace_id, RuleEvent.MESSAGE_RECEIVED, conversation.pk)


def _note(agent, text: str, minutes_ago: int, conversation_id: int | None = None) -> Notification:
    return Notification.objects.create(
        workspace_id=agent.workspace_id,
        agent=agent,
        conversation_id=conversation_id,
        text=text,
        created_at=now() - timedelta(minutes=minutes_ago),
    )


def test_the_api_lists_the_callers_own_newest_first(supervisor, agent, conversation):
    _note(supervisor, "Vecchia", 60, conversation.pk)
    _notify(conversation)
    _note(agent, "Di Giulia", 5)
    answer = ApiClient(issue_token(supervisor)).get("/api/v1/notifications")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["unread_count"] == 2
    assert [n["text"] for n in body["notifications"]] == [
        f"Urgente: #{conversation.number} {conversation.subject}".strip(),
        "Vecchia",
    ]
    first = body["notifications"][0]
    assert first["conversation_number"] == conversation.number and first["read_at"] is None


def test_marking_read_touches_only_the_callers_notifications(supervisor, agent, conversation):
    mine = _note(supervisor, "Mia", 10, conversation.pk)
    other = _note(supervisor, "Altra", 5)
    giulias = _note(agent, "Di Giulia", 5)
    client = ApiClient(issue_token(supervisor))
    answer = client.post("/api/v1/notifications/read", {"ids": [mine.pk, giulias.pk]})
    assert answer.json() == {"marked": 1, "unread_count": 1}
    unread = client.get("/api/v1/notifications?unread=true").json()["notifications"]
    assert [n["id"] for n in unread] == [other.pk]
    assert client.post("/api/v1/notifications/read", {}).json() == {
        "marked": 1,
        "unread_count": 0,
    }
    giulias.refresh_from_db()
    assert giulias.read_at is None
    assert client.get("/api/v1/notifications?limit=0").status_code == 422


def test_another_workspace_sees_none(supervisor, conversation):
    _notify(conversation)
    outsider = AgentFactory(workspace=WorkspaceFactory(), role=Role.ADMIN)
    body = ApiClient(issue_token(outsider)).get("/api/v1/notifications").json()
    assert body == {"unread_count": 0, "notifications": []}


def test_a_notify_rule_tells_the_live_pages_whom_it_notified(
    supervisor, conversation, django_capture_on_commit_callbacks, monkeypatch
):
    told: list[NotificationsAdded] = []
    events.subscribe(NotificationsAdded, told.append)
    pushed: list[dict] = []
    monkeypatch.setattr(live, "push", lambda group, message: pushed.append(message))
    events.subscribe(NotificationsAdded, live.notifications_added)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            _notify(conversation)
    finally:
        events.unsubscribe(NotificationsAdded, told.append)
    assert [e.agent_ids for e in told] == [(supervisor.pk,)]
    assert {"event": "notification.added", "agents": [supervisor.pk]} in [
        m["event"] for m in pushed
    ]


def test_the_bell_counts_and_the_page_opens_and_marks_read(supervisor, conversation):
    _note(supervisor, "Prima", 30)
    _notify(conversation)
    browser = Client()
    browser.force_login(supervisor.user)
    inbox = browser.get("/").content.decode()
    assert 'id="nav-bell"' in inbox and '<span class="bell-count">2</span>' in inbox
    page = browser.get("/notifications/").content.decode()
    assert page.index("Urgente: #") < page.index("Prima")  # newest first
    assert page.count('class="notification is-unread"') == 2
    note = Notification.objects.get(agent=supervisor, conversation_id=conversation.pk)
    opened = browser.get(f"/notifications/{note.pk}/")
    assert opened.status_code == 302 and opened["Location"] == f"/c/{conversation.number}/"
    note.refresh_from_db()
    assert note.read_at is not None
    nav = browser.get("/live/nav/").content.decode()  # what a live page fetches
    assert 'hx-swap-oob="true"' in nav and '<span class="bell-count">1</span>' in nav
    assert browser.post("/notifications/read/").status_code == 302
    assert not Notification.objects.filter(agent=supervisor, read_at__isnull=True).exists()
    after = browser.get("/notifications/").content.decode()
    assert "bell-count" not in after and "is-unread" not in after


def test_another_agents_notification_is_not_found(supervisor, agent, conversation):
    theirs = _note(supervisor, "Di Sara", 5, conversation.pk)
    browser = Client()
    browser.force_login(agent.user)
    assert browser.get(f"/notifications/{theirs.pk}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
