"""The read side of SLA: calendars and policies for the API, and the policies in force as
the clocks use them (cached per process: ingest asks for every message)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import QuerySet

from sportello.core.errors import NotFound
from sportello.sla.hours import OpeningHours
from sportello.sla.models import Calendar, CalendarAssignment, SlaPolicy
from sportello.sla.timers import TARGETS, PolicyRules, Target

# How long a process keeps a workspace's policies before reading them again. A change
# made through this process's actions is seen at once (``forget``); one made by another
# process (a second web worker, the job consumer) within this many seconds.
CACHE_SECONDS = 30.0


@dataclass(frozen=True)
class LocalCalendars:
    """The calendars attached to channels and teams (their ids and hours), by the
    channel's or team's id."""

    by_channel: dict[int, tuple[int, OpeningHours]] = field(default_factory=dict)
    by_team: dict[int, tuple[int, OpeningHours]] = field(default_factory=dict)


_cache: dict[int, tuple[float, list[PolicyRules], LocalCalendars]] = {}
_lock = threading.Lock()


def workspace_calendars(workspace_id: int) -> QuerySet[Calendar]:
    return Calendar.objects.filter(workspace_id=workspace_id).order_by("-is_default", "name")


def get_calendar(workspace_id: int, calendar_id: int) -> Calendar:
    calendar = Calendar.objects.filter(workspace_id=workspace_id, pk=calendar_id).first()
    if calendar is None:
        raise NotFound(f"calendar {calendar_id} not found")
    return calendar


def default_calendar(workspace_id: int) -> Calendar | None:
    return Calendar.objects.filter(workspace_id=workspace_id, is_default=True).first()


def workspace_policies(workspace_id: int) -> QuerySet[SlaPolicy]:
    """In the order they are tried; the default one, tried last, listed last."""
    return SlaPolicy.objects.filter(workspace_id=workspace_id).order_by(
        "is_default", "position", "id"
    )


def get_policy(workspace_id: int, policy_id: int) -> SlaPolicy:
    policy = SlaPolicy.objects.filter(workspace_id=workspace_id, pk=policy_id).first()
    if policy is None:
        raise NotFound(f"SLA policy {policy_id} not found")
    return policy


def opening_hours(calendar: Calendar) -> OpeningHours:
    return OpeningHours.build(
        time_zone=calendar.time_zone,
        weekly=calendar.hours,
        country=calendar.holiday_country,
        subdivision=calendar.holiday_subdivision,
        closed_days=calendar.closed_days,
        open_days=calendar.open_days,
    )


def rules_of(policy: SlaPolicy, hours: OpeningHours | None = None) -> PolicyRules:
    targets = {}
    for target in TARGETS:
        minutes = getattr(policy, f"{target}_minutes")
        if minutes is not None:
            targets[target] = Target(minutes, getattr(policy, f"{target}_business"))
    return PolicyRules(
        id=policy.pk,
        name=policy.name,
        is_default=policy.is_default,
        conditions=policy.conditions,
        targets=targets,
        hours=hours if hours is not None else opening_hours(policy.calendar),
        warn=timedelta(minutes=policy.warn_minutes),
        own_calendar=not policy.calendar.is_default,
        calendar_id=policy.calendar_id,
    )


def _in_force(workspace_id: int) -> tuple[list[PolicyRules], LocalCalendars]:
    """The workspace's active policies, in order, ready to compute, and the calendars of
    its channels and teams: from this process's cache when read less than
    ``CACHE_SECONDS`` ago, else two queries."""
    now = time.monotonic()
    cached = _cache.get(workspace_id)
    if cached is not None and now - cached[0] < CACHE_SECONDS:
        return cached[1], cached[2]
    hours: dict[int, OpeningHours] = {}
    rules = []
    for policy in (
        workspace_policies(workspace_id).filter(is_active=True).select_related("calendar")
    ):
        if policy.calendar_id not in hours:
            hours[policy.calendar_id] = opening_hours(policy.calendar)
        rules.append(rules_of(policy, hours[policy.calendar_id]))
    local = LocalCalendars()
    for assignment in CalendarAssignment.objects.filter(workspace_id=workspace_id).select_related(
        "calendar"
    ):
        if assignment.calendar_id not in hours:
            hours[assignment.calendar_id] = opening_hours(assignment.calendar)
        found = (assignment.calendar_id, hours[assignment.calendar_id])
        if assignment.channel_id is not None:
            local.by_channel[assignment.channel_id] = found
        if assignment.team_id is not None:
            local.by_team[assignment.team_id] = found
    with _lock:
        _cache[workspace_id] = (now, rules, local)
    return rules, local


def policies_in_force(workspace_id: int) -> list[PolicyRules]:
    return _in_force(workspace_id)[0]


def on_local_calendar(
    workspace_id: int, policy: PolicyRules, *, channel_id: int | None, team_id: int | None
) -> PolicyRules:
    """``policy`` counted on the calendar of the conversation's channel, else of its
    team, when one is attached and the policy does not name its own calendar; else as it
    is (the workspace's default calendar)."""
    if policy.own_calendar:
        return policy
    local = _in_force(workspace_id)[1]
    found = local.by_channel.get(channel_id or 0) or local.by_team.get(team_id or 0)
    if found is None:
        return policy
    return replace(policy, hours=found[1], calendar_id=found[0])


def assignments_of(calendar: Calendar) -> tuple[list[int], list[int]]:
    """The channels and the teams ``calendar`` is attached to."""
    rows = list(
        CalendarAssignment.objects.filter(calendar=calendar).values_list("channel_id", "team_id")
    )
    return (
        sorted(channel for channel, _ in rows if channel is not None),
        sorted(team for _, team in rows if team is not None),
    )


def policy_in_force(workspace_id: int, policy_id: int | None) -> PolicyRules | None:
    for rules in policies_in_force(workspace_id):
        if rules.id == policy_id:
            return rules
    return None


def forget_all() -> None:
    """Drop every cached policy (tests start from an empty cache)."""
    with _lock:
        _cache.clear()


def forget(workspace_id: int) -> None:
    """Drop the cached policies of a workspace whose calendars or policies changed: now,
    and again once the change commits (a read in between saw the rows before it)."""

    def drop() -> None:
        with _lock:
            _cache.pop(workspace_id, None)

    drop()
    transaction.on_commit(drop)


def snooze_preset_until(workspace_id: int, preset: str, now: datetime) -> datetime:
    """When ``preset`` (``sla.snooze.PRESETS``) wakes a conversation of the workspace, in
    business time on its default calendar (clock time without one)."""
    from sportello.core.models import Workspace
    from sportello.sla import snooze
    from sportello.sla.hours import CalendarInvalid, parse_zone

    calendar = default_calendar(workspace_id)
    hours = None
    if calendar is not None:
        try:
            hours = opening_hours(calendar)
        except CalendarInvalid:
            hours = None
    zone_name = Workspace.objects.filter(pk=workspace_id).values_list("time_zone", flat=True)
    try:
        zone = parse_zone(zone_name.first() or "Europe/Rome")
    except CalendarInvalid:
        zone = parse_zone("Europe/Rome")
    return snooze.snooze_until(preset, now, hours=hours, zone=zone)
