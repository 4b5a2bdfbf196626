"""The business hours and SLA settings pages as an admin uses them: a calendar with split
shifts, Milan's holidays and the WhatsApp channel; refusals said in Italian; a policy
with its targets and conditions."""

from __future__ import annotations

import pytest
from django.test import Client

from sportello.accounts.actions import create_agent
from sportello.accounts.models import Agent, Role
from sportello.sla.actions import ensure_defaults
from sportello.sla.models import Calendar, CalendarAssignment, SlaPolicy
from tests.factories import ChannelFactory, TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(workspace) -> Agent:
    return create_agent(
        workspace, email="titolare@negozio.it", password="x-pass-123", role=Role.ADMIN
    )


@pytest.fixture
def italian(admin) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="it")
    client.force_login(admin.user)
    return client


def week(**days: list[tuple[str, str]]) -> dict[str, str]:
    form = {}
    for day, intervals in days.items():
        for n, (start, end) in enumerate(intervals, 1):
            form[f"{day}_{n}_start"], form[f"{day}_{n}_end"] = start, end
    return form


def test_an_admin_creates_a_milan_calendar_with_split_shifts_for_whatsapp(italian, workspace):
    whatsapp = ChannelFactory(workspace=workspace, kind="whatsapp", name="WhatsApp", slug="wa")
    page = italian.get("/settings/sla/calendars/new/")
    assert page.status_code == 200
    assert "Orari di apertura settimanali" in page.content.decode()
    answer = italian.post(
        "/settings/sla/calendars/new/",
        {
            "name": "Negozio di Milano",
            "time_zone": "Europe/Rome",
            "holiday_country": "IT",
            "holiday_subdivision": "mi",
            "closed_days": "2026-08-14\n",
            "open_days": "2026-12-08 09:00-13:00",
            "channels": [str(whatsapp.pk)],
            **week(
                mon=[("09:00", "13:00"), ("14:00", "18:00")],
                sat=[("09:30", "12:30")],
            ),
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:3000]
    calendar = Calendar.objects.get(workspace=workspace, name="Negozio di Milano")
    assert calendar.hours == {
        "mon": [["09:00", "13:00"], ["14:00", "18:00"]],
        "sat": [["09:30", "12:30"]],
    }
    assert (calendar.holiday_country, calendar.holiday_subdivision) == ("IT", "MI")
    assert calendar.closed_days == ["2026-08-14"]
    assert calendar.open_days == {"2026-12-08": [["09:00", "13:00"]]}
    assert CalendarAssignment.objects.get(calendar=calendar).channel_id == whatsapp.pk

    edit = italian.get(f"/settings/sla/calendars/{calendar.pk}/").content.decode()
    assert 'value="14:00"' in edit and "2026-12-08 09:00-13:00" in edit
    listing = italian.get("/settings/sla/").content.decode()
    assert "Negozio di Milano" in listing and "WhatsApp" in listing


@pytest.mark.parametrize(
    ("form", "message"),
    [
        (
            week(mon=[("09:00", "13:00"), ("12:00", "18:00")]),
            "gli intervalli 09:00-13:00 e 12:00-18:00 si sovrappongono",
        ),
        (week(tue=[("18:00", "09:00")]), "finisce prima di cominciare"),
        ({}, "Il calendario non ha orari di apertura"),
        ({**week(mon=[("09:00", "18:00")]), "time_zone": "Europe/Atlantide"}, "valida"),
        (
            {**week(mon=[("09:00", "18:00")]), "holiday_subdivision": "ZZ"},
            "Provincia o regione sconosciuta",
        ),
        ({**week(mon=[("09:00", "18:00")]), "closed_days": "14 agosto"}, "non è una data"),
    ],
)
def test_a_calendar_that_cannot_compute_is_refused_in_italian(italian, form, message):
    body = {"name": "Prova", "time_zone": "Europe/Rome", "holiday_country": "IT", **form}
    answer = italian.post("/settings/sla/calendars/new/", body)
    assert answer.status_code == 422
    assert message in answer.content.decode()
    assert not Calendar.objects.filter(name="Prova").exists()


def test_an_admin_adds_a_policy_for_urgent_whatsapp_conversations(italian, workspace):
    ensure_defaults(workspace.pk)
    whatsapp = ChannelFactory(workspace=workspace, kind="whatsapp", name="WhatsApp", slug="wa")
    team = TeamFactory(workspace=workspace, name="Resi")
    calendar = Calendar.objects.get(workspace=workspace, is_default=True)
    answer = italian.post(
        "/settings/sla/policies/new/",
        {
            "name": "Urgenti WhatsApp",
            "calendar": str(calendar.pk),
            "position": "1",
            "is_active": "on",
            "warn_minutes": "10",
            "first_reply_amount": "15",
            "first_reply_unit": "minutes",
            "first_reply_clock": "calendar",
            "resolution_amount": "8",
            "resolution_unit": "hours",
            "resolution_clock": "business",
            "next_reply_unit": "hours",
            "next_reply_clock": "business",
            "channels": [str(whatsapp.pk)],
            "priorities": ["3"],
            "teams": [str(team.pk)],
            "tags": "reso, rimborso",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:3000]
    policy = SlaPolicy.objects.get(workspace=workspace, name="Urgenti WhatsApp")
    assert (policy.first_reply_minutes, policy.first_reply_business) == (15, False)
    assert (policy.resolution_minutes, policy.resolution_business) == (480, True)
    assert policy.next_reply_minutes is None
    assert policy.conditions == {
        "channels": [whatsapp.pk],
        "priorities": [3],
        "teams": [team.pk],
        "tags": ["reso", "rimborso"],
        "segments": [],
    }
    page = italian.get(f"/settings/sla/policies/{policy.pk}/").content.decode()
    assert 'value="8"' in page and "Risoluzione entro" in page


def test_a_policy_without_any_target_is_refused(italian, workspace):
    ensure_defaults(workspace.pk)
    calendar = Calendar.objects.get(workspace=workspace, is_default=True)
    answer = italian.post(
        "/settings/sla/policies/new/",
        {"name": "Vuota", "calendar": str(calendar.pk), "position": "0", "warn_minutes": "15"},
    )
    assert answer.status_code == 422
    assert "Indica almeno un obiettivo" in answer.content.decode()


def test_other_agents_cannot_open_the_pages(workspace):
    agent = create_agent(workspace, email="a@negozio.it", password="x-pass-123", role=Role.AGENT)
    client = Client()
    client.force_login(agent.user)
    assert client.get("/settings/sla/").status_code == 403


def test_an_admin_widens_the_repeat_window_and_a_bad_number_is_refused(italian, workspace):
    from sportello.conversations.repeats import window_days

    page = italian.get("/settings/sla/").content.decode()
    assert "Contatti ripetuti" in page and 'value="7"' in page
    answer = italian.post("/settings/sla/repeat/", {"is_enabled": "on", "window_days": "14"})
    assert answer.status_code == 302
    assert window_days(workspace.pk) == 14
    answer = italian.post("/settings/sla/repeat/", {"is_enabled": "on", "window_days": "0"})
    assert answer.status_code == 422
    assert "maggiore o uguale a 1" in answer.content.decode()
    italian.post("/settings/sla/repeat/", {"window_days": "14"})
    assert window_days(workspace.pk) is None
