"""Macros: admins keep them, any agent applies one with one call, every step goes through
the conversations' and outbound's actions, all of them or none, and the timeline says so."""

from __future__ import annotations

from typing import Any

import pytest

from sportello.accounts.actions import issue_token
from sportello.accounts.models import Role
from sportello.automation.models import Macro, RuleEvent
from sportello.automation.replies import apply_macro, create_canned_reply, create_macro
from sportello.automation.rules.engine import run_rules
from sportello.conversations.models import Conversation, Kind, Message, Status
from tests.conftest import ApiClient
from tests.factories import AgentFactory, TeamFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(workspace):
    return AgentFactory(workspace=workspace, role=Role.ADMIN, display_name="Anna Capo")


@pytest.fixture
def admin_api(admin) -> ApiClient:
    return ApiClient(issue_token(admin))


@pytest.fixture
def conversation(inbound) -> Conversation:
    response = inbound(sender={"name": "Chiara Fontana", "email": "chiara@example.it"})
    assert response.status_code == 201, response.content
    return Conversation.objects.get(pk=response.json()["conversation_id"])


def _macro(client: ApiClient, **fields: Any) -> dict[str, Any]:
    response = client.post("/api/v1/macros", {"name": "Spedito"} | fields)
    assert response.status_code == 201, response.content
    return response.json()


def test_an_agent_applies_a_macro_that_replies_tags_assigns_and_snoozes(
    api, admin, admin_api, agent, conversation, workspace, moving_clock
):
    moving_clock.set(2026, 12, 2, 10, 0)  # a Wednesday
    team = TeamFactory(workspace=workspace, name="Logistica")
    reply = create_canned_reply(
        admin,
        title="Spedito",
        shortcut="spedito",
        body="Ciao {{ customer.first_name }}, il pacco è partito. {{ agent.name }}",
        shared=True,
    )
    macro = _macro(
        admin_api,
        canned_reply_id=reply.pk,
        note="Tracking inviato a {{ customer.name }}",
        add_tags=["Spedizione"],
        priority=2,
        assignee_id=agent.pk,
        team_id=team.pk,
        status="snoozed",
        snooze="tomorrow",
    )

    response = api.post(f"/api/v1/conversations/{conversation.pk}/macros/{macro['id']}")

    assert response.status_code == 200, response.content
    assert response.json() | {"reply_id": None} == {
        "conversation_id": conversation.pk,
        "macro_id": macro["id"],
        "reply_id": None,
        "status": "snoozed",
        "priority": 2,
        "assignee_id": agent.pk,
        "team_id": team.pk,
        "tags": ["spedizione"],
    }
    sent = Message.objects.get(pk=response.json()["reply_id"])
    assert sent.text == "Ciao Chiara, il pacco è partito. Giulia Bianchi"
    assert sent.sender_agent_id == agent.pk
    conversation.refresh_from_db()
    assert conversation.first_reply_at is not None
    # Tomorrow morning: Thursday at the default calendar's opening, 09:00 in Rome.
    assert conversation.snoozed_until.isoformat() == "2026-12-03T08:00:00+00:00"
    note = Message.objects.get(conversation=conversation, kind=Kind.NOTE)
    assert note.text == "Tracking inviato a Chiara Fontana"
    events = list(
        Message.objects.filter(conversation=conversation, kind=Kind.EVENT)
        .order_by("id")
        .values_list("event", flat=True)
    )
    assert events[-5:] == [
        "macro_applied",
        "tags_changed",
        "priority_changed",
        "assigned",
        "status_changed",
    ]
    applied = Message.objects.get(conversation=conversation, event="macro_applied")
    assert applied.data["macro"] == "Spedito" and applied.data["agent"] == "Giulia Bianchi"


def test_a_macro_step_refused_keeps_nothing(api, admin_api, conversation):
    macro = _macro(admin_api, reply_text="Risolto!", add_tags=["fatto"], status="resolved")
    Macro.objects.filter(pk=macro["id"]).update(priority=9)  # broken around the actions

    response = api.post(f"/api/v1/conversations/{conversation.pk}/macros/{macro['id']}")

    assert response.status_code == 422, response.content
    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN
    assert not Message.objects.filter(conversation=conversation, event="macro_applied").exists()
    assert not Message.objects.filter(conversation=conversation, text="Risolto!").exists()
    assert not conversation.tags.exists()


def test_tags_are_added_and_removed_keeping_the_others(api, admin_api, conversation):
    api.patch(f"/api/v1/conversations/{conversation.pk}", {"tags": ["nuovo", "vip"]})
    macro = _macro(admin_api, add_tags=["in lavorazione"], remove_tags=["nuovo"])
    answer = api.post(f"/api/v1/conversations/{conversation.pk}/macros/{macro['id']}").json()
    assert answer["tags"] == ["in lavorazione", "vip"]


