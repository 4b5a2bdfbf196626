"""Lookups written as plain SQL (core.sql.RowReader) build the same models a queryset would."""

from __future__ import annotations

from datetime import datetime

import pytest

from sportello.accounts.actions import create_team, issue_token
from sportello.accounts.models import Agent, ApiToken
from sportello.accounts.queries import agent_for_token
from sportello.channels.actions import ensure_channel
from sportello.channels.models import Channel
from sportello.channels.queries import active_channel
from sportello.core.errors import InvalidInput, NotFound

pytestmark = pytest.mark.django_db


def test_token_lookup_builds_the_token_its_agent_and_their_user_in_one_query(
    agent, django_assert_max_num_queries
):
    key = issue_token(agent)
    with django_assert_max_num_queries(1):
        token = agent_for_token(key)
        assert token is not None
        assert token.agent.user.email == agent.user.email
    assert token.agent.workspace.time_zone == agent.workspace.time_zone
    expected = ApiToken.objects.select_related("agent__user", "agent__workspace").get(pk=token.pk)
    assert token.agent == expected.agent and token.agent.role == expected.agent.role
    assert isinstance(token.created_at, datetime) and token.created_at.tzinfo is not None
    assert token.created_at == expected.created_at
    assert token._state.adding is False


def test_token_lookup_refuses_unknown_and_inactive(agent):
    key = issue_token(agent)
    assert agent_for_token("spt_" + "x" * 43) is None
    assert agent_for_token("") is None
    agent.is_active = False
    agent.save()
    assert agent_for_token(key) is None
    agent.is_active = True
    agent.save()
    agent.user.is_active = False
    agent.user.save()
    assert agent_for_token(key) is None


def test_active_channel_reads_its_settings_as_json(workspace, django_assert_max_num_queries):
    made = ensure_channel(
        workspace.pk, kind="api", name="Shop", slug="shop", config={"limits": {"mb": 5}}
    )
    with django_assert_max_num_queries(1):
        channel = active_channel(workspace.pk, "shop")
    assert channel == made
    assert channel.config == {"limits": {"mb": 5}}
    assert (
        channel.kind == "api" and channel.created_at == Channel.objects.get(pk=made.pk).created_at
    )
    Channel.objects.filter(pk=made.pk).update(is_active=False)
    with pytest.raises(InvalidInput):
        active_channel(workspace.pk, "shop")


def test_signed_in_user_comes_with_their_first_active_agent(workspace, agent):
    from sportello.accounts.queries import agent_for_user, user_with_agent
    from sportello.core.models import Workspace

    user = user_with_agent(agent.user_id)
    assert user == agent.user and user.password == agent.user.password
    assert user.first_agent == agent and user.first_agent.workspace == workspace
    assert agent_for_user(user) == agent
    later = Workspace.objects.create(name="Altro negozio", slug="altro")
    other = Agent.objects.create(workspace=later, user=agent.user, display_name="Giulia (2)")
    assert user_with_agent(agent.user_id).first_agent == agent
    agent.is_active = False
    agent.save()
    assert user_with_agent(agent.user_id).first_agent == other
    other.is_active = False
    other.save()
    nobody = user_with_agent(agent.user_id)
    assert nobody == agent.user and nobody.first_agent is None
    assert agent_for_user(nobody) is None
    assert user_with_agent(10**9) is None


def test_conversation_detail_and_thread_match_the_orm(agent, inbound):
    from sportello.conversations import actions
    from sportello.conversations.models import Conversation, Message
    from sportello.conversations.queries import get_conversation, get_conversation_by_number, thread

    answer = inbound(attachments=[{"filename": "scontrino.pdf", "size": 10}]).json()
    conversation = Conversation.objects.get(pk=answer["conversation_id"])
    plain = get_conversation(conversation.workspace_id, conversation.pk)
    assert plain.assignee is None and plain.team is None
    team = create_team(conversation.workspace, "Resi", members=[agent])
    actions.assign(plain, agent, assignee=agent, team=team)
    actions.set_tags(plain, agent, ["reso", "urgente"])
    actions.add_note(plain, agent, "Nota")
    found = get_conversation_by_number(conversation.workspace_id, conversation.number)
    orm = Conversation.objects.select_related("customer", "channel", "assignee", "team").get(
        pk=conversation.pk
    )
    for name in ("customer", "channel", "assignee", "team"):
        assert getattr(found, name) == getattr(orm, name)
    assert found.customer.name == orm.customer.name and found.assignee.role == orm.assignee.role
    assert found.last_message_at == orm.last_message_at and found.tag_names == ["reso", "urgente"]
    expected = list(Message.objects.filter(conversation=orm).order_by("created_at", "pk"))
    timeline = thread(found)
    assert timeline == expected
    assert [(m.kind, m.data, m.attachments, m.created_at) for m in timeline] == [
        (m.kind, m.data, m.attachments, m.created_at) for m in expected
    ]
    assert [m.kind for m in thread(found, include_notes=False)] == [
        m.kind for m in expected if m.kind != "note"
    ]
    with pytest.raises(NotFound):
        get_conversation(conversation.workspace_id + 1, conversation.pk)


