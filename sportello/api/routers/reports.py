"""Reports (``/api/v1/reports``): figures over a period, for supervisors and admins."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from sportello.api.auth import current_agent
from sportello.api.schemas import Error, ValidationErrorOut
from sportello.conversations.repeats import repeat_contact_rate
from sportello.core import clock
from sportello.core.errors import InvalidInput, PermissionDenied

router = Router(tags=["reports"])

DEFAULT_DAYS = 30
MAX_DAYS = 366


class PeriodQuery(Schema):
    since: datetime | None = Field(
        None, description="Start of the period (ISO 8601); default: 30 days before until."
    )
    until: datetime | None = Field(None, description="End of the period, excluded; default: now.")


class RepeatDayOut(Schema):
    day: date = Field(description="A day in the workspace's time zone")
    new_conversations: int
    repeat_contacts: int


class RepeatContactsOut(Schema):
    since: datetime
    until: datetime
    new_conversations: int = Field(description="Conversations opened in the period")
    repeat_contacts: int = Field(
        description="Of those, the ones linked to an earlier conversation about the same matter"
    )
    rate: float = Field(description="repeat_contacts / new_conversations (0 when none)")
    days: list[RepeatDayOut]


@router.get(
    "/repeat-contacts",
    response={200: RepeatContactsOut, 401: Error, 403: Error, 422: ValidationErrorOut},
)
def repeat_contacts(request: HttpRequest, period: Query[PeriodQuery]):  # type: ignore[no-untyped-def]
    """The repeat-contact rate: the share of new conversations that were a customer
    writing again about a matter still open or resolved within the workspace's window
    (default 7 days), overall and per day. At most a year at a time."""
    agent = current_agent(request)
    if not agent.can_supervise:
        raise PermissionDenied("only supervisors and admins read reports")
    until = period.until or clock.now()
    since = period.since or until - timedelta(days=DEFAULT_DAYS)
    if since.tzinfo is None or until.tzinfo is None:
        raise InvalidInput("since, until: give a time zone (2026-12-01T00:00:00Z)")
    if since >= until:
        raise InvalidInput("since: must be before until")
    if until - since > timedelta(days=MAX_DAYS):
        raise InvalidInput(f"since, until: at most {MAX_DAYS} days apart")
    found = repeat_contact_rate(agent.workspace_id, since, until, agent.workspace.time_zone)
    return {
        "since": since,
        "until": until,
        "new_conversations": found.new_conversations,
        "repeat_contacts": found.repeat_contacts,
        "rate": found.rate,
        "days": [
            {"day": day, "new_conversations": n, "repeat_contacts": r} for day, n, r in found.days
        ],
    }