def test_a_rule_applies_a_macro_with_an_automatic_reply(admin, conversation):
    macro = create_macro(
        admin,
        name="Fuori orario",
        reply_text="Gentile {{ customer.name }}, {{ agent.name }}ti risponderemo presto.",
        note="Applicata di notte",
        status="pending",
    )
    applied = apply_macro(conversation, macro, None, rule="Notte")
    assert applied.reply is not None
    assert applied.reply.sender_agent_id is None
    assert applied.reply.data == {"automatic": "macro"}
    # Nobody assigned: the agent's name has no value and is left out, not sent in braces.
    assert applied.reply.text == "Gentile Chiara Fontana, ti risponderemo presto."
    assert applied.event.data["rule"] == "Notte"
    assert applied.event.data["note"] == "Applicata di notte"
    conversation.refresh_from_db()
    assert conversation.status == Status.PENDING and conversation.first_reply_at is None


def test_only_admins_change_macros_and_agents_apply_them(api, admin_api, conversation):
    refused = api.post("/api/v1/macros", {"name": "Mia", "status": "resolved"})
    assert refused.status_code == 403
    macro = _macro(admin_api, status="resolved")
    assert api.patch(f"/api/v1/macros/{macro['id']}", {"name": "X"}).status_code == 403
    assert api.delete(f"/api/v1/macros/{macro['id']}").status_code == 403
    assert [m["name"] for m in api.get("/api/v1/macros").json()] == ["Spedito"]
    changed = admin_api.patch(f"/api/v1/macros/{macro['id']}", {"priority": 3})
    assert changed.status_code == 200 and changed.json()["priority"] == 3
    assert changed.json()["status"] == "resolved"
    assert admin_api.delete(f"/api/v1/macros/{macro['id']}").status_code == 204


def test_another_workspace_neither_sees_nor_applies_a_macro(admin_api, conversation):
    macro = _macro(admin_api, status="resolved")
    other = AgentFactory(workspace=WorkspaceFactory(), role=Role.ADMIN)
    other_api = ApiClient(issue_token(other))
    assert other_api.get("/api/v1/macros").json() == []
    assert other_api.get(f"/api/v1/macros/{macro['id']}").status_code == 404
    path = f"/api/v1/conversations/{conversation.pk}/macros/{macro['id']}"
    assert other_api.post(path).status_code == 404
    theirs = _macro(other_api, name="Loro", status="pending")
    mine = admin_api.post(f"/api/v1/conversations/{conversation.pk}/macros/{theirs['id']}")
    assert mine.status_code == 404


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({}, "at least one step"),
        ({"status": "snoozed"}, "snooze"),
        ({"status": "resolved", "snooze": "1h"}, "snooze"),
        ({"status": "finito"}, "status"),
        ({"priority": 7}, "priority"),
        ({"reply_text": "Ciao {{ ordine }}"}, "unknown variable"),
        ({"assignee_id": 999999}, "assignee_id"),
        ({"canned_reply_id": 999999}, "canned_reply_id"),
        ({"add_tags": [""]}, "tag"),
    ],
)
def test_a_bad_macro_is_refused_naming_what_is_wrong(admin_api, fields, says):
    response = admin_api.post("/api/v1/macros", {"name": "Rotta"} | fields)
    assert response.status_code == 422, response.content
    assert says in response.json()["detail"]


def test_a_macro_cannot_send_an_agents_personal_reply(admin, admin_api):
    personal = create_canned_reply(admin, title="Mia", shortcut="mia", body="Ciao")
    response = admin_api.post("/api/v1/macros", {"name": "M", "canned_reply_id": personal.pk})
    assert response.status_code == 422


def test_names_are_unique_per_workspace(admin_api):
    _macro(admin_api, status="resolved")
    again = admin_api.post("/api/v1/macros", {"name": "Spedito", "status": "open"})
    assert again.status_code == 422 and "exists" in again.json()["detail"]


def test_a_rule_with_an_apply_macro_action_runs_it_end_to_end(admin, admin_api, conversation):
    """A message arrives, the rule matches and applies the macro: the automatic reply,
    the tags, the status, and the timeline saying which rule did it."""
    macro = _macro(
        admin_api,
        name="Presa in carico",
        reply_text="Gentile {{ customer.name }}, abbiamo ricevuto la richiesta.",
        add_tags=["in carico"],
        status="pending",
    )
    rule = admin_api.post(
        "/api/v1/rules",
        {
            "name": "Notte",
            "event": "message_received",
            "actions": [{"type": "apply_macro", "macro_id": macro["id"]}],
        },
    )
    assert rule.status_code == 201, rule.content
    assert rule.json()["actions"] == [{"type": "apply_macro", "macro_id": macro["id"]}]
    outcomes = run_rules(conversation.workspace_id, RuleEvent.MESSAGE_RECEIVED, conversation.pk)
    assert [o.applied for o in outcomes] == [[{"type": "apply_macro", "macro": "Presa in carico"}]]
    conversation.refresh_from_db()
    assert conversation.status == Status.PENDING
    assert [t.name for t in conversation.tags.all()] == ["in carico"]
    reply = Message.objects.get(conversation=conversation, data={"automatic": "macro"})
    assert reply.text == "Gentile Chiara Fontana, abbiamo ricevuto la richiesta."
    applied = Message.objects.get(conversation=conversation, event="macro_applied")
    assert applied.data["rule"] == "Notte" and applied.data["agent_id"] is None
    said = Message.objects.get(conversation=conversation, event="rule_applied")
    assert said.data["action"] == "apply_macro" and said.data["macro"] == "Presa in carico"


