"""The inbox's filter set: one parser of the query string, for the API and the agent UI."""

from __future__ import annotations

import pytest
from django import forms
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sportello.accounts.models import Agent, Team
from sportello.api.api import api as rest_api
from sportello.channels.actions import update_channel
from sportello.channels.models import Channel
from sportello.conversations import actions, queries
from sportello.conversations.filters import (
    DEFAULT_LIMIT,
    SORTS,
    STATUSES,
    VIEWS,
    InboxFilter,
    parse_inbox_query,
)
from sportello.conversations.models import Status
from sportello.core.ids import MAX_ID
from sportello.ingest.inbound import InboundMessage, Sender
from sportello.ingest.pipeline import ingest
from sportello.web.forms import InboxFilterForm
from tests.factories import ChannelFactory

ME = Agent(pk=7, workspace_id=1)
SHOP = Channel(pk=3, workspace_id=1, slug="shop", name="Negozio")
YEAR = Channel(pk=4, workspace_id=1, slug="2024", name="Fiera 2024")
CHANNELS = [SHOP, YEAR]


def parse(**data: str):
    return parse_inbox_query(data, ME, channels=CHANNELS)


def test_nothing_given_is_every_conversation_by_recent_activity():
    query = parse()
    assert query.filter == InboxFilter(view="all", sort="recent")
    assert (query.cursor, query.limit, query.values, query.errors) == (
        None,
        DEFAULT_LIMIT,
        {},
        {},
    )
    assert parse_inbox_query({}, ME, default_view="open").filter.view == "open"


def test_empty_values_are_not_given():
    query = parse(view="", status="", assignee="", team="", channel="", sort="", limit="")
    assert query.filter == InboxFilter() and not query.errors


def test_the_allowed_values_are_the_views_and_sorts_the_queries_know_and_the_statuses():
    assert set(STATUSES) == set(Status.values)
    for view in VIEWS:
        queries.view_filter(view, ME, teams=[])  # known: no InvalidInput
        assert parse(view=view).filter.view == view
    for sort in SORTS:
        assert parse(sort=sort).filter.sort == sort
    for status in STATUSES:
        assert parse(status=status).filter.status == status


def test_each_invalid_value_is_reported_by_field_and_the_rest_still_apply():
    query = parse(view="nonsense", status="Open", sort="up", team="x", tag="resi", q="pacco")
    assert query.errors == {
        "view": "unknown view 'nonsense'; use one of " + ", ".join(VIEWS),
        "status": "unknown status 'Open'; use one of " + ", ".join(STATUSES),
        "sort": "unknown sort 'up'; use one of " + ", ".join(SORTS),
        "team": "team must be a team id",
    }
    assert query.filter == InboxFilter(tag="resi", q="pacco")
    assert query.values == {"tag": "resi", "q": "pacco"}


def test_assignee_is_me_nobody_or_an_agent_id():
    assert parse(assignee="me").filter.assignee_id == ME.pk
    assert parse(assignee="none").filter.unassigned is True
    assert parse(assignee="42").filter.assignee_id == 42
    assert parse(assignee="Me").errors == {
        "assignee": "assignee must be an agent id, 'me' or 'none'"
    }


@pytest.mark.parametrize(
    "value",
    [
        "¹",  # str.isdigit() says yes, int() says no
        "١٢",  # Arabic-Indic digits: int() would read 12
        "-1",
        "+1",
        " 1",
        "1.0",
        str(MAX_ID + 1),
        "9" * 5000,  # beyond what int() reads from a string
    ],
)
def test_an_id_is_ascii_digits_up_to_the_largest_bigint(value):
    query = parse(assignee=value, team=value, customer_id=value)
    assert set(query.errors) == {"assignee", "team", "customer_id"}
    assert query.filter == InboxFilter()


def test_the_largest_bigint_is_an_id():
    query = parse(assignee=str(MAX_ID), team=str(MAX_ID), customer_id=str(MAX_ID))
    assert (query.filter.assignee_id, query.filter.team_id, query.filter.customer_id) == (
        MAX_ID,
        MAX_ID,
        MAX_ID,
    )


