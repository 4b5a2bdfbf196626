"""API tokens: named, expiring, listed and revoked by their agent (and the workspace's
admins), revoked by a password change."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sportello.accounts.actions import change_password, issue_token
from sportello.accounts.models import Role
from sportello.core import clock
from tests.conftest import ApiClient
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def moving_clock(monkeypatch):
    """``clock.now()`` under the test's control."""
    state = {"now": clock.now()}
    monkeypatch.setattr(clock, "now", lambda: state["now"])

    def advance(delta: timedelta) -> None:
        state["now"] += delta

    return advance


def test_a_named_token_is_created_listed_used_and_revoked(api):
    created = api.post("/api/v1/tokens", {"name": "  Shopify   ordini "})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["name"] == "Shopify ordini"
    assert body["token"].startswith("spt_") and body["token"][4:10] == body["prefix"]
    lifetime = clock.now() + timedelta(days=90) - _parse(body["expires_at"])
    assert abs(lifetime) < timedelta(minutes=1)

    shopify = ApiClient(body["token"])
    assert shopify.get("/api/v1/conversations").status_code == 200
    listed = api.get("/api/v1/tokens").json()
    assert [t["name"] for t in listed] == ["Shopify ordini", "api"]
    assert "token" not in listed[0] and listed[0]["last_used_at"] is not None

    revoked = api._send("delete", f"/api/v1/tokens/{body['id']}")
    assert revoked.status_code == 204
    refused = shopify.get("/api/v1/conversations")
    assert refused.status_code == 401
    assert "invalid token" in refused.json()["detail"]
    assert [t["name"] for t in api.get("/api/v1/tokens").json()] == ["api"]


def _parse(text: str):
    from datetime import datetime

    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_a_token_lifetime_is_chosen_up_to_the_maximum(api, settings):
    settings.TOKEN_MAX_LIFETIME_DAYS = 365
    week = api.post("/api/v1/tokens", {"name": "prova", "lifetime_days": 7}).json()
    assert abs(clock.now() + timedelta(days=7) - _parse(week["expires_at"])) < timedelta(minutes=1)
    too_long = api.post("/api/v1/tokens", {"name": "per sempre", "lifetime_days": 366})
    assert too_long.status_code == 422
    assert "1 to 365 days" in too_long.json()["detail"]
    assert api.post("/api/v1/tokens", {"name": "x", "lifetime_days": 0}).status_code == 422
    assert api.post("/api/v1/tokens", {"name": "   "}).status_code == 422
    assert api.post("/api/v1/tokens", {"name": "x" * 121}).status_code == 422


def test_an_expired_token_answers_401_saying_it_expired(api, agent, moving_clock):
    key = api.post("/api/v1/tokens", {"name": "cron", "lifetime_days": 1}).json()["token"]
    cron = ApiClient(key)
    assert cron.get("/api/v1/conversations").status_code == 200
    moving_clock(timedelta(days=1, seconds=1))
    answer = cron.get("/api/v1/conversations")
    assert answer.status_code == 401
    assert answer.json()["detail"].startswith("this token has expired")


def test_an_agent_cannot_see_or_revoke_a_colleagues_token(api, workspace):
    colleague = AgentFactory(workspace=workspace)
    theirs = ApiClient(issue_token(colleague, "theirs"))
    their_id = theirs.get("/api/v1/tokens").json()[0]["id"]
    assert [t["name"] for t in api.get("/api/v1/tokens").json()] == ["api"]
    assert api.get("/api/v1/tokens?all=true").status_code == 403
    assert api._send("delete", f"/api/v1/tokens/{their_id}").status_code == 404
    assert theirs.get("/api/v1/conversations").status_code == 200


def test_an_admin_lists_and_revokes_the_workspaces_tokens_only(api, agent, workspace):
    admin = ApiClient(issue_token(AgentFactory(workspace=workspace, role=Role.ADMIN), "admin"))
    elsewhere = AgentFactory()  # another workspace
    stranger = ApiClient(issue_token(elsewhere, "stranger"))
    everyone = admin.get("/api/v1/tokens?all=true").json()
    assert sorted(t["name"] for t in everyone) == ["admin", "api"]
    giulia = next(t for t in everyone if t["name"] == "api")
    assert giulia["agent_name"] == "Giulia Bianchi"
    assert admin._send("delete", f"/api/v1/tokens/{giulia['id']}").status_code == 204
    assert api.get("/api/v1/conversations").status_code == 401

    strangers = stranger.get("/api/v1/tokens").json()[0]["id"]
    assert admin._send("delete", f"/api/v1/tokens/{strangers}").status_code == 404


def test_a_password_change_revokes_every_token_of_the_login(api, agent):
    other_workspace = AgentFactory(user=agent.user)
    elsewhere = ApiClient(issue_token(other_workspace, "elsewhere"))
    assert change_password(agent.user, "una-password-nuova-2026") == 2
    assert api.get("/api/v1/conversations").status_code == 401
    assert elsewhere.get("/api/v1/conversations").status_code == 401


def test_the_login_endpoint_names_its_token(agent, client):
    response = client.post(
        "/api/v1/auth/token",
        {"email": "giulia@negozio.it", "password": "password-123", "name": "Zapier"},
        content_type="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Zapier" and body["expires_at"]
    listed = ApiClient(body["token"]).get("/api/v1/tokens").json()
    assert [(t["id"], t["name"]) for t in listed] == [(body["id"], "Zapier")]
