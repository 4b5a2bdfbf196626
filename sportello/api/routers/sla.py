"""Business calendars and SLA policies: every agent reads them, admins change them."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from sportello.accounts.models import Agent
from sportello.api.auth import current_agent
from sportello.api.schemas import (
    CalendarIn,
    CalendarOut,
    CalendarPatch,
    Error,
    PolicyIn,
    PolicyOut,
    PolicyPatch,
    RepeatSettingsIn,
    RepeatSettingsOut,
    ValidationErrorOut,
)
from sportello.conversations.actions.repeat import set_repeat_settings
from sportello.conversations.repeats import repeat_settings
from sportello.core.errors import PermissionDenied
from sportello.sla import actions, queries
from sportello.sla.models import Calendar, SlaPolicy

calendars = Router(tags=["sla"])
policies = Router(tags=["sla"])
repeat_contacts = Router(tags=["sla"])

_CALENDAR_FIELDS = (
    "name",
    "time_zone",
    "hours",
    "holiday_country",
    "holiday_subdivision",
    "closed_days",
    "open_days",
)
_POLICY_FIELDS = (
    "name",
    "position",
    "is_active",
    "conditions",
    "first_reply_minutes",
    "first_reply_business",
    "next_reply_minutes",
    "next_reply_business",
    "resolution_minutes",
    "resolution_business",
    "warn_minutes",
)
_WRITE = {401: Error, 403: Error, 404: Error, 409: Error, 422: ValidationErrorOut}


def _admin(request: HttpRequest) -> Agent:
    agent = current_agent(request)
    if not agent.can_configure:
        raise PermissionDenied("only admins change calendars and SLA policies")
    return agent


def _reader(request: HttpRequest) -> Agent:
    agent = current_agent(request)
    actions.ensure_defaults(agent.workspace_id)
    return agent


def _calendar_out(calendar: Calendar) -> dict[str, Any]:
    channel_ids, team_ids = queries.assignments_of(calendar)
    return {
        "id": calendar.pk,
        "is_default": calendar.is_default,
        "channel_ids": channel_ids,
        "team_ids": team_ids,
    } | {name: getattr(calendar, name) for name in _CALENDAR_FIELDS}


def _policy_out(policy: SlaPolicy) -> dict[str, Any]:
    return {
        "id": policy.pk,
        "is_default": policy.is_default,
        "calendar_id": policy.calendar_id,
    } | {name: getattr(policy, name) for name in _POLICY_FIELDS}


@calendars.get("", response={200: list[CalendarOut], 401: Error})
def list_calendars(request: HttpRequest):  # type: ignore[no-untyped-def]
    """The workspace's business calendars, the default one first."""
    agent = _reader(request)
    return [_calendar_out(c) for c in queries.workspace_calendars(agent.workspace_id)]


@calendars.post("", response={201: CalendarOut, **_WRITE})
def create_calendar(request: HttpRequest, payload: CalendarIn):  # type: ignore[no-untyped-def]
    """Add a calendar (admins): weekly hours, time zone, public holidays, exceptions."""
    agent = _admin(request)
    calendar = actions.create_calendar(agent.workspace_id, **payload.model_dump())
    return Status(201, _calendar_out(calendar))


@calendars.get("/{rowid:calendar_id}", response={200: CalendarOut, 401: Error, 404: Error})
def get_calendar(request: HttpRequest, calendar_id: int):  # type: ignore[no-untyped-def]
    agent = _reader(request)
    return _calendar_out(queries.get_calendar(agent.workspace_id, calendar_id))


@calendars.patch("/{rowid:calendar_id}", response={200: CalendarOut, **_WRITE})
def patch_calendar(request: HttpRequest, calendar_id: int, payload: CalendarPatch):  # type: ignore[no-untyped-def]
    """Change a calendar (admins); fields left out stay as they are."""
    agent = _admin(request)
    calendar = queries.get_calendar(agent.workspace_id, calendar_id)
    changes = payload.model_dump(exclude_unset=True)
    return _calendar_out(actions.update_calendar(calendar, **changes))


