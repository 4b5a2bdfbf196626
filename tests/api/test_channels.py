"""Channels configured through the API: admins only, email settings checked, secrets hidden."""

from __future__ import annotations

import pytest

from sportello.accounts.actions import issue_token
from sportello.accounts.models import Role
from sportello.channels.models import Channel
from tests.conftest import ApiClient
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db

EMAIL_CONFIG = {
    "address": "assistenza@negozio.it",
    "imap": {"host": "imap.negozio.it", "user": "assistenza@negozio.it", "password": "segreta"},
    "smtp": {"host": "smtp.negozio.it", "user": "assistenza@negozio.it", "password": "segreta"},
}


@pytest.fixture
def admin_api(workspace) -> ApiClient:
    return ApiClient(issue_token(AgentFactory(workspace=workspace, role=Role.ADMIN)))


def test_admin_adds_an_email_channel_and_never_sees_its_passwords(admin_api):
    response = admin_api.post(
        "/api/v1/channels",
        {"kind": "email", "name": "Assistenza", "slug": "assistenza", "config": EMAIL_CONFIG},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["config"]["imap"]["password"] == "***"
    assert body["config"]["imap"]["port"] == 993  # secure default filled in
    stored = Channel.objects.get(slug="assistenza")
    assert stored.config["smtp"]["password"] == "segreta"
    listed = admin_api.get("/api/v1/channels").json()
    assert "segreta" not in str(listed)


def test_patch_keeps_a_secret_sent_back_masked(admin_api):
    created = admin_api.post(
        "/api/v1/channels",
        {"kind": "email", "name": "Posta", "slug": "posta", "config": EMAIL_CONFIG},
    ).json()
    shown = created["config"]
    shown["imap"]["folder"] = "Clienti"
    response = admin_api.patch(f"/api/v1/channels/{created['id']}", {"config": shown})
    assert response.status_code == 200, response.content
    stored = Channel.objects.get(pk=created["id"]).config
    assert stored["imap"]["password"] == "segreta" and stored["imap"]["folder"] == "Clienti"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"kind": "email", "name": "X", "slug": "x", "config": {"address": "non-valida"}}, 422),
        ({"kind": "fax", "name": "X", "slug": "x", "config": {}}, 422),
        ({"kind": "api", "name": "X", "slug": "Non Valido!", "config": {}}, 422),
        ({"kind": "api", "name": "Doppio", "slug": "api", "config": {}}, 409),
    ],
)
def test_bad_channel_configuration_is_refused(admin_api, body, status):
    assert admin_api.post("/api/v1/channels", body).status_code == status


def test_agents_cannot_configure_channels(api):
    response = api.post("/api/v1/channels", {"kind": "api", "name": "X", "slug": "x", "config": {}})
    assert response.status_code == 403
    assert api.get("/api/v1/channels").status_code == 200
