"""The audit log through the API and the Django admin: what is recorded, by whom, from
where, who may read it, and how it is filtered and paged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from sportello.accounts.actions import issue_token
from sportello.accounts.models import Agent, Role
from sportello.audit.models import AuditEntry
from sportello.core import clock
from tests.conftest import ApiClient
from tests.factories import AgentFactory, TeamFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db

PASSWORD = "password-123"  # AgentFactory's
EMAIL_CONFIG = {
    "address": "assistenza@negozio.it",
    "imap": {"host": "imap.negozio.it", "user": "assistenza@negozio.it", "password": "segreta"},
}


@pytest.fixture
def admin(workspace) -> Agent:
    return AgentFactory(workspace=workspace, role=Role.ADMIN, display_name="Amministratrice")


@pytest.fixture
def admin_api(admin) -> ApiClient:
    return ApiClient(issue_token(admin))


def channel_entries() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action__startswith="channel.").order_by("pk"))


def test_channel_changes_through_the_api_are_recorded_with_actor_and_ip_never_secrets(
    admin, admin_api
):
    created = admin_api.post(
        "/api/v1/channels",
        {"kind": "email", "name": "Assistenza", "slug": "assistenza", "config": EMAIL_CONFIG},
        REMOTE_ADDR="203.0.113.7",
    ).json()
    admin_api.patch(f"/api/v1/channels/{created['id']}", {"name": "Assistenza clienti"})

    first, second = channel_entries()
    assert (first.action, second.action) == ("channel.created", "channel.updated")
    assert first.actor_kind == "agent" and first.actor_agent_id == admin.pk
    assert first.actor_name == "Amministratrice" and first.ip == "203.0.113.7"
    assert (second.target_type, second.target_id) == ("channel", created["id"])
    assert second.detail["fields"] == ["name"]
    listed = admin_api.get("/api/v1/audit?action=channel").json()["items"]
    assert [e["action"] for e in listed] == ["channel.updated", "channel.created"]
    assert "segreta" not in str(listed)


def test_only_admins_read_the_log(api, workspace):
    assert api.get("/api/v1/audit").status_code == 403
    supervisor = ApiClient(issue_token(AgentFactory(workspace=workspace, role=Role.SUPERVISOR)))
    assert supervisor.get("/api/v1/audit").status_code == 403
    assert ApiClient(None).get("/api/v1/audit").status_code == 401


def test_an_admin_reads_only_their_own_workspaces_log(admin_api):
    admin_api.post("/api/v1/channels", {"kind": "api", "name": "Shop", "slug": "shop"})
    other = ApiClient(issue_token(AgentFactory(workspace=WorkspaceFactory(), role=Role.ADMIN)))
    actions = [e["action"] for e in other.get("/api/v1/audit").json()["items"]]
    assert "channel.created" not in actions and actions == ["token.issued"]


def test_the_log_is_paged_newest_first_and_filtered_by_actor_and_date(admin, admin_api, workspace):
    for n in range(5):
        admin_api.post("/api/v1/channels", {"kind": "api", "name": f"C{n}", "slug": f"c{n}"})
    colleague = AgentFactory(workspace=workspace, role=Role.ADMIN)
    ApiClient(issue_token(colleague)).post(
        "/api/v1/channels", {"kind": "api", "name": "Sua", "slug": "sua"}
    )

    first = admin_api.get("/api/v1/audit?action=channel.created&limit=4").json()
    second = admin_api.get(
        f"/api/v1/audit?action=channel.created&limit=4&cursor={first['next_cursor']}"
    ).json()
    names = [e["detail"]["name"] for e in first["items"] + second["items"]]
    assert names == ["Sua", "C4", "C3", "C2", "C1", "C0"] and second["next_cursor"] is None

    mine = admin_api.get(f"/api/v1/audit?action=channel&actor={admin.pk}").json()["items"]
    assert len(mine) == 5
    theirs = admin_api.get(f"/api/v1/audit?action=channel&actor={colleague.pk}").json()["items"]
    assert [e["detail"]["name"] for e in theirs] == ["Sua"]

    later = (clock.now() + timedelta(minutes=1)).isoformat().replace("+00:00", "Z")
    assert admin_api.get("/api/v1/audit", since=later).status_code == 200
    assert (
        admin_api.get(f"/api/v1/audit?since={later.replace('Z', '%2B00:00')}").json()["items"] == []
    )
    until = admin_api.get(f"/api/v1/audit?until={later.replace('Z', '%2B00:00')}").json()
    assert len(until["items"]) >= 6


@pytest.mark.parametrize(
    "query",
    ["cursor=abc", "actor=nessuno", "since=2026-01-01T10:00:00", "until=ieri", "limit=x"],
)
def test_a_bad_filter_is_a_422(admin_api, query):
    response = admin_api.get(f"/api/v1/audit?{query}")
    assert response.status_code == 422, response.content


def test_changes_in_the_django_admin_are_recorded(admin, workspace):
    """GIVEN a workspace admin signed in to /admin/
    WHEN they change a colleague's role and delete a team
    THEN both are in the log, by them, with the field that changed."""
    colleague = AgentFactory(workspace=workspace, role=Role.AGENT, display_name="Luca")
    team = TeamFactory(workspace=workspace, name="Resi")
    admin.user.is_staff = True  # as create_agent makes an admin's login
    admin.user.save(update_fields=["is_staff"])
    client = Client()
    assert client.login(email=admin.user.email, password=PASSWORD)

    page = client.get(f"/admin/accounts/agent/{colleague.pk}/change/")
    form = page.context["adminform"].form
    data = {
        name: ("" if value is None else value)
        for name, value in form.initial.items()
        if name in form.fields
    }
    data.update(
        role=Role.SUPERVISOR,
        user=colleague.user_id,
        created_at_0="2026-12-01",
        created_at_1="09:00:00",
        is_active="on",
    )
    response = client.post(f"/admin/accounts/agent/{colleague.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert (
        client.post(f"/admin/accounts/team/{team.pk}/delete/", {"post": "yes"}).status_code == 302
    )

    role = AuditEntry.objects.get(action="agent.updated")
    assert "role" in role.detail["fields"] and role.target_id == colleague.pk
    assert role.actor_agent_id == admin.pk and role.detail["via"] == "admin"
    deleted = AuditEntry.objects.get(action="team.deleted")
    assert deleted.detail["name"] == "Resi" and deleted.target_id == team.pk
    listed = client.get("/admin/audit/auditentry/")
    assert listed.status_code == 200 and "team.deleted" in listed.content.decode()


def test_a_token_issued_is_recorded_by_its_prefix(agent, workspace):
    key = issue_token(agent, name="integrazione")
    entry = AuditEntry.objects.filter(action="token.issued").latest("pk")
    assert entry.detail["prefix"] == key[4:10] and entry.detail["name"] == "integrazione"
    assert key not in str(entry.detail)


def test_a_channel_deleted_through_the_api_is_recorded_one_with_history_stays(
    admin_api, api_channel, inbound
):
    spare = admin_api.post("/api/v1/channels", {"kind": "api", "name": "Prova", "slug": "prova"})
    assert admin_api.delete(f"/api/v1/channels/{spare.json()['id']}").status_code == 204
    entry = AuditEntry.objects.get(action="channel.deleted")
    assert entry.detail["slug"] == "prova"

    inbound()  # the api channel now has a conversation
    refused = admin_api.delete(f"/api/v1/channels/{api_channel.pk}")
    assert refused.status_code == 409 and "switch it off" in refused.json()["detail"]
    assert AuditEntry.objects.filter(action="channel.deleted").count() == 1


def test_an_agent_may_not_delete_a_channel(api, api_channel):
    assert api.delete(f"/api/v1/channels/{api_channel.pk}").status_code == 403


def test_reading_the_log_costs_a_few_queries(admin_api, django_assert_max_num_queries):
    for n in range(30):
        admin_api.post("/api/v1/channels", {"kind": "api", "name": f"C{n}", "slug": f"c{n}"})
    with django_assert_max_num_queries(3):
        response = admin_api.get("/api/v1/audit?limit=25")
    assert len(response.json()["items"]) == 25


def test_a_token_from_signing_in_is_issued_by_the_agent_from_their_address(workspace):
    agent = AgentFactory(workspace=workspace, display_name="Marta")
    response = Client().post(
        "/api/v1/auth/token",
        {"email": agent.user.email, "password": PASSWORD},
        content_type="application/json",
        REMOTE_ADDR="198.51.100.4",
    )
    assert response.status_code == 200
    entry = AuditEntry.objects.filter(action="token.issued").latest("pk")
    assert (entry.actor_kind, entry.actor_agent_id) == ("agent", agent.pk)
    assert entry.ip == "198.51.100.4" and entry.detail["name"] == "api login"
