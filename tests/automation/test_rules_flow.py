"""Rules as a business meets them: an inbound message assigned in turn and raised in
priority, the SLA escalation notifying at the simulated time, a rule that re-triggers
itself stopped, time-based rules, webhooks signed and retried."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from sportello.accounts.actions import issue_token
from sportello.accounts.models import Role
from sportello.automation.models import (
    Notification,
    Rule,
    RuleRun,
    WebhookCall,
    WebhookStatus,
)
from sportello.automation.rule_jobs import run_sla_rules, run_timed
from sportello.automation.rules import actions as rule_actions
from sportello.automation.rules.engine import MAX_RUNS
from sportello.automation.rules.tasks import attempt_webhook, signature, webhook_body
from sportello.conversations.actions import assign, set_status
from sportello.conversations.models import Conversation, Kind, Message, Priority
from sportello.sla.actions import escalate_due
from tests.conftest import ApiClient
from tests.factories import AgentFactory, TeamFactory
from tests.providers.fake_http import Reply, fake_provider
from tests.sla.conftest import MovingClock

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_api(workspace) -> ApiClient:
    return ApiClient(issue_token(AgentFactory(workspace=workspace, role=Role.ADMIN)))


@pytest.fixture
def team(workspace):
    team = TeamFactory(workspace=workspace, name="Spedizioni")
    members = [
        AgentFactory(workspace=workspace, display_name=name) for name in ("Anna", "Bruno", "Carla")
    ]
    team.members.add(*members)
    return team


@pytest.fixture
def write(inbound, django_capture_on_commit_callbacks):
    """A customer's message through the API, the handlers of its commit run."""

    def post(text: str = "Il mio ordine non è arrivato", **fields) -> dict:
        with django_capture_on_commit_callbacks(execute=True):
            response = inbound(text, **fields)
        assert response.status_code == 201, response.content
        return response.json()

    return post


def make_rule(admin_api: ApiClient, **body) -> dict:
    response = admin_api.post("/api/v1/rules", body)
    assert response.status_code == 201, response.content
    return response.json()


def rule_events(conversation_id: int) -> list[dict]:
    return [
        m.data
        for m in Message.objects.filter(
            conversation_id=conversation_id, kind=Kind.EVENT, event="rule_applied"
        ).order_by("created_at", "id")
    ]


def test_inbound_is_assigned_in_turn_and_raised_and_the_timeline_says_so(
    admin_api, team, write, moving_clock
):
    """GIVEN a rule "VIP": a message containing "urgente" (any case, any accent) goes to
    the Spedizioni team in turn and gets high priority
    WHEN three customers write, two urgently
    THEN the urgent two go to Anna then Bruno, high, and their timelines say so."""
    make_rule(
        admin_api,
        name="VIP",
        event="conversation_created",
        conditions={"all": [{"field": "text", "operator": "contains", "value": "URGENTE"}]},
        actions=[
            {"type": "assign_team", "team_id": team.pk, "mode": "round_robin"},
            {"type": "set_priority", "priority": Priority.HIGH},
        ],
    )
    first = write("È urgènte: il pacco è rotto", sender={"name": "A", "email": "a@example.it"})
    calm = write("Una domanda sui resi", sender={"name": "B", "email": "b@example.it"})
    second = write("urgente, grazie", sender={"name": "C", "email": "c@example.it"})

    got = {
        c.pk: c
        for c in Conversation.objects.select_related("assignee").filter(
            pk__in=[first["conversation_id"], calm["conversation_id"], second["conversation_id"]]
        )
    }
    assert got[first["conversation_id"]].assignee.display_name == "Anna"
    assert got[second["conversation_id"]].assignee.display_name == "Bruno"
    assert got[first["conversation_id"]].priority == Priority.HIGH
    assert got[calm["conversation_id"]].assignee is None
    assert got[calm["conversation_id"]].priority == Priority.NORMAL
    said = rule_events(first["conversation_id"])
    assert [(d["rule"], d["action"]) for d in said] == [
        ("VIP", "assign_team"),
        ("VIP", "set_priority"),
    ]
    assert said[0]["agent"] == "Anna" and said[1]["priority"] == Priority.HIGH
    assert rule_events(calm["conversation_id"]) == []