def test_with_the_lists_a_form_offers_an_id_must_name_one_of_them():
    colleague, team = Agent(pk=8, workspace_id=1), Team(pk=5, workspace_id=1)
    known = parse_inbox_query(
        {"assignee": "8", "team": "5"}, ME, agents=[ME, colleague], teams=[team]
    )
    assert (known.filter.assignee_id, known.filter.team_id, known.errors) == (8, 5, {})
    unknown = parse_inbox_query(
        {"assignee": "9", "team": "6"}, ME, agents=[ME, colleague], teams=[team]
    )
    assert set(unknown.errors) == {"assignee", "team"}
    assert unknown.filter == InboxFilter()
    # "me" is whoever asks, listed or not.
    assert parse_inbox_query({"assignee": "me"}, ME, agents=[]).filter.assignee_id == ME.pk


def test_a_channel_is_named_by_id_or_by_slug():
    assert parse(channel="3").filter.channel_id == SHOP.pk
    assert parse(channel="shop").filter.channel_id == SHOP.pk
    assert parse(channel="4").filter.channel_id == YEAR.pk
    # A slug of digits is found when no channel has that id.
    assert parse(channel="2024").filter.channel_id == YEAR.pk
    for unknown in ("99", "Shop", "¹", str(MAX_ID + 1)):
        query = parse(channel=unknown)
        assert query.errors == {"channel": f"unknown channel {unknown!r}"}
        assert query.filter.channel_id is None


@pytest.mark.django_db
def test_without_a_menu_a_channel_is_one_of_the_workspaces_active_ones(workspace, agent):
    """As integrations name them (the API): looked up, one query for a slug."""
    shop = ChannelFactory(workspace=workspace, slug="shop")
    fair = ChannelFactory(workspace=workspace, slug="2024")
    closed = ChannelFactory(workspace=workspace, slug="closed", is_active=False)
    other = ChannelFactory(slug="elsewhere")  # another workspace's
    with CaptureQueriesContext(connection) as nothing_named:
        parse_inbox_query({"view": "open"}, agent)
    assert len(nothing_named) == 0
    with CaptureQueriesContext(connection) as by_slug:
        assert parse_inbox_query({"channel": "shop"}, agent).filter.channel_id == shop.pk
    assert len(by_slug) == 1
    assert parse_inbox_query({"channel": str(shop.pk)}, agent).filter.channel_id == shop.pk
    assert parse_inbox_query({"channel": "2024"}, agent).filter.channel_id == fair.pk
    for unknown in (str(other.pk), "elsewhere", str(closed.pk), "closed", "¹"):
        assert "channel" in parse_inbox_query({"channel": unknown}, agent).errors


def test_search_and_tag_are_trimmed_and_a_blank_tag_is_no_filter():
    query = parse(q="  pacco rotto ", tag=" Resi ")
    assert (query.filter.q, query.filter.tag) == ("pacco rotto", "Resi")
    assert parse(tag="   ").filter.tag is None


@pytest.mark.parametrize(
    ("value", "limit"),
    [("10", 10), ("+10", 10), ("0", 0), ("-5", -5), ("007", 7), ("1000", 1000)],
)
def test_limit_is_a_whole_number_the_list_brings_within_a_page(value, limit):
    assert parse(limit=value).limit == limit


@pytest.mark.parametrize("value", ["ten", "1.5", "-", "²", "1e3"])
def test_limit_that_is_not_a_whole_number_is_refused(value):
    query = parse(limit=value)
    assert query.errors == {"limit": "limit must be a whole number"}
    assert query.limit == DEFAULT_LIMIT


def test_a_limit_of_thousands_of_digits_is_read_without_int_refusing_it():
    assert parse(limit="9" * 5000).limit == 10**18
    assert parse(limit="-" + "9" * 5000).limit == -(10**18)


def test_the_cursor_is_passed_on_for_the_list_to_decode():
    assert parse(cursor="abc").cursor == "abc"


def test_names_outside_the_filter_set_are_ignored():
    assert parse(page="2", channel_id="3").filter == InboxFilter()


# --- as the API and the agent UI see it ---------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["team", "customer_id", "assignee"])
def test_api_refuses_an_id_beyond_a_bigint_with_a_422_naming_the_field(api, name):
    response = api.get(f"/api/v1/conversations?{name}={MAX_ID + 1}")
    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["errors"]] == [["query", name]]


@pytest.mark.django_db
def test_api_reports_every_invalid_field_at_once(api):
    response = api.get("/api/v1/conversations?view=nonsense&assignee=%C2%B9&limit=many")
    assert response.status_code == 422
    body = response.json()
    assert [error["loc"][1] for error in body["errors"]] == ["view", "assignee", "limit"]
    assert "unknown view 'nonsense'" in body["detail"]


