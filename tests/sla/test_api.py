"""Calendars and SLA policies through the API: every agent reads, admins write, bad
settings are refused with a message that says what is wrong."""

from __future__ import annotations

import pytest

from sportello.sla.models import Calendar, SlaPolicy
from tests.factories import WorkspaceFactory

pytestmark = pytest.mark.django_db

SPLIT = {d: [["09:00", "13:00"], ["14:30", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


def test_a_workspace_has_the_default_calendar_and_policy(api):
    calendars = api.get("/api/v1/calendars").json()
    assert len(calendars) == 1
    (default,) = calendars
    assert default["is_default"] and default["time_zone"] == "Europe/Rome"
    assert default["hours"]["mon"] == [["09:00", "18:00"]] and "sat" not in default["hours"]
    assert default["holiday_country"] == "IT"
    (policy,) = api.get("/api/v1/sla-policies").json()
    assert policy["is_default"] and policy["calendar_id"] == default["id"]
    assert policy["first_reply_minutes"] == 60 and policy["first_reply_business"]


def test_the_defaults_are_made_once_per_workspace(api, workspace):
    api.get("/api/v1/calendars")
    api.get("/api/v1/sla-policies")
    other = WorkspaceFactory()
    from sportello.sla.actions import ensure_defaults

    ensure_defaults(other.pk)
    assert Calendar.objects.filter(workspace=workspace).count() == 1
    assert SlaPolicy.objects.filter(workspace=workspace).count() == 1
    assert SlaPolicy.objects.filter(workspace=other, is_default=True).count() == 1


def test_an_admin_adds_a_milan_calendar_with_split_shifts_and_a_policy_on_it(admin_api):
    response = admin_api.post(
        "/api/v1/calendars",
        {
            "name": "Negozio di Milano",
            "hours": SPLIT,
            "holiday_subdivision": "MI",
            "closed_days": ["2026-08-14"],
            "open_days": {"2026-12-08": [["10:00", "13:00"]]},
        },
    )
    assert response.status_code == 201, response.content
    calendar = response.json()
    assert calendar["hours"]["mon"] == [["09:00", "13:00"], ["14:30", "18:00"]]
    assert not calendar["is_default"]

    response = admin_api.post(
        "/api/v1/sla-policies",
        {
            "name": "Urgenti",
            "calendar_id": calendar["id"],
            "conditions": {"priorities": [3]},
            "first_reply_minutes": 15,
            "resolution_minutes": 480,
        },
    )
    assert response.status_code == 201, response.content
    policy = response.json()
    listed = admin_api.get("/api/v1/sla-policies").json()
    assert [p["name"] for p in listed] == ["Urgenti", "Predefinita"]

    response = admin_api.patch(f"/api/v1/sla-policies/{policy['id']}", {"warn_minutes": 5})
    assert response.status_code == 200 and response.json()["warn_minutes"] == 5
    response = admin_api.patch(
        f"/api/v1/calendars/{calendar['id']}", {"time_zone": "Europe/Zurich"}
    )
    assert response.status_code == 200 and response.json()["time_zone"] == "Europe/Zurich"

    # A calendar in use stays; once its policy is gone it may go.
    assert admin_api._send("delete", f"/api/v1/calendars/{calendar['id']}").status_code == 409
    assert admin_api._send("delete", f"/api/v1/sla-policies/{policy['id']}").status_code == 204
    assert admin_api._send("delete", f"/api/v1/calendars/{calendar['id']}").status_code == 204


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"hours": {"mon": [["09:00", "13:00"], ["12:30", "18:00"]]}}, "overlap"),
        ({"hours": {}}, "no open hours"),
        ({"hours": {"mon": [["18:00", "09:00"]]}}, "ends before it starts"),
        ({"time_zone": "Europe/Milano"}, "unknown time zone"),
        ({"holiday_subdivision": "XX"}, "unknown subdivision"),
        ({"holiday_country": "ZZ"}, "no public holidays"),
        ({"closed_days": ["31/12/2026"]}, "YYYY-MM-DD"),
        ({"hours": {"mon": [["09:00"]]}}, "hours"),
    ],
)
def test_a_calendar_that_cannot_compute_is_a_422_that_says_why(admin_api, body, message):
    response = admin_api.post("/api/v1/calendars", {"name": "Prova", "hours": SPLIT, **body})
    assert response.status_code == 422, response.content
    assert message in response.json()["detail"]
    assert not Calendar.objects.filter(name="Prova").exists()


def test_agents_read_but_only_admins_change(api, admin_api):
    assert api.get("/api/v1/calendars").status_code == 200
    response = api.post("/api/v1/calendars", {"name": "Mio", "hours": SPLIT})
    assert response.status_code == 403
    (policy,) = api.get("/api/v1/sla-policies").json()
    assert (
        api.patch(f"/api/v1/sla-policies/{policy['id']}", {"first_reply_minutes": 1}).status_code
        == 403
    )


def test_the_defaults_cannot_be_deleted_nor_given_conditions(admin_api):
    (calendar,) = admin_api.get("/api/v1/calendars").json()
    (policy,) = admin_api.get("/api/v1/sla-policies").json()
    assert admin_api._send("delete", f"/api/v1/calendars/{calendar['id']}").status_code == 409
    assert admin_api._send("delete", f"/api/v1/sla-policies/{policy['id']}").status_code == 409
    response = admin_api.patch(
        f"/api/v1/sla-policies/{policy['id']}", {"conditions": {"priorities": [3]}}
    )
    assert response.status_code == 422


def test_names_are_unique_and_other_workspaces_calendars_are_not_found(admin_api):
    body = {"name": "Estate", "hours": SPLIT}
    assert admin_api.post("/api/v1/calendars", body).status_code == 201
    assert admin_api.post("/api/v1/calendars", body).status_code == 409
    foreign = Calendar.objects.create(workspace=WorkspaceFactory(), name="Altrui", hours=SPLIT)
    assert admin_api.get(f"/api/v1/calendars/{foreign.pk}").status_code == 404
    response = admin_api.post("/api/v1/sla-policies", {"name": "Furba", "calendar_id": foreign.pk})
    assert response.status_code == 404


def test_an_edited_default_policy_applies_to_the_next_conversation(admin_api, api, write):
    (policy,) = admin_api.get("/api/v1/sla-policies").json()
    response = admin_api.patch(
        f"/api/v1/sla-policies/{policy['id']}",
        {"first_reply_minutes": 30, "first_reply_business": False},
    )
    assert response.status_code == 200
    created = write()
    body = api.get(f"/api/v1/conversations/{created['conversation_id']}").json()
    from sportello.conversations.models import Conversation

    conversation = Conversation.objects.get(pk=created["conversation_id"])
    assert (conversation.first_reply_due_at - conversation.created_at).total_seconds() <= 30 * 60
    assert body["first_reply_sla"] == "running"


def test_the_data_migration_gives_every_existing_workspace_its_defaults_once(workspace):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("sportello.sla.migrations.0002_default_calendar_and_policy")
    other = WorkspaceFactory()
    migration.create_defaults(apps, None)
    migration.create_defaults(apps, None)
    for each in (workspace, other):
        policy = SlaPolicy.objects.get(workspace=each)
        assert policy.is_default and policy.first_reply_minutes == 60
        assert policy.calendar.is_default and policy.calendar.holiday_country == "IT"