def test_sla_warning_at_the_simulated_time_notifies_the_assignee_then_breach_the_supervisors(
    admin_api, team, write, moving_clock: MovingClock, django_capture_on_commit_callbacks
):
    """The default rules: 15 minutes before the first reply is due the assignee is
    notified; at the breach, the supervisors and admins."""
    moving_clock.set(2026, 12, 2, 10, 0)  # a Wednesday: due at 11:00
    answer = write("Buongiorno, dov'è il mio ordine?")
    conversation = Conversation.objects.get(pk=answer["conversation_id"])
    anna = team.members.get(display_name="Anna")
    with django_capture_on_commit_callbacks(execute=True):
        assign(conversation, None, assignee=anna)

    moving_clock.set(2026, 12, 2, 10, 44)
    with django_capture_on_commit_callbacks(execute=True):
        escalate_due()
        run_sla_rules()
    assert not Notification.objects.exists()

    moving_clock.set(2026, 12, 2, 10, 46)
    with django_capture_on_commit_callbacks(execute=True):
        assert escalate_due() == (1, 0)
        assert run_sla_rules() == 1
    assert [n.agent_id for n in Notification.objects.all()] == [anna.pk]
    assert (
        Rule.objects.filter(workspace_id=conversation.workspace_id).exclude(default_key="").count()
        == 3  # the two escalations and the low rating's (issue 15 point 5)
    )

    moving_clock.set(2026, 12, 2, 11, 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert escalate_due() == (0, 1)
        assert run_sla_rules() == 1
    assert run_sla_rules() == 0  # each event is escalated once
    supervisors = set(
        Notification.objects.exclude(agent=anna).values_list("agent__role", flat=True)
    )
    assert supervisors == {Role.ADMIN}
    conversation.refresh_from_db()
    assert conversation.first_reply_sla == "breached"


def test_a_rule_that_retriggers_itself_is_stopped_and_the_stop_recorded(
    admin_api, write, moving_clock, django_capture_on_commit_callbacks
):
    """Two rules undoing each other (pending -> open -> pending...) run MAX_RUNS times
    each, then the loop guard stops them and says so on the timeline."""
    make_rule(
        admin_api,
        name="Riapri",
        event="status_changed",
        conditions={"all": [{"field": "status", "operator": "is", "value": "pending"}]},
        actions=[{"type": "set_status", "status": "open"}],
    )
    make_rule(
        admin_api,
        name="Metti in attesa",
        event="status_changed",
        conditions={"all": [{"field": "status", "operator": "is", "value": "open"}]},
        actions=[{"type": "set_status", "status": "pending"}],
    )
    answer = write()
    conversation = Conversation.objects.get(pk=answer["conversation_id"])
    with django_capture_on_commit_callbacks(execute=True):
        set_status(conversation, None, "pending")
    runs = RuleRun.objects.filter(conversation_id=conversation.pk)
    assert runs.filter(stopped="").count() == 2 * MAX_RUNS
    assert runs.filter(stopped="rate").exists()
    stops = Message.objects.filter(conversation=conversation, event="rule_stopped")
    assert stops.count() == 1
    assert stops.get().data["reason"] == "rate"


@pytest.mark.django_db(transaction=True)
def test_nested_rule_events_stop_at_the_depth_limit(workspace, agent):
    """After a real commit the events run nested: the depth limit stops the loop
    before the rate does."""
    from sportello.automation.models import RuleEvent
    from sportello.automation.rules.engine import MAX_DEPTH

    rule_actions.create_rule(
        workspace.pk,
        name="Ping",
        event=RuleEvent.STATUS_CHANGED,
        conditions={"all": [{"field": "status", "operator": "is", "value": "pending"}]},
        actions=[{"type": "set_status", "status": "open"}],
    )
    rule_actions.create_rule(
        workspace.pk,
        name="Pong",
        event=RuleEvent.STATUS_CHANGED,
        conditions={"all": [{"field": "status", "operator": "is", "value": "open"}]},
        actions=[{"type": "set_status", "status": "pending"}],
    )
    response = ApiClient(issue_token(agent)).post(
        "/api/v1/inbound",
        {"channel": "api", "sender": {"name": "M", "email": "m@example.it"}, "text": "ciao"},
    )
    conversation = Conversation.objects.get(pk=response.json()["conversation_id"])
    set_status(conversation, None, "pending")
    runs = RuleRun.objects.filter(conversation_id=conversation.pk)
    # Each level runs both rules once at most; the level past MAX_DEPTH runs none.
    assert MAX_DEPTH <= runs.filter(stopped="").count() <= 2 * MAX_DEPTH
    assert runs.filter(stopped="depth").exists()
    assert Message.objects.filter(conversation=conversation, event="rule_stopped").count() == 1


def test_pending_for_hours_fires_once_per_wait(
    admin_api, write, moving_clock, django_capture_on_commit_callbacks
):
    make_rule(
        admin_api,
        name="Sollecito",
        event="pending_for",
        wait_minutes=48 * 60,
        actions=[
            {"type": "add_tags", "tags": ["sollecito"]},
            {"type": "set_status", "status": "open"},
        ],
    )
    answer = write()
    conversation = Conversation.objects.get(pk=answer["conversation_id"])
    with django_capture_on_commit_callbacks(execute=True):
        set_status(conversation, None, "pending")
    moving_clock.advance(timedelta(hours=47))
    assert run_timed() == 0
    moving_clock.advance(timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):
        assert run_timed() == 1
    conversation.refresh_from_db()
    assert conversation.status == "open"
    assert [t.name for t in conversation.tags.all()] == ["sollecito"]
    assert run_timed() == 0


def test_unassigned_for_minutes_assigns_the_least_busy(admin_api, team, write, moving_clock):
    anna, bruno, carla = team.members.order_by("id")
    make_rule(
        admin_api,
        name="Nessuno la prende",
        event="unassigned_for",
        wait_minutes=30,
        actions=[{"type": "assign_team", "team_id": team.pk, "mode": "least_busy"}],
    )
    busy = write("uno", sender={"name": "U", "email": "u@example.it"})
    Conversation.objects.filter(pk=busy["conversation_id"]).update(assignee=anna)
    busy = write("due", sender={"name": "D", "email": "d@example.it"})
    Conversation.objects.filter(pk=busy["conversation_id"]).update(assignee=bruno)
    waiting = write("tre", sender={"name": "T", "email": "t@example.it"})
    moving_clock.advance(timedelta(minutes=29))
    assert run_timed() == 0
    moving_clock.advance(timedelta(minutes=2))
    assert run_timed() == 1
    assert Conversation.objects.get(pk=waiting["conversation_id"]).assignee == carla


def test_webhook_is_signed_retried_and_its_failure_recorded(admin_api, write, moving_clock):
    with fake_provider() as fake:
        fake.route("POST", "/hook", Reply(200, json={"ok": True}))
        fake.then("POST", "/hook", Reply(500, json={"error": "down"}))
        make_rule(
            admin_api,
            name="Al gestionale",
            event="conversation_created",
            actions=[{"type": "webhook", "url": f"{fake.url}/hook", "secret": "s3greto"}],
        )
        answer = write()
        call = WebhookCall.objects.get(conversation_id=answer["conversation_id"])
        # The first attempt ran on commit (immediate queue) and met the 500.
        call.refresh_from_db()
        assert (call.status, call.attempts, call.last_error) == (
            WebhookStatus.PENDING,
            1,
            "HTTP 500",
        )
        assert attempt_webhook(call.pk) is True
        call.refresh_from_db()
        assert (call.status, call.attempts, call.response_status) == (WebhookStatus.SENT, 2, 200)
        sent = fake.sent("POST", "/hook")[-1]
        assert sent.header("X-Sportello-Signature") == signature("s3greto", sent.body)
        assert sent.json()["conversation"]["id"] == answer["conversation_id"]
        assert json.loads(webhook_body(call.payload)) == sent.json()

    # Nobody listens any more: each attempt fails, the last one for good.
    for _ in range(10):
        if attempt_webhook(call.pk):
            break
    WebhookCall.objects.filter(pk=call.pk).update(status=WebhookStatus.PENDING, attempts=0)
    finished = [attempt_webhook(call.pk) for _ in range(5)]
    assert finished == [False, False, False, False, True]
    call.refresh_from_db()
    assert call.status == WebhookStatus.FAILED and call.last_error.startswith("ConnectError")