def test_a_rule_whose_macro_was_deleted_records_the_failure(admin, admin_api, conversation):
    macro = _macro(admin_api, status="resolved")
    admin_api.post(
        "/api/v1/rules",
        {
            "name": "Chiudi",
            "event": "message_received",
            "actions": [
                {"type": "apply_macro", "macro_id": macro["id"]},
                {"type": "add_tags", "tags": ["visto"]},
            ],
        },
    )
    assert admin_api.delete(f"/api/v1/macros/{macro['id']}").status_code == 204
    run_rules(conversation.workspace_id, RuleEvent.MESSAGE_RECEIVED, conversation.pk)
    failed = Message.objects.get(conversation=conversation, event="rule_action_failed")
    assert failed.data["action"] == "apply_macro" and "no longer exists" in failed.data["error"]
    conversation.refresh_from_db()
    assert conversation.status != Status.RESOLVED
    assert [t.name for t in conversation.tags.all()] == ["visto"]


def test_a_rule_does_not_apply_a_replying_macro_to_a_customer_who_opted_out(
    admin, admin_api, conversation
):
    customer = conversation.customer
    customer.no_automatic_replies = True
    customer.save(update_fields=["no_automatic_replies"])
    macro = _macro(admin_api, reply_text="Ricevuto.", status="pending")
    admin_api.post(
        "/api/v1/rules",
        {
            "name": "Notte",
            "event": "message_received",
            "actions": [{"type": "apply_macro", "macro_id": macro["id"]}],
        },
    )
    run_rules(conversation.workspace_id, RuleEvent.MESSAGE_RECEIVED, conversation.pk)
    failed = Message.objects.get(conversation=conversation, event="rule_action_failed")
    assert "no automatic replies" in failed.data["error"]
    assert not Message.objects.filter(conversation=conversation, data={"automatic": "macro"})
    conversation.refresh_from_db()
    assert conversation.status != Status.PENDING


def test_a_rule_does_not_apply_a_replying_macro_to_a_customer_not_to_contact(
    admin, admin_api, conversation
):
    """The consent check (issue 18): a customer who asked not to be contacted gets no
    unattended macro reply; the rule's timeline says why."""
    from sportello.customers.actions.lifecycle import set_consents

    set_consents(conversation.customer, [], source="agent", do_not_contact=True)
    macro = _macro(admin_api, reply_text="Ricevuto.", status="pending")
    admin_api.post(
        "/api/v1/rules",
        {
            "name": "Notte",
            "event": "message_received",
            "actions": [{"type": "apply_macro", "macro_id": macro["id"]}],
        },
    )
    run_rules(conversation.workspace_id, RuleEvent.MESSAGE_RECEIVED, conversation.pk)
    failed = Message.objects.get(conversation=conversation, event="rule_action_failed")
    assert "asked not to be contacted" in failed.data["error"]
    assert not Message.objects.filter(conversation=conversation, data={"automatic": "macro"})


def test_an_english_customer_gets_the_macros_english_text_with_the_order_number(
    admin_api, api, inbound
):
    """GIVEN a macro with an Italian and an English text quoting {{ order.number }}
    WHEN it is applied to an Italian and to an English customer's conversation
    THEN each gets the text in their language, with the order number they wrote."""
    macro = _macro(
        admin_api,
        reply_text="Ciao {{ customer.first_name }}, l'ordine {{ order.number }} è partito.",
        reply_text_en="Hi {{ customer.first_name }}, order {{ order.number }} has shipped.",
    )
    italian = inbound(
        sender={"name": "Chiara Fontana", "email": "chiara@example.it"},
        text="Buongiorno, il mio ordine 4521 doveva arrivare ieri: dove si trova?",
    ).json()["conversation_id"]
    english = inbound(
        sender={"name": "Emma Stone", "email": "emma@example.co.uk"},
        text="Hello, my order #A-7781 was due yesterday and has not arrived yet. Where is it?",
        external_id="english-1",
    ).json()["conversation_id"]

    sent = {}
    for conversation_id in (italian, english):
        response = api.post(f"/api/v1/conversations/{conversation_id}/macros/{macro['id']}")
        assert response.status_code == 200, response.content
        sent[conversation_id] = Message.objects.get(pk=response.json()["reply_id"]).text

    assert sent[italian] == "Ciao Chiara, l'ordine 4521 è partito."
    assert sent[english] == "Hi Emma, order A-7781 has shipped."


def test_a_macro_refusal_names_its_field_for_the_api_and_the_ui(admin):
    from sportello.automation.replies import MacroRefused

    with pytest.raises(MacroRefused) as refused:
        create_macro(admin, name="Doppio", add_tags=["vip"], remove_tags=["VIP"])
    assert refused.value.field == "remove_tags"
    assert refused.value.message == "remove_tags: the tag vip is both added and removed"
    assert refused.value.text % refused.value.params == "the tag vip is both added and removed"
