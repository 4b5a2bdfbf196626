"""Calendars attached to a channel or a team: their conversations' due times are counted
on them (the channel's first, then the team's, else the workspace's default)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sportello.conversations.models import Conversation
from sportello.sla.actions import clocks_for_message
from tests.factories import ChannelFactory, TeamFactory

pytestmark = pytest.mark.django_db

SATURDAYS = {"sat": [["09:00", "13:00"]], "sun": [["10:00", "12:00"]]}


def calendar(admin_api, name: str, hours: dict, **links) -> dict:
    response = admin_api.post("/api/v1/calendars", {"name": name, "hours": hours, **links})
    assert response.status_code == 201, response.content
    return response.json()


def test_a_channel_open_on_saturday_times_its_conversations_on_its_calendar(
    admin_api, write, api_channel, moving_clock
):
    """GIVEN the API channel is attached to a weekend calendar (Sat 09-13, Sun 10-12)
    WHEN a customer writes on it at 10:00 on Saturday 5 December 2026
    THEN the first reply (one business hour) is due at 11:00 that Saturday, not on
    Monday as on the default calendar."""
    weekend = calendar(admin_api, "Weekend", SATURDAYS, channel_ids=[api_channel.pk])
    assert weekend["channel_ids"] == [api_channel.pk] and weekend["team_ids"] == []
    moving_clock.set(2026, 12, 5, 10, 0)
    created = write(sent_at=moving_clock.now.isoformat())
    due = Conversation.objects.get(pk=created["conversation_id"]).first_reply_due_at
    assert due == datetime(2026, 12, 5, 10, 0, tzinfo=UTC)  # 11:00 in Rome

    # Detached: the next conversation is counted on the default calendar (Monday 10:00).
    response = admin_api.patch(f"/api/v1/calendars/{weekend['id']}", {"channel_ids": []})
    assert response.status_code == 200 and response.json()["channel_ids"] == []
    created = write("Altro", sender={"name": "Anna", "email": "anna@example.it"})
    due = Conversation.objects.get(pk=created["conversation_id"]).first_reply_due_at
    assert due == datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def test_the_channels_calendar_wins_over_the_teams_and_the_teams_over_the_default(
    admin_api, workspace, moving_clock
):
    team = TeamFactory(workspace=workspace, name="Negozio")
    shop = ChannelFactory(workspace=workspace, kind="api", slug="negozio")
    other = ChannelFactory(workspace=workspace, kind="api", slug="altro")
    calendar(admin_api, "Squadra del sabato", {"sat": [["09:00", "18:00"]]}, team_ids=[team.pk])
    calendar(admin_api, "Negozio la domenica", {"sun": [["09:00", "18:00"]]}, channel_ids=[shop.pk])
    moving_clock.set(2026, 12, 5, 10, 0)  # Saturday

    def due(channel, team_id):
        columns = clocks_for_message(
            workspace_id=workspace.pk,
            conversation=None,
            channel_id=channel.pk,
            team_id=team_id,
            sent_at=None,
        )
        return columns["first_reply_due_at"].astimezone(UTC)

    assert due(shop, team.pk) == datetime(2026, 12, 6, 9, 0, tzinfo=UTC)  # Sunday 10:00
    assert due(other, team.pk) == datetime(2026, 12, 5, 10, 0, tzinfo=UTC)  # Saturday 11:00
    assert due(other, None) == datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # Monday 10:00


def test_a_channel_moves_to_the_calendar_it_is_attached_to_last(admin_api, api_channel):
    first = calendar(admin_api, "Primo", SATURDAYS, channel_ids=[api_channel.pk])
    second = calendar(admin_api, "Secondo", SATURDAYS, channel_ids=[api_channel.pk])
    assert admin_api.get(f"/api/v1/calendars/{first['id']}").json()["channel_ids"] == []
    assert second["channel_ids"] == [api_channel.pk]


def test_another_workspaces_channel_or_team_is_refused(admin_api):
    foreign = ChannelFactory(kind="api", slug="altrove")
    response = admin_api.post(
        "/api/v1/calendars", {"name": "X", "hours": SATURDAYS, "channel_ids": [foreign.pk]}
    )
    assert response.status_code == 422
    assert f"no channel {foreign.pk}" in response.json()["detail"]
    response = admin_api.post(
        "/api/v1/calendars", {"name": "X", "hours": SATURDAYS, "team_ids": [999999]}
    )
    assert response.status_code == 422
    assert "no team 999999" in response.json()["detail"]
