"""Lookups written as plain SQL (core.sql.RowReader) build the same models a queryset would."""

from __future__ import annotations

from datetime import datetime

import pytest

from sportello.accounts.actions import create_team, issue_token
from sportello.accounts.models import Agent, ApiToken
from sportello.accounts.queries import agent_for_token
from sportello.api.auth import token_and_channel
from sportello.channels.actions import ensure_channel
from sportello.channels.models import Channel
from sportello.channels.queries import active_channel
from sportello.core.errors import InvalidInput, NotFound

pytestmark = pytest.mark.django_db


def test_token_lookup_builds_the_token_its_agent_their_user_and_workspace(
    agent, django_assert_num_queries
):
    key = issue_token(agent)
    with django_assert_num_queries(1):
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


def test_active_channel_reads_its_settings_as_json(workspace, django_assert_num_queries):
    made = ensure_channel(
        workspace.pk, kind="api", name="Shop", slug="shop", config={"limits": {"mb": 5}}
    )
    with django_assert_num_queries(1):
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
    from sportello.conversations import actions
    from sportello.conversations.models import Conversation, Status
    from sportello.conversations.queries import (
        SORTS,
        SUMMARY_FIELDS,
        VIEWS,
        InboxFilter,
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
                .select_related("customer", "assignee", "team", "channel")
                .order_by(*order)
            )
            first = list_conversations(agent.workspace_id, agent, f, limit=3)
            rest = list_conversations(agent.workspace_id, agent, f, cursor=first.next_cursor)
            got = first.items + (rest.items if first.next_cursor else [])
            assert [shown(c) for c in got] == [shown(c) for c in expected], (view, sort)
            assert all(c._state.adding is False for c in got)


def test_statements_run_together_all_take_effect(workspace, django_assert_num_queries):
    # sql.execute_all: one statement on PostgreSQL (WITH ... UPDATE), in turn on SQLite.
    from sportello.core import sql

    made = [ensure_channel(workspace.pk, kind="api", name=f"C{n}", slug=f"c{n}") for n in range(3)]
    statements = [
        (
            "UPDATE sportello_channels_channel SET name = %s WHERE id = %s",
            [f"Nuovo {n}", channel.pk],
        )
        for n, channel in enumerate(made)
    ]
    with django_assert_num_queries(1 if sql.connection.vendor == "postgresql" else 3):
        sql.execute_all(statements)
    names = dict(Channel.objects.filter(pk__in=[c.pk for c in made]).values_list("pk", "name"))
    assert [names[c.pk] for c in made] == ["Nuovo 0", "Nuovo 1", "Nuovo 2"]
    sql.execute_all([])


def test_rows_inserted_along_with_other_writes(workspace, django_assert_num_queries):
    # sql.insert_many(along=...): one statement on PostgreSQL (WITH ... UPDATE ... INSERT),
    # the insert then the writes on SQLite; ids in row order either way.
    from sportello.core import sql

    made = [ensure_channel(workspace.pk, kind="api", name=f"D{n}", slug=f"d{n}") for n in range(2)]
    along = [
        ("UPDATE sportello_channels_channel SET name = %s WHERE id = %s", [f"Ora {n}", c.pk])
        for n, c in enumerate(made)
    ]
    from sportello.accounts.models import Team
    from sportello.core import clock

    now = clock.now()
    rows = [
        {"workspace_id": workspace.pk, "name": f"Squadra {n}", "created_at": now, "updated_at": now}
        for n in range(3)
    ]
    with django_assert_num_queries(1 if sql.connection.vendor == "postgresql" else 3):
        ids = sql.insert_many(Team._meta.db_table, rows, along=along)
    assert [Team.objects.get(pk=pk).name for pk in ids] == ["Squadra 0", "Squadra 1", "Squadra 2"]
    names = dict(Channel.objects.filter(pk__in=[c.pk for c in made]).values_list("pk", "name"))
    assert [names[c.pk] for c in made] == ["Ora 0", "Ora 1"]