def test_workspace_lists_are_sorted_by_name(workspace, agent):
    from sportello.accounts.queries import workspace_agents, workspace_teams
    from sportello.channels.queries import workspace_channels

    create_team(workspace, "Vendite")
    create_team(workspace, "Assistenza")
    ensure_channel(workspace.pk, kind="api", name="B negozio", slug="b")
    ensure_channel(workspace.pk, kind="api", name="A negozio", slug="a")
    assert [t.name for t in workspace_teams(workspace.pk)] == ["Assistenza", "Vendite"]
    channels = workspace_channels(workspace.pk)
    assert [c.name for c in channels] == sorted(c.name for c in channels)
    assert channels == list(Channel.objects.filter(workspace=workspace).order_by("name"))
    assert workspace_agents(workspace.pk) == [agent]
    assert workspace_teams(workspace.pk + 1) == []


def test_inbox_pages_read_in_plain_sql_match_the_orm(agent, inbound):
    # Each view, sort and a cursor page: the plain query (queries._summaries) gives the
    # conversations the ORM's select_related and only give, with the same fields.
    from django.db.models import DateTimeField
    from django.db.models.expressions import RawSQL

    from sportello.conversations import actions
    from sportello.conversations.filters import SORTS, VIEWS, InboxFilter
    from sportello.conversations.models import (
        DUE_SORT_SQL,
        WAITING_SORT_SQL,
        Conversation,
        Status,
    )
    from sportello.conversations.queries import (
        SUMMARY_FIELDS,
        filtered_conversations,
        list_conversations,
    )

    team = create_team(agent.workspace, "Resi", members=[agent])
    for n in range(9):
        sender = {"name": f"Cliente {n}", "email": f"c{n}@example.it"}
        answer = inbound(f"Messaggio {n}", sender=sender, external_id=f"m{n}").json()
        conversation = Conversation.objects.get(pk=answer["conversation_id"])
        if n % 3 == 0:
            actions.assign(conversation, agent, assignee=agent, team=team)
        if n % 4 == 1:
            actions.set_status(conversation, agent, Status.RESOLVED)
        if n % 2:
            actions.set_priority(conversation, agent, n % 4)
    fields = [f.replace("__", ".") for f in SUMMARY_FIELDS] + ["pk", "customer_id", "team_id"]
    # The two sorts on expressions (the indexes' own SQL), as the ORM would order by them.
    SORT_EXPRESSIONS = {
        "waiting_sort_at": RawSQL(WAITING_SORT_SQL, (), DateTimeField()),
        "due_sort_at": RawSQL(DUE_SORT_SQL, (), DateTimeField()),
    }

    def shown(c: Conversation) -> list[object]:
        values = []
        for name in fields:
            value: object = c
            for part in name.split("."):
                value = getattr(value, part) if value is not None else None
            values.append(value)
        return values

    for view in VIEWS:
        for sort, (field, descending) in SORTS.items():
            f = InboxFilter(view=view, sort=sort)
            order = [f"-{field}", "-pk"] if descending else [field, "pk"]
            expected = list(
                filtered_conversations(agent.workspace_id, agent, f)
                .annotate(**SORT_EXPRESSIONS)
                .select_related("customer", "assignee", "team", "channel")
                .order_by(*order)
            )
            first = list_conversations(agent.workspace_id, agent, f, limit=3)
            rest = list_conversations(agent.workspace_id, agent, f, cursor=first.next_cursor)
            got = first.items + (rest.items if first.next_cursor else [])
            assert [shown(c) for c in got] == [shown(c) for c in expected], (view, sort)
            assert all(c._state.adding is False for c in got)


def test_built_instances_hold_what_the_orm_loads_and_defer_what_they_leave_out(
    agent, inbound, django_assert_max_num_queries
):
    # RowReader sets the columns straight into the instance (no Model.__init__): every
    # attribute, the state, deferral and saving must be as a queryset leaves them.
    from django.db.models.signals import post_init

    from sportello.conversations.models import Message
    from sportello.core import sql

    answer = inbound(attachments=[{"filename": "scontrino.pdf", "size": 10}]).json()
    expected = Message.objects.get(pk=answer["message_id"])
    reader = sql.RowReader(Message, "message", leave_out=("search_text", "text"))
    row = sql.fetchone(reader.where("message.id = %s"), [expected.pk])
    assert row is not None
    built = reader.build(row)
    assert type(built) is Message and built._state.adding is False
    assert built._state.db == expected._state.db
    assert built.get_deferred_fields() == {"search_text", "text"}
    for name in reader.attnames:
        assert getattr(built, name) == getattr(expected, name), name
    assert built.created_at.tzinfo is not None
    with django_assert_max_num_queries(1):
        assert built.text == expected.text  # deferred: loaded on first access
    conversation = expected.conversation
    with django_assert_max_num_queries(1):
        assert built.conversation == conversation
    built.sender_name = "Mario"
    built.save(update_fields=["sender_name"])
    assert Message.objects.get(pk=expected.pk).sender_name == "Mario"

    seen = []

    def record(sender, instance, **kwargs):
        seen.append(instance.pk)

    post_init.connect(record, sender=Message)
    try:
        assert reader.build(row).pk == expected.pk
    finally:
        post_init.disconnect(record, sender=Message)
    assert seen == [expected.pk]


