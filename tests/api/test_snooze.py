"""POST /api/v1/conversations/{id}/snooze: a preset in business time, or a given time."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from sportello.conversations.models import Conversation
from sportello.core import clock
from sportello.sla.actions import ensure_defaults

pytestmark = pytest.mark.django_db
ROME = ZoneInfo("Europe/Rome")


@pytest.fixture
def friday_evening(monkeypatch):
    now = datetime(2026, 12, 4, 17, 30, tzinfo=ROME)  # a Friday; Tuesday 8th is a holiday
    monkeypatch.setattr(clock, "now", lambda: now)
    return now


@pytest.fixture
def conversation_id(inbound, workspace):
    ensure_defaults(workspace.pk)  # Mon-Fri 09:00-18:00 in Rome, Italian holidays
    return inbound("Il pacco è arrivato rotto").json()["conversation_id"]


@pytest.mark.parametrize(
    ("preset", "wakes"),
    [
        ("1h", datetime(2026, 12, 7, 9, 30, tzinfo=ROME)),  # 30 min on Friday, 30 on Monday
        ("tomorrow", datetime(2026, 12, 7, 9, 0, tzinfo=ROME)),
        ("monday", datetime(2026, 12, 7, 9, 0, tzinfo=ROME)),
    ],
)
def test_a_preset_snoozes_in_business_time(api, conversation_id, friday_evening, preset, wakes):
    response = api.post(f"/api/v1/conversations/{conversation_id}/snooze", {"preset": preset})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "snoozed"
    assert datetime.fromisoformat(body["snoozed_until"]) == wakes
    assert Conversation.objects.get(pk=conversation_id).snoozed_until == wakes


def test_a_given_time_snoozes_until_then(api, conversation_id, friday_evening):
    until = "2026-12-10T15:00:00+01:00"
    response = api.post(f"/api/v1/conversations/{conversation_id}/snooze", {"until": until})
    assert response.status_code == 200
    assert datetime.fromisoformat(response.json()["snoozed_until"]) == datetime.fromisoformat(until)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"preset": "1h", "until": "2026-12-10T15:00:00+01:00"},
        {"preset": "next-year"},
        {"until": "2026-12-01T15:00:00+01:00"},  # in the past
        {"until": "2026-12-10T15:00:00"},  # no offset
    ],
)
def test_a_bad_snooze_is_refused_with_a_message(api, conversation_id, friday_evening, body):
    response = api.post(f"/api/v1/conversations/{conversation_id}/snooze", body)
    assert response.status_code == 422, response.content
    assert response.json()["detail"]
    assert Conversation.objects.get(pk=conversation_id).status == "open"


def test_another_workspaces_conversation_is_not_found(api, friday_evening):
    response = api.post("/api/v1/conversations/999999/snooze", {"preset": "1h"})
    assert response.status_code == 404
