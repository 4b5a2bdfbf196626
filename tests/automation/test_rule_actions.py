"""Each action of a rule, done through the owning app's action and put on the
timeline; an action that cannot be done is recorded and the others still apply."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from sportello.accounts.models import Role
from sportello.automation.models import Notification, RuleEvent
from sportello.automation.rules import actions as rule_actions
from sportello.automation.rules.engine import run_rules
from sportello.conversations.models import Conversation, Direction, Kind, Message
from sportello.outbound.models import Delivery, DeliveryStatus
from sportello.providers.email.receive import receive_email
from tests.factories import AgentFactory, TeamFactory
from tests.outbound.helpers import SHOP_ADDRESS, make_email_channel, smtp_sink

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(inbound) -> Conversation:
    answer = inbound("Vorrei sapere dove è il mio ordine 4411").json()
    return Conversation.objects.get(pk=answer["conversation_id"])


def run(conversation: Conversation, *actions_: dict, **rule) -> list:
    rule_actions.create_rule(
        conversation.workspace_id,
        name=rule.pop("name", "Prova"),
        event=RuleEvent.MESSAGE_RECEIVED,
        actions=list(actions_),
        **rule,
    )
    return run_rules(conversation.workspace_id, RuleEvent.MESSAGE_RECEIVED, conversation.pk)


def timeline(conversation: Conversation, event: str) -> list[dict]:
    return [
        m.data
        for m in Message.objects.filter(conversation=conversation, event=event).order_by("id")
    ]


def test_tags_are_added_and_removed_as_the_rule_says(conversation):
    run(conversation, {"type": "add_tags", "tags": ["ordini", "Da Controllare"]})
    assert sorted(t.name for t in conversation.tags.all()) == ["da controllare", "ordini"]
    run(conversation, {"type": "remove_tags", "tags": ["ordini"]}, name="Togli")
    assert [t.name for t in conversation.tags.all()] == ["da controllare"]
    assert [d["tags"] for d in timeline(conversation, "rule_applied")] == [
        ["ordini", "da controllare"],
        ["ordini"],
    ]


def test_a_note_is_internal_and_signed_with_the_rule(conversation):
    run(
        conversation, {"type": "add_note", "text": "Cliente VIP: rispondere entro oggi"}, name="VIP"
    )
    note = Message.objects.get(conversation=conversation, kind=Kind.NOTE)
    assert note.sender_name == "VIP" and note.sender_agent_id is None
    assert note.direction == Direction.OUTBOUND and "VIP" in note.text


def test_a_reply_fills_the_placeholders_and_goes_out_by_email(
    workspace, django_capture_on_commit_callbacks
):
    with smtp_sink() as sink:
        mailbox = make_email_channel(workspace.pk, smtp_port=sink.port)
        email = EmailMessage()
        email["From"] = "Mario Rossi <mario.rossi@example.it>"
        email["To"] = SHOP_ADDRESS
        email["Subject"] = "Ordine 4411"
        email["Message-ID"] = "<regola-1@cliente.example.it>"
        email.set_content("Dov'è il mio ordine 4411?")
        with django_capture_on_commit_callbacks(execute=True):
            outcome = receive_email(mailbox, email.as_bytes(), source="test")
        conversation = Conversation.objects.get(pk=outcome.conversation_id)
        with django_capture_on_commit_callbacks(execute=True):
            run(
                conversation, {"type": "send_reply", "text": "Gentile {name}, pratica n. {number}."}
            )
        reply = Message.objects.get(
            conversation=conversation, direction=Direction.OUTBOUND, kind=Kind.MESSAGE
        )
        assert reply.text == f"Gentile Mario Rossi, pratica n. {conversation.number}."
        assert reply.data == {"automatic": "rule"}
        assert Delivery.objects.get(message=reply).status == DeliveryStatus.SENT
        assert len(sink.messages()) == 1


def test_a_reply_on_a_channel_that_cannot_send_is_recorded_as_failed(conversation):
    run(conversation, {"type": "send_reply", "text": "Gentile {name}."})
    (failed,) = timeline(conversation, "rule_action_failed")
    assert failed["action"] == "send_reply" and "cannot send" in failed["error"]


def test_notify_the_team_when_nobody_holds_the_conversation(workspace, conversation):
    team = TeamFactory(workspace=workspace)
    members = [AgentFactory(workspace=workspace) for _ in range(2)]
    team.members.add(*members, AgentFactory(workspace=workspace, is_active=False))
    Conversation.objects.filter(pk=conversation.pk).update(team=team)
    run(conversation, {"type": "notify", "to": "assignee_or_team"})
    assert sorted(Notification.objects.values_list("agent_id", flat=True)) == sorted(
        m.pk for m in members
    )


def test_notify_supervisors_by_email(
    workspace, conversation, mailoutbox, django_capture_on_commit_callbacks
):
    boss = AgentFactory(workspace=workspace, role=Role.SUPERVISOR, user__email="capo@negozio.it")
    AgentFactory(workspace=workspace)  # a plain agent hears nothing
    AgentFactory(role=Role.ADMIN)  # nor another workspace's admin
    with django_capture_on_commit_callbacks(execute=True):
        run(conversation, {"type": "notify", "to": "supervisors", "email": True}, name="Allarme")
    assert list(Notification.objects.values_list("agent_id", flat=True)) == [boss.pk]
    assert [m.to for m in mailoutbox] == [["capo@negozio.it"]]
    assert "Allarme" in mailoutbox[0].subject


def test_an_action_that_cannot_be_done_is_recorded_and_the_next_applies(workspace, conversation):
    leaving = AgentFactory(workspace=workspace)
    rule_actions.create_rule(
        workspace.pk,
        name="Assegna",
        event=RuleEvent.MESSAGE_RECEIVED,
        actions=[
            {"type": "assign_agent", "agent_id": leaving.pk},
            {"type": "set_priority", "priority": 3},
        ],
    )
    type(leaving).objects.filter(pk=leaving.pk).update(is_active=False)
    run_rules(workspace.pk, RuleEvent.MESSAGE_RECEIVED, conversation.pk)
    conversation.refresh_from_db()
    assert conversation.assignee_id is None and conversation.priority == 3
    (failed,) = timeline(conversation, "rule_action_failed")
    assert failed["action"] == "assign_agent" and "no longer active" in failed["error"]


def test_stop_processing_keeps_later_rules_off(conversation):
    rule_actions.create_rule(
        conversation.workspace_id,
        name="Prima",
        event=RuleEvent.MESSAGE_RECEIVED,
        actions=[{"type": "add_tags", "tags": ["prima"]}],
        stop_processing=True,
    )
    rule_actions.create_rule(
        conversation.workspace_id,
        name="Seconda",
        event=RuleEvent.MESSAGE_RECEIVED,
        actions=[{"type": "add_tags", "tags": ["seconda"]}],
    )
    run_rules(conversation.workspace_id, RuleEvent.MESSAGE_RECEIVED, conversation.pk)
    assert [t.name for t in conversation.tags.all()] == ["prima"]


def test_a_rule_not_matching_does_nothing(conversation):
    outcomes = run(
        conversation,
        {"type": "set_priority", "priority": 3},
        conditions={"all": [{"field": "text", "operator": "contains", "value": "rimborso"}]},
    )
    assert [o.applied for o in outcomes] == [[]]
    conversation.refresh_from_db()
    assert conversation.priority == 1