def test_an_instance_of_a_row_just_written_is_the_one_the_orm_reads(
    agent, inbound, django_assert_max_num_queries
):
    # sql.instance: what the ingest hot path hands back after writing, without
    # Model.__init__; fields not given are deferred, as with only().
    from sportello.conversations.models import Conversation, Message
    from sportello.core import sql

    body = inbound(external_id="inst-1").json()
    stored = Message.objects.get(pk=body["message_id"])
    values = {f.attname: getattr(stored, f.attname) for f in Message._meta.concrete_fields}
    with django_assert_max_num_queries(0):
        built = sql.instance(Message, values)
        assert built == stored and built._state.adding is False and built._state.db == "default"
        assert all(getattr(built, name) == value for name, value in values.items())
    partial = sql.instance(Conversation, {"id": body["conversation_id"], "status": "pending"})
    assert partial.get_deferred_fields() >= {"subject", "message_count"}
    subject = Conversation.objects.get().subject
    with django_assert_max_num_queries(1):
        assert partial.subject == subject
    assert partial.status == "pending"  # what was given is kept, not read again
    partial.save(update_fields=["status"])
    assert Conversation.objects.get().status == "pending"


def test_a_datetime_is_adapted_once_and_each_as_itself():
    # sql.adapt keeps the last datetime it adapted: a message writes one `now` many times.
    from datetime import UTC, timedelta, timezone

    from sportello.core import sql

    rome = timezone(timedelta(hours=1))
    first = datetime(2026, 12, 5, 10, 30, tzinfo=rome)
    same_instant = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)
    later = first + timedelta(microseconds=1)
    adapted = sql.adapt(first)
    assert sql.adapt(first) is adapted
    assert sql.adapt(same_instant) == adapted
    assert sql.adapt(later) != adapted
    assert sql.adapt(first) == adapted
    if sql.connection.vendor == "sqlite":
        assert adapted == "2026-12-05 09:30:00"


def test_a_table_writes_the_models_defaults_for_fields_not_given(workspace):
    # sql.Table: a new field with a default needs no edit to a hand-written insert.
    from sportello.core import sql
    from sportello.customers.models import Customer

    customers = sql.Table(Customer)
    row = customers.row(workspace_id=workspace.pk, name="Anna")
    pk = customers.insert(row)
    customer = Customer.objects.get(pk=pk)
    assert (customer.name, customer.language, customer.custom_fields) == ("Anna", "", {})
    assert customer.conversation_count == 0 and customer.last_contact_at is None
    assert customer.created_at is not None and customer.updated_at is not None
    with pytest.raises(TypeError):
        customers.row(workspace_id=workspace.pk, nickname="Anna")


def test_a_table_leaves_existing_rows_alone_on_conflict(workspace):
    from sportello.core import sql
    from sportello.customers.models import Customer, Identity

    customer = Customer.objects.create(workspace=workspace, name="Anna")
    identities = sql.Table(Identity)

    def row(value: str) -> dict:
        return identities.row(
            workspace_id=workspace.pk, customer_id=customer.pk, kind="email", value=value
        )

    first = identities.insert_rows([row("a@example.it"), row("b@example.it")])
    again = identities.insert_rows(
        [row("a@example.it"), row("c@example.it")], on_conflict="workspace_id, kind, value"
    )
    assert len(first) == 2 and len(again) == 1
    assert Identity.objects.get(pk=again[0]).value == "c@example.it"
    assert identities.insert(row("c@example.it"), on_conflict="workspace_id, kind, value") is None


def test_pipelined_writes_all_take_effect_and_reads_see_them(workspace):
    # sql.pipeline: psycopg's pipeline mode on PostgreSQL, nothing on SQLite.
    from django.db import transaction

    from sportello.core import sql

    team = create_team(workspace, "Vendite")
    with transaction.atomic(), sql.pipeline():
        sql.execute("UPDATE accounts_team SET name = %s WHERE id = %s", ["Resi", team.pk])
        (name,) = sql.fetchone("SELECT name FROM accounts_team WHERE id = %s", [team.pk]) or ()
        sql.execute("UPDATE accounts_team SET name = %s WHERE id = %s", ["Assistenza", team.pk])
    assert name == "Resi"
    team.refresh_from_db()
    assert team.name == "Assistenza"