def test_writes_that_need_the_new_id_go_with_the_insert(workspace, django_assert_num_queries):
    # sql.insert_many(then=...): LAST_ID is the last row's id; one statement on PostgreSQL
    # (the insert a WITH clause the writes read), the insert then the writes on SQLite.
    from sportello.accounts.models import Team
    from sportello.core import clock, sql

    made = [ensure_channel(workspace.pk, kind="api", name=f"E{n}", slug=f"e{n}") for n in range(2)]
    now = clock.now()
    rows = [
        {"workspace_id": workspace.pk, "name": f"Gruppo {n}", "created_at": now, "updated_at": now}
        for n in range(2)
    ]
    along = [("UPDATE sportello_channels_channel SET name = %s WHERE id = %s", ["Già", made[0].pk])]
    then = [
        (
            "UPDATE sportello_channels_channel SET name = %s, default_team_id = %s WHERE id = %s",
            ["Poi", sql.LAST_ID, made[1].pk],
        )
    ]
    with django_assert_num_queries(1 if sql.connection.vendor == "postgresql" else 3):
        ids = sql.insert_many(Team._meta.db_table, rows, along=along, then=then)
    assert [Team.objects.get(pk=pk).name for pk in ids] == ["Gruppo 0", "Gruppo 1"]
    assert ids == sorted(ids)
    first, second = (Channel.objects.get(pk=c.pk) for c in made)
    assert first.name == "Già"
    assert (second.name, second.default_team_id) == ("Poi", ids[-1])


def test_a_last_id_statement_must_name_each_parameter():
    from sportello.core import sql

    ids_of = {sql.LAST_ID: "(SELECT 1)", sql.PARENT_ID: "(SELECT 2)"}
    with pytest.raises(ValueError, match="placeholders"):
        sql._with_ids(("UPDATE t SET a = %s WHERE id = %s", [sql.LAST_ID]), ids_of)
    assert sql._with_ids(
        ("UPDATE t SET a = %s, b = %s, c = %s WHERE id = %s", [sql.LAST_ID, "x", sql.PARENT_ID, 3]),
        ids_of,
    ) == ("UPDATE t SET a = (SELECT 1), b = %s, c = (SELECT 2) WHERE id = %s", ["x", 3])