@calendars.delete("/{rowid:calendar_id}", response={204: None, **_WRITE})
def delete_calendar(request: HttpRequest, calendar_id: int):  # type: ignore[no-untyped-def]
    """Delete a calendar no policy uses (admins); the default one stays."""
    agent = _admin(request)
    actions.delete_calendar(queries.get_calendar(agent.workspace_id, calendar_id))
    return Status(204, None)


@policies.get("", response={200: list[PolicyOut], 401: Error})
def list_policies(request: HttpRequest):  # type: ignore[no-untyped-def]
    """The SLA policies in the order they are tried; the default one, which catches every
    conversation the others leave, last."""
    agent = _reader(request)
    return [_policy_out(p) for p in queries.workspace_policies(agent.workspace_id)]


def _calendar_for(agent: Agent, calendar_id: int | None) -> Calendar:
    if calendar_id is None:
        calendar = queries.default_calendar(agent.workspace_id)
        assert calendar is not None  # ensure_defaults made it
        return calendar
    return queries.get_calendar(agent.workspace_id, calendar_id)


@policies.post("", response={201: PolicyOut, **_WRITE})
def create_policy(request: HttpRequest, payload: PolicyIn):  # type: ignore[no-untyped-def]
    """Add a policy (admins): targets in business or calendar time, and the conditions
    (channel, priority, team, tag) of the conversations it applies to."""
    agent = _admin(request)
    actions.ensure_defaults(agent.workspace_id)
    fields = payload.model_dump(exclude={"calendar_id"})
    policy = actions.create_policy(
        agent.workspace_id, _calendar_for(agent, payload.calendar_id), **fields
    )
    return Status(201, _policy_out(policy))


@policies.get("/{rowid:policy_id}", response={200: PolicyOut, 401: Error, 404: Error})
def get_policy(request: HttpRequest, policy_id: int):  # type: ignore[no-untyped-def]
    agent = _reader(request)
    return _policy_out(queries.get_policy(agent.workspace_id, policy_id))


@policies.patch("/{rowid:policy_id}", response={200: PolicyOut, **_WRITE})
def patch_policy(request: HttpRequest, policy_id: int, payload: PolicyPatch):  # type: ignore[no-untyped-def]
    """Change a policy (admins). Running clocks keep their due times; new ones use the
    new targets."""
    agent = _admin(request)
    policy = queries.get_policy(agent.workspace_id, policy_id)
    changes = payload.model_dump(exclude_unset=True)
    if "calendar_id" in changes:
        calendar_id = changes.pop("calendar_id")
        changes["calendar"] = _calendar_for(agent, calendar_id)
    return _policy_out(actions.update_policy(policy, **changes))


@policies.delete("/{rowid:policy_id}", response={204: None, **_WRITE})
def delete_policy(request: HttpRequest, policy_id: int):  # type: ignore[no-untyped-def]
    """Delete a policy (admins); the default one stays."""
    agent = _admin(request)
    actions.delete_policy(queries.get_policy(agent.workspace_id, policy_id))
    return Status(204, None)


def _repeat_out(workspace_id: int) -> dict[str, Any]:
    enabled, days = repeat_settings(workspace_id)
    return {"is_enabled": enabled, "window_days": days}


@repeat_contacts.get("", response={200: RepeatSettingsOut, 401: Error})
def get_repeat_contacts(request: HttpRequest):  # type: ignore[no-untyped-def]
    """How repeat contacts are found: whether a new conversation is linked to the
    customer's open one, or one resolved within `window_days`, about the same matter
    (the same order number, or similar words)."""
    return _repeat_out(current_agent(request).workspace_id)


@repeat_contacts.put(
    "", response={200: RepeatSettingsOut, 401: Error, 403: Error, 422: ValidationErrorOut}
)
def put_repeat_contacts(request: HttpRequest, payload: RepeatSettingsIn):  # type: ignore[no-untyped-def]
    """Change them (admins): both fields, as on the settings page; a change is audited
    (`repeat_contacts.settings_changed`). The window applies to conversations opened
    from now on; links already made stay."""
    agent = _admin(request)
    set_repeat_settings(
        agent.workspace_id, is_enabled=payload.is_enabled, window_days=payload.window_days
    )
    return _repeat_out(agent.workspace_id)