@pytest.mark.django_db
def test_api_brings_any_limit_within_a_page(api, inbound):
    inbound("Buongiorno")
    for limit in ("0", "-3", "9" * 5000):
        response = api.get(f"/api/v1/conversations?limit={limit}")
        assert response.status_code == 200 and len(response.json()["items"]) == 1


@pytest.mark.django_db
def test_api_lists_a_channel_named_by_id_as_by_slug(api, inbound, api_channel):
    inbound("Buongiorno")
    by_slug = api.get("/api/v1/conversations?channel=api").json()["items"]
    by_id = api.get(f"/api/v1/conversations?channel={api_channel.pk}").json()["items"]
    assert len(by_slug) == 1 and by_id == by_slug


@pytest.mark.django_db
def test_api_refuses_a_deactivated_channel_as_integrations_name_only_active_ones(
    api, inbound, api_channel
):
    inbound("Buongiorno")
    update_channel(api_channel, is_active=False)
    for name in ("api", str(api_channel.pk)):
        response = api.get(f"/api/v1/conversations?channel={name}")
        assert response.status_code == 422
        assert response.json()["errors"][0]["msg"] == f"unknown channel {name!r}"


def test_openapi_shows_the_filter_sets_values():
    parameters = {
        p["name"]: p["schema"]
        for p in rest_api.get_openapi_schema()["paths"]["/api/v1/conversations"]["get"][
            "parameters"
        ]
    }
    assert parameters["view"]["enum"] == list(VIEWS)
    assert parameters["sort"]["enum"] == list(SORTS)
    assert parameters["status"]["anyOf"][0]["enum"] == list(STATUSES)
    assert parameters["limit"] == {"default": DEFAULT_LIMIT, "title": "Limit", "type": "integer"}


@pytest.mark.django_db
def test_agent_ui_drops_ids_it_cannot_read_and_still_lists(agent):
    client = Client()
    client.force_login(agent.user)
    for value in ("%C2%B9", str(MAX_ID + 1), "9" * 5000):
        response = client.get(f"/?view=all&assignee={value}&team={value}&channel={value}")
        assert response.status_code == 200


def test_the_agent_uis_form_offers_the_filter_sets_values():
    form = InboxFilterForm({}, agent=ME, agents=[ME], teams=[], channels=CHANNELS)
    offered = {
        name: [value for value, _label in field.choices]
        for name, field in form.fields.items()
        if isinstance(field, forms.ChoiceField)
    }
    assert offered["view"] == list(VIEWS)
    assert offered["sort"] == list(SORTS)
    assert offered["status"] == ["", *STATUSES]
    assert offered["assignee"] == ["", "me", "none", "7"]
    assert offered["channel"] == ["", "3", "4"]


def test_the_agent_ui_searches_every_conversation_whatever_the_view():
    form = InboxFilterForm(
        {"view": "mine", "q": "pacco", "status": "bogus"},
        agent=ME,
        agents=[ME],
        teams=[],
        channels=[],
    )
    assert form.to_filter().view == "all" and form.value("view") == "mine"
    assert form.value("status") == "" and list(form.errors) == ["status"]


@pytest.mark.django_db
def test_a_listed_conversation_is_found_by_every_field_of_the_filter(workspace, agent, api_channel):
    """The parsed filter, as the inbox's queries read it."""
    result = ingest(
        InboundMessage(
            workspace_id=workspace.pk,
            channel_id=api_channel.pk,
            sender=Sender(name="Anna", email="anna@example.it"),
            text="Il pacco è arrivato rotto",
            external_id="filters-1",
        )
    )
    conversation = queries.get_conversation(workspace.pk, result.conversation_id)
    actions.assign(conversation, agent, assignee=agent)
    actions.set_tags(conversation, agent, ["Danni"])
    query = parse_inbox_query(
        {
            "view": "mine",
            "status": "open",
            "assignee": "me",
            "channel": "api",
            "tag": "danni",
            "q": "pacco",
            "customer_id": str(conversation.customer_id),
            "sort": "oldest",
        },
        agent,
    )
    assert not query.errors
    page = queries.list_conversations(workspace.pk, agent, query.filter)
    assert [c.pk for c in page.items] == [conversation.pk]
