"""Clocks already running follow a change of their calendar or policy: the due times of
open conversations are recomputed from their start by a job, met and breached outcomes
stay, a paused clock keeps the time it was paused, and the inbox's countdown shows the
new due time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from sportello.conversations.models import Conversation
from sportello.sla import jobs
from sportello.sla.actions import BATCH, follow_change
from sportello.sla.models import Calendar, SlaPolicy
from tests.sla.conftest import ROME

pytestmark = pytest.mark.django_db

FRIDAY_1600 = (2026, 12, 4, 16, 0)  # due at 17:00 on the default policy (one business hour)


def rome(*local: int) -> datetime:
    return datetime(*local, tzinfo=ROME).astimezone(UTC)


def detail(api, conversation_id: int) -> dict[str, Any]:
    return api.get(f"/api/v1/conversations/{conversation_id}").json()


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


WEEKDAYS = {d: [["09:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


@pytest.mark.parametrize(
    ("written_at", "change", "due"),
    [
        # The calendar gains a holiday on that Friday: due on Monday, from the opening.
        (FRIDAY_1600, {"closed_days": ["2026-12-04"]}, rome(2026, 12, 7, 10, 0)),
        # Friday closes at 16:30: half an hour on Friday, half an hour on Monday.
        (
            FRIDAY_1600,
            {"hours": {**WEEKDAYS, "fri": [["09:00", "16:30"]]}},
            rome(2026, 12, 7, 9, 30),
        ),
        # A Saturday morning opens: a message of Friday 17:30 is due Saturday 09:30.
        (
            (2026, 12, 4, 17, 30),
            {"open_days": {"2026-12-05": [["09:00", "12:00"]]}},
            rome(2026, 12, 5, 9, 30),
        ),
        # The office moves to Tokyo: Friday 16:00 in Rome is Saturday midnight there.
        (FRIDAY_1600, {"time_zone": "Asia/Tokyo"}, datetime(2026, 12, 7, 1, 0, tzinfo=UTC)),
        # Its holidays become Milan's: Monday 7 December is Sant'Ambrogio, Tuesday the 8th
        # a national holiday: a message of Friday 17:30 is due Wednesday 09:30.
        (
            (2026, 12, 4, 17, 30),
            {"holiday_subdivision": "MI"},
            rome(2026, 12, 9, 9, 30),
        ),
        # Nothing that counts changes (the name): the due time stays.
        (FRIDAY_1600, {"name": "Ufficio"}, rome(2026, 12, 4, 17, 0)),
    ],
)
def test_a_running_clock_follows_its_calendar(
    api, admin_api, write, moving_clock, django_capture_on_commit_callbacks, written_at, change, due
):
    moving_clock.set(*written_at)
    created = write(sent_at=moving_clock.now.isoformat())
    calendar = Calendar.objects.get(is_default=True)
    moving_clock.advance(timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_api.patch(f"/api/v1/calendars/{calendar.pk}", change)
    assert response.status_code == 200, response.content
    body = detail(api, created["conversation_id"])
    assert body["first_reply_due_at"] == iso(due)
    assert body["first_reply_sla"] == "running"
    conversation = Conversation.objects.get(pk=created["conversation_id"])
    assert conversation.sla_check_at == due - timedelta(minutes=15)


@pytest.mark.parametrize(
    ("change", "due"),
    [
        ({"first_reply_minutes": 30}, rome(2026, 12, 4, 16, 30)),
        ({"first_reply_minutes": 180}, rome(2026, 12, 7, 10, 0)),
        # Around the clock: three hours from Friday 16:00.
        ({"first_reply_minutes": 180, "first_reply_business": False}, rome(2026, 12, 4, 19, 0)),
        # No first-reply target any more: no due time, no clock.
        ({"first_reply_minutes": None, "resolution_minutes": 600}, None),
    ],
)
def test_a_running_clock_follows_its_policy(
    api, admin_api, write, moving_clock, django_capture_on_commit_callbacks, change, due
):
    moving_clock.set(*FRIDAY_1600)
    created = write(sent_at=moving_clock.now.isoformat())
    policy = SlaPolicy.objects.get(is_default=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_api.patch(f"/api/v1/sla-policies/{policy.pk}", change)
    assert response.status_code == 200, response.content
    body = detail(api, created["conversation_id"])
    assert body["first_reply_due_at"] == (iso(due) if due else None)
    assert body["first_reply_sla"] == ("running" if due else None)


def test_met_and_breached_outcomes_stay_and_a_warned_clock_moved_away_runs_again(
    api, admin_api, write, moving_clock, django_capture_on_commit_callbacks
):
    """GIVEN three conversations of Friday: one answered in time, one breached, one
    warned (15 minutes before its 17:00 breach)
    WHEN the calendar closes that Friday
    THEN only the warned one moves (to Monday 10:00) and runs again, to be warned again."""
    from sportello.sla.actions import escalate_due

    moving_clock.set(2026, 12, 4, 9, 0)
    answered = write(sender={"name": "A", "email": "a@example.it"})
    breached = write(sender={"name": "B", "email": "b@example.it"})
    moving_clock.set(2026, 12, 4, 9, 30)
    with django_capture_on_commit_callbacks(execute=True):
        api.post(f"/api/v1/conversations/{answered['conversation_id']}/reply", {"text": "Ecco"})
    moving_clock.set(*FRIDAY_1600)
    warned = write(sender={"name": "C", "email": "c@example.it"})
    moving_clock.set(2026, 12, 4, 16, 50)
    with django_capture_on_commit_callbacks(execute=True):
        assert escalate_due() == (1, 1)

    calendar = Calendar.objects.get(is_default=True)
    with django_capture_on_commit_callbacks(execute=True):
        admin_api.patch(f"/api/v1/calendars/{calendar.pk}", {"closed_days": ["2026-12-04"]})

    assert detail(api, answered["conversation_id"])["first_reply_sla"] == "met"
    still = detail(api, breached["conversation_id"])
    assert still["first_reply_sla"] == "breached"
    assert still["first_reply_due_at"] == iso(rome(2026, 12, 4, 10, 0))
    moved = detail(api, warned["conversation_id"])
    assert moved["first_reply_due_at"] == iso(rome(2026, 12, 7, 10, 0))
    assert moved["first_reply_sla"] == "running"
    moving_clock.set(2026, 12, 7, 9, 45)
    with django_capture_on_commit_callbacks(execute=True):
        assert escalate_due() == (1, 0)


def test_a_clock_keeps_the_time_it_was_paused_for(
    api, admin_api, write, moving_clock, django_capture_on_commit_callbacks
):
    """A conversation of Thursday 16:30 waited on the customer (pending) from 17:00 to
    Friday 09:00, with 30 minutes left: its first reply fell due on Friday 09:30. When
    Friday becomes a holiday it is due on Monday 09:30, not on Thursday 17:30: the hour
    it was paused still counts."""
    moving_clock.set(2026, 12, 3, 16, 30)
    created = write()
    conversation_id = created["conversation_id"]
    moving_clock.set(2026, 12, 3, 17, 0)
    with django_capture_on_commit_callbacks(execute=True):
        api.patch(f"/api/v1/conversations/{conversation_id}", {"status": "pending"})
    moving_clock.set(2026, 12, 4, 9, 0)
    with django_capture_on_commit_callbacks(execute=True):
        api.patch(f"/api/v1/conversations/{conversation_id}", {"status": "open"})
    assert detail(api, conversation_id)["first_reply_due_at"] == iso(rome(2026, 12, 4, 9, 30))

    calendar = Calendar.objects.get(is_default=True)
    with django_capture_on_commit_callbacks(execute=True):
        admin_api.patch(f"/api/v1/calendars/{calendar.pk}", {"closed_days": ["2026-12-04"]})
    assert detail(api, conversation_id)["first_reply_due_at"] == iso(rome(2026, 12, 7, 9, 30))


def test_the_inbox_countdown_shows_the_new_due_time(
    agent, admin_api, write, moving_clock, django_capture_on_commit_callbacks
):
    moving_clock.set(*FRIDAY_1600)
    write()
    calendar = Calendar.objects.get(is_default=True)
    client = Client()
    client.force_login(agent.user)
    page = client.get("/?view=all").content.decode()
    assert f'datetime="{rome(2026, 12, 4, 17, 0).isoformat()}"' in page
    with django_capture_on_commit_callbacks(execute=True):
        admin_api.patch(f"/api/v1/calendars/{calendar.pk}", {"closed_days": ["2026-12-04"]})
    page = client.get("/?view=all").content.decode()
    assert f'datetime="{rome(2026, 12, 7, 10, 0).isoformat()}"' in page


def test_the_walk_goes_in_batches(api, admin_api, write, moving_clock, workspace, monkeypatch):
    """Many open conversations are walked a batch at a time (the job queues itself again
    for the rest), each moved once."""
    moving_clock.set(*FRIDAY_1600)
    created = write()
    conversation = Conversation.objects.get(pk=created["conversation_id"])
    columns = {
        f.attname: getattr(conversation, f.attname)
        for f in Conversation._meta.concrete_fields
        if f.attname not in ("id", "number")
    }
    # Copies of it, enough for three batches.
    Conversation.objects.bulk_create(
        [Conversation(**columns, number=1000 + n) for n in range(2 * BATCH + 3)]
    )
    calendar = Calendar.objects.get(is_default=True)
    old = {
        "time_zone": "Europe/Rome",
        "weekly": calendar.hours,
        "country": "IT",
        "subdivision": "",
        "closed_days": [],
        "open_days": {},
    }
    Calendar.objects.filter(pk=calendar.pk).update(closed_days=["2026-12-04"])
    change = {"calendar_id": calendar.pk, "old_calendar": old}
    moved, after = follow_change(workspace.pk, change, batches=1)
    assert moved == BATCH and after is not None
    # The job goes on from there, a batch per run here, queueing itself again.
    monkeypatch.setattr(jobs, "BATCHES_PER_RUN", 1)
    jobs.follow_clocks(workspace.pk, change, after)
    assert not Conversation.objects.exclude(first_reply_due_at=rome(2026, 12, 7, 10, 0)).exists()


def test_a_conversation_open_for_years_keeps_its_clock_and_does_not_stop_the_others(
    api, admin_api, write, moving_clock, django_capture_on_commit_callbacks
):
    """Business time is counted at most three years ahead: a conversation whose clock
    began before that is left as it was, and the walk goes on to the next one."""
    moving_clock.set(*FRIDAY_1600)
    ancient = write(sender={"name": "A", "email": "a@example.it"})
    recent = write(sender={"name": "B", "email": "b@example.it"})
    Conversation.objects.filter(pk=ancient["conversation_id"]).update(
        created_at=rome(2022, 1, 3, 10, 0)
    )
    calendar = Calendar.objects.get(is_default=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_api.patch(
            f"/api/v1/calendars/{calendar.pk}", {"closed_days": ["2026-12-04"]}
        )
    assert response.status_code == 200
    assert detail(api, ancient["conversation_id"])["first_reply_due_at"] == iso(
        rome(2026, 12, 4, 17, 0)
    )
    assert detail(api, recent["conversation_id"])["first_reply_due_at"] == iso(
        rome(2026, 12, 7, 10, 0)
    )
