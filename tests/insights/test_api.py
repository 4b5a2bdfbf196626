"""``GET /api/v1/reports/overview``: the Reports page's figures for integrations."""

from __future__ import annotations

import pytest

from sportello.accounts.actions import issue_token
from sportello.accounts.models import Role
from tests.conftest import ApiClient
from tests.factories import AgentFactory, ChannelFactory
from tests.insights.conftest import rome

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports/overview"
PERIOD = "?since=2026-12-01T00:00:00%2B01:00&until=2026-12-03T00:00:00%2B01:00"


@pytest.fixture
def figures(shop, write, answer, moving_clock):
    a = write(shop.email, rome(2026, 12, 1, 10, 0))
    answer(a, shop.giulia, rome(2026, 12, 1, 10, 20))
    b = write(shop.chat, rome(2026, 12, 1, 11, 0))
    answer(b, shop.marco, rome(2026, 12, 1, 14, 0))
    write(shop.chat, rome(2026, 12, 2, 0, 30))
    moving_clock.now = rome(2026, 12, 2, 18, 0)


def api_as(shop, role) -> ApiClient:
    return ApiClient(issue_token(AgentFactory(workspace=shop.workspace, role=role)))


def test_a_supervisor_reads_the_overview(shop, figures, django_assert_max_num_queries):
    api = api_as(shop, Role.SUPERVISOR)

    with django_assert_max_num_queries(25):
        response = api.get(URL + PERIOD)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["time_zone"] == "Europe/Rome"
    assert (body["opened"], body["received"]) == (3, 3)
    assert body["first_reply"] == {"count": 2, "median_seconds": 1200.0, "p90_seconds": 10800.0}
    assert body["first_reply_target"] == {"met": 1, "breached": 1, "running": 1, "share_met": 0.5}
    assert [(d["day"], d["opened"]) for d in body["days"]] == [("2026-12-01", 2), ("2026-12-02", 1)]
    assert body["days"][1]["by_channel"] == {str(shop.chat.pk): 1}
    assert [d["first_reply_median_seconds"] for d in body["days"]] == [1200.0, None]
    assert [a["name"] for a in body["agents"]] == ["Giulia Bianchi", "Marco Ferri"]
    assert body["segments"]["at_risk"] == 0


def test_the_overview_of_one_channel(shop, figures):
    body = api_as(shop, Role.ADMIN).get(f"{URL}{PERIOD}&channel={shop.chat.pk}").json()

    assert body["opened"] == 2
    assert [c["name"] for c in body["channels"]] == ["Chat"]


def test_an_agent_is_refused_the_overview(shop):
    assert api_as(shop, Role.AGENT).get(URL).status_code == 403


def test_no_token_no_overview(db):
    assert ApiClient(None).get(URL).status_code == 401


@pytest.mark.parametrize(
    "query",
    [
        "?since=2026-12-02T00:00:00Z&until=2026-12-01T00:00:00Z",
        "?since=2026-12-01T00:00:00&until=2026-12-02T00:00:00",
        "?since=2024-01-01T00:00:00Z&until=2026-12-01T00:00:00Z",
        "?since=ieri",
        "?channel=abc",
    ],
)
def test_a_bad_period_is_a_validation_error(shop, query):
    response = api_as(shop, Role.SUPERVISOR).get(URL + query)

    assert response.status_code == 422
    assert response.json()["detail"]


def test_another_workspaces_channel_is_refused(shop):
    other = ChannelFactory()

    response = api_as(shop, Role.SUPERVISOR).get(f"{URL}?channel={other.pk}")

    assert response.status_code == 422
    assert "channel" in response.json()["detail"]


def test_an_empty_workspace_has_an_empty_overview(shop):
    body = api_as(shop, Role.SUPERVISOR).get(URL).json()

    assert body["opened"] == 0
    assert body["first_reply"] == {"count": 0, "median_seconds": None, "p90_seconds": None}
    assert body["first_reply_target"]["share_met"] is None
    assert len(body["days"]) in (30, 31)
