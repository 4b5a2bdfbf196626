"""Bad input in the agent UI answers a clear 4xx or a form error, never a 500."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.api.test_bad_input import NASTY_QUERIES

pytestmark = pytest.mark.django_db

TOO_BIG = 2**63


@pytest.mark.parametrize("number", [TOO_BIG, 10**20, 99999999999999999999])
@pytest.mark.parametrize("path", ["/c/{}/", "/c/{}/tags/", "/c/{}/status/", "/customers/{}/"])
def test_an_id_beyond_a_row_id_in_a_url_is_not_found(agent_client, path, number):
    assert agent_client.get(path.format(number)).status_code == 404


def test_the_largest_row_id_is_looked_up_and_not_found(agent_client):
    assert agent_client.get(f"/c/{TOO_BIG - 1}/").status_code == 404
    assert agent_client.get(f"/customers/{TOO_BIG - 1}/").status_code == 404


@pytest.mark.parametrize("page", ["%C2%B9", "%D9%A3", "9" * 5000, "-1", str(TOO_BIG)])
def test_a_customer_list_page_that_is_not_a_number_shows_the_first(
    agent_client, customer_writes, page
):
    customer_writes(name="Mario Rossi")
    response = agent_client.get(f"/customers/?page={page}")
    assert response.status_code == 200
    assert "Mario Rossi" in response.content.decode()


@pytest.mark.parametrize("query", NASTY_QUERIES)
def test_an_inbox_search_is_never_syntax(agent_client, customer_writes, query):
    customer_writes("Il mio ordine da 1/2 chilo non è arrivato")
    response = agent_client.get("/", {"q": query, "view": "all"})
    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/", "/customers/"])
@pytest.mark.parametrize("query", ["q=ros%00si", "tag=a%00", "channel=a%00", "page=1%00"])
def test_nul_in_a_query_string_is_dropped(agent_client, customer_writes, path, query):
    customer_writes(name="Mario Rossi")
    response = agent_client.get(f"{path}?{query}")
    assert response.status_code == 200
    if path == "/customers/":
        assert "Mario Rossi" in response.content.decode()


@pytest.mark.parametrize("content_type", [None, "application/x-www-form-urlencoded"])
def test_nul_in_a_posted_form_is_a_form_error(agent_client, agent, customer_writes, content_type):
    from sportello.conversations.queries import get_conversation

    conversation = customer_writes()
    url = f"/c/{conversation.number}/tags/"
    if content_type is None:
        response = agent_client.post(url, {"tags": "re\x00so"})
    else:
        response = agent_client.post(url, "tags=re%00so", content_type=content_type)
    assert response.status_code in {200, 302, 422}
    assert get_conversation(agent.workspace_id, conversation.pk).tag_names == []


def test_a_snooze_date_out_of_bounds_is_a_form_error(agent_client, agent, customer_writes):
    from sportello.conversations.queries import get_conversation

    conversation = customer_writes()
    response = agent_client.post(
        f"/c/{conversation.number}/status/",
        {"status": "snoozed", "snoozed_until": "9999-12-31T23:59"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="side-panel",
    )
    assert response.status_code in {200, 422}
    assert "5 years" in response.content.decode()
    assert get_conversation(agent.workspace_id, conversation.pk).status == "open"


@pytest.fixture
def far_snoozed(customer_writes):
    """A conversation snoozed until the last second of year 9999 UTC, as one could be
    before the bound: its page shows it in Rome, where that is year 10000."""
    from sportello.conversations.models import Conversation

    conversation = customer_writes()
    Conversation.objects.filter(pk=conversation.pk).update(
        status="snoozed", snoozed_until=datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
    )
    return conversation


def test_a_far_snooze_date_still_shows_the_conversation(agent_client, far_snoozed):
    assert agent_client.get(f"/c/{far_snoozed.number}/").status_code == 200
    assert agent_client.get("/?view=snoozed").status_code == 200


def test_a_far_snooze_is_brought_within_the_bound_and_shows_in_the_admin(
    client, workspace, far_snoozed
):
    from importlib import import_module

    from django.apps import apps

    from sportello.accounts.actions import create_agent
    from sportello.accounts.models import Role
    from sportello.conversations.models import Conversation

    migration = import_module("sportello.conversations.migrations.0010_bound_far_snoozes")
    migration.bound_far_snoozes(apps, None)
    assert Conversation.objects.get(pk=far_snoozed.pk).snoozed_until.year < 2040
    create_agent(workspace, email="capo@bottega.it", password="x" * 12, role=Role.ADMIN)
    client.login(email="capo@bottega.it", password="x" * 12)
    base = "/admin/conversations/conversation/"
    assert client.get(base).status_code == 200
    assert client.get(f"{base}{far_snoozed.pk}/change/").status_code == 200