def test_built_instances_hold_what_the_orm_loads_and_defer_what_they_leave_out(
    agent, inbound, django_assert_num_queries
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
    with django_assert_num_queries(1):
        assert built.text == expected.text  # deferred: loaded on first access
    conversation = expected.conversation
    with django_assert_num_queries(1):
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


def test_token_and_channel_read_together_match_the_two_lookups(
    agent, workspace, django_assert_num_queries
):
    from sportello.core.models import Workspace

    key = issue_token(agent)
    shop = ensure_channel(workspace.pk, kind="api", name="Shop", slug="shop", config={"a": [1]})
    off = ensure_channel(workspace.pk, kind="api", name="Spento", slug="spento")
    off.is_active = False
    off.save()
    elsewhere = Workspace.objects.create(name="Altro", slug="altro")
    ensure_channel(elsewhere.pk, kind="api", name="Altrove", slug="altrove")

    with django_assert_num_queries(1):
        token, channel = token_and_channel(key, "shop")
    assert token is not None and channel is not None
    expected = agent_for_token(key)
    assert token.agent == expected.agent and token.agent.user == expected.agent.user
    assert token.agent.workspace.time_zone == workspace.time_zone
    reference = active_channel(workspace.pk, "shop")
    assert channel == shop == reference and channel.config == reference.config
    assert channel.created_at == reference.created_at and channel._state.adding is False
    for slug in ("spento", "altrove", "nessuno"):
        token, channel = token_and_channel(key, slug)
        assert token is not None and channel is None
    assert token_and_channel("spt_" + "x" * 43, "shop") == (None, None)
    assert token_and_channel("", "shop") == (None, None)


def test_an_instance_of_a_row_just_written_is_the_one_the_orm_reads(
    agent, inbound, django_assert_num_queries
):
    # sql.instance: what the ingest hot path hands back after writing, without
    # Model.__init__; fields not given are deferred, as with only().
    from sportello.conversations.models import Conversation, Message
    from sportello.core import sql

    body = inbound(external_id="inst-1").json()
    stored = Message.objects.get(pk=body["message_id"])
    values = {f.attname: getattr(stored, f.attname) for f in Message._meta.concrete_fields}
    with django_assert_num_queries(0):
        built = sql.instance(Message, values)
        assert built == stored and built._state.adding is False and built._state.db == "default"
        assert all(getattr(built, name) == value for name, value in values.items())
    partial = sql.instance(Conversation, {"id": body["conversation_id"], "status": "pending"})
    assert partial.get_deferred_fields() >= {"subject", "message_count"}
    subject = Conversation.objects.get().subject
    with django_assert_num_queries(1):
        assert partial.subject == subject
    assert partial.status == "pending"  # what was given is kept, not read again
    partial.save(update_fields=["status"])
    assert Conversation.objects.get().status == "pending"


def test_an_insert_and_a_read_run_together(workspace, django_assert_num_queries):
    # sql.insert_reading: one statement on PostgreSQL (the insert a WITH clause, the read
    # joined to its id); the insert, then the read if it inserted, on SQLite.
    from sportello.accounts.models import Team
    from sportello.core import clock, sql

    made = [ensure_channel(workspace.pk, kind="api", name=f"R{n}", slug=f"r{n}") for n in range(3)]
    read = (
        "SELECT id, name, config FROM sportello_channels_channel WHERE slug IN (%s, %s)"
        " ORDER BY id",
        ["r0", "r2"],
    )
    now = clock.now()
    row = {"workspace_id": workspace.pk, "name": "Unica", "created_at": now, "updated_at": now}
    postgresql = sql.connection.vendor == "postgresql"
    with django_assert_num_queries(1 if postgresql else 2):
        pk, rows = sql.insert_reading(
            Team._meta.db_table, row, on_conflict="workspace_id, name", read=read
        )
    assert Team.objects.get(pk=pk).name == "Unica"
    assert sorted((r[0], r[1]) for r in rows) == [(made[0].pk, "R0"), (made[2].pk, "R2")]
    with django_assert_num_queries(1):
        again = sql.insert_reading(
            Team._meta.db_table, row, on_conflict="workspace_id, name", read=read
        )
    assert again == (None, [])
    nothing = ("SELECT id, name FROM sportello_channels_channel WHERE slug = %s", ["zz"])
    other = {**row, "name": "Altra"}
    pk, rows = sql.insert_reading(
        Team._meta.db_table, other, on_conflict="workspace_id, name", read=nothing
    )
    assert rows == [] and Team.objects.get(pk=pk).name == "Altra"


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


def test_a_parent_and_the_rows_that_point_to_it_go_together(workspace, django_assert_num_queries):
    # sql.insert_under: one statement on PostgreSQL (the parent a WITH clause the rows read);
    # the parent, the rows, then the writes on SQLite. PARENT_ID and LAST_ID are filled in.
    from sportello.conversations.models import Conversation, Message, Priority
    from sportello.core import clock, sql
    from sportello.customers.actions import create_customer

    customer = create_customer(workspace.pk, identities=[("email", "p@example.it")])
    channel = ensure_channel(workspace.pk, kind="api", name="P", slug="p")
    now = clock.now()
    parent = {
        "workspace_id": workspace.pk,
        "number": 7001,
        "subject": "Nuova",
        "status": "open",
        "priority": Priority.NORMAL,
        "customer_id": customer.pk,
        "channel_id": channel.pk,
        "language": "it",
        "message_count": 2,
        "preview": "",
        "last_message_at": now,
        "created_at": now,
        "updated_at": now,
    }
    row = {
        "workspace_id": workspace.pk,
        "conversation_id": sql.PARENT_ID,
        "direction": "in",
        "kind": "message",
        "text": "ciao",
        "html": "",
        "sender_name": "",
        "event": "",
        "data": {},
        "attachments": [],
        "language": "it",
        "search_text": "",
        "created_at": now,
    }
    then = [
        (
            "UPDATE core_workspace SET last_conversation_number = %s WHERE id = %s",
            [sql.PARENT_ID, workspace.pk],
        ),
        (
            "UPDATE customers_customer SET conversation_count = %s WHERE id = %s",
            [sql.LAST_ID, customer.pk],
        ),
    ]
    # Statements of one WITH must not write the same row: each writes its own.
    along = [
        ("UPDATE sportello_channels_channel SET name = %s WHERE id = %s", ["Fatto", channel.pk])
    ]
    postgresql = sql.connection.vendor == "postgresql"
    with django_assert_num_queries(1 if postgresql else 5):
        parent_id, ids = sql.insert_under(
            "conversations_conversation",
            parent,
            "conversations_message",
            [row, {**row, "text": "di nuovo"}],
            along=along,
            then=then,
        )
    conversation = Conversation.objects.get(pk=parent_id)
    assert conversation.number == 7001
    messages = Message.objects.filter(conversation=conversation).order_by("id")
    assert [m.pk for m in messages] == ids and [m.text for m in messages] == ["ciao", "di nuovo"]
    workspace.refresh_from_db()
    assert workspace.last_conversation_number == parent_id
    assert type(customer).objects.get(pk=customer.pk).conversation_count == ids[-1]
    channel.refresh_from_db()
    assert channel.name == "Fatto"
