"""Reports (``/api/v1/reports``): figures over a period, for supervisors and admins."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from sportello.accounts.models import Agent
from sportello.api.auth import current_agent
from sportello.api.schemas import Error, Moment, ValidationErrorOut
from sportello.conversations.repeats import repeat_contact_rate
from sportello.core import clock
from sportello.core.errors import InvalidInput, PermissionDenied
from sportello.insights import queries
from sportello.insights.queries import Period

router = Router(tags=["reports"])

DEFAULT_DAYS = 30
MAX_DAYS = queries.MAX_DAYS


class PeriodQuery(Schema):
    since: Moment | None = Field(
        None, description="Start of the period (ISO 8601); default: 30 days before until."
    )
    until: Moment | None = Field(None, description="End of the period, excluded; default: now.")


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
    agent = supervisor_of(request)
    since, until = period_bounds(period)
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


def supervisor_of(request: HttpRequest) -> Agent:
    agent = current_agent(request)
    if not agent.can_supervise:
        raise PermissionDenied("only supervisors and admins read reports")
    return agent


def period_bounds(period: PeriodQuery) -> tuple[datetime, datetime]:
    until = period.until or clock.now()
    since = period.since or until - timedelta(days=DEFAULT_DAYS)
    if since >= until:
        raise InvalidInput("since: must be before until")
    if until - since > timedelta(days=MAX_DAYS):
        raise InvalidInput(f"since, until: at most {MAX_DAYS} days apart")
    return since, until


class OverviewQuery(PeriodQuery):
    channel: int | None = Field(None, description="Only this channel's conversations (its id)")


class TimingOut(Schema):
    count: int = Field(description="Conversations measured")
    median_seconds: float | None
    p90_seconds: float | None = Field(description="90th percentile (nearest rank)")


class FirstReplyTargetOut(Schema):
    met: int
    breached: int
    running: int = Field(description="Neither met nor breached yet")
    share_met: float | None = Field(description="met / (met + breached); null when neither")


class ChannelCountOut(Schema):
    channel_id: int
    name: str
    conversations: int


class OverviewDayOut(Schema):
    day: date = Field(description="A day in the workspace's time zone")
    opened: int = Field(description="Conversations opened")
    received: int = Field(description="Customers' messages received")
    repeat_contacts: int
    by_channel: dict[str, int] = Field(description="Conversations opened, by channel id")
    first_reply_median_seconds: float | None = Field(
        description="Median first reply of the conversations opened that day"
    )


class AgentFiguresOut(Schema):
    agent_id: int
    name: str
    conversations: int = Field(description="Conversations the agent replied in")
    replies: int
    median_first_reply_seconds: float | None = Field(
        description="Of the conversations opened in the period and assigned to the agent"
    )


class AtRiskOut(Schema):
    customer_id: int
    name: str
    at_risk_since: datetime | None
    last_contact_at: datetime | None
    conversations: int


class SegmentsOut(Schema):
    new: int
    occasional: int
    loyal: int
    at_risk: int
    at_risk_customers: list[AtRiskOut] = Field(
        description=f"The {queries.AT_RISK_LISTED} most recently at risk"
    )


class OverviewOut(Schema):
    since: datetime
    until: datetime
    time_zone: str
    channel: int | None
    opened: int = Field(description="Conversations opened in the period")
    received: int = Field(description="Customers' messages received in the period")
    first_reply: TimingOut = Field(
        description="Elapsed time from opening to the first reply, on conversations a "
        "customer opened"
    )
    first_reply_target: FirstReplyTargetOut = Field(
        description="The first-reply SLA target as the SLA recorded it (business time)"
    )
    resolution: TimingOut = Field(description="Elapsed time from opening to resolution")
    new_conversations: int
    repeat_contacts: int
    repeat_rate: float
    channels: list[ChannelCountOut]
    days: list[OverviewDayOut]
    agents: list[AgentFiguresOut]
    segments: SegmentsOut = Field(description="Customers by segment today (not the period's)")


def _timing(timing: queries.Timing) -> dict[str, object]:
    return {
        "count": timing.count,
        "median_seconds": timing.median,
        "p90_seconds": timing.p90,
    }


@router.get(
    "/overview",
    response={200: OverviewOut, 401: Error, 403: Error, 422: ValidationErrorOut},
)
def overview(request: HttpRequest, period: Query[OverviewQuery]):  # type: ignore[no-untyped-def]
    """The Reports page's figures: conversations opened and messages received per day (by
    channel), first reply and resolution times (median, 90th percentile), the first-reply
    target met and breached, the repeat-contact rate, per-agent figures and the customer
    segments with the customers at risk. Days are the workspace's; at most a year."""
    agent = supervisor_of(request)
    since, until = period_bounds(period)
    if period.channel is not None and period.channel not in dict(
        queries.channels(agent.workspace_id)
    ):
        raise InvalidInput("channel: no such channel in this workspace")
    scope = Period(agent.workspace_id, since, until, agent.workspace.time_zone, period.channel)
    volume = queries.volume(scope)
    found = queries.responsiveness(scope)
    repeats = queries.repeats(scope)
    segments = queries.segments(agent.workspace_id)
    totals: dict[int, int] = {}
    for day in volume.days:
        for pk, n in day.by_channel.items():
            totals[pk] = totals.get(pk, 0) + n
    return {
        "since": since,
        "until": until,
        "time_zone": scope.time_zone,
        "channel": period.channel,
        "opened": volume.opened,
        "received": volume.received,
        "first_reply": _timing(found.first_reply),
        "first_reply_target": {
            "met": found.target_met,
            "breached": found.target_breached,
            "running": found.target_running,
            "share_met": None if found.share_met is None else round(found.share_met, 4),
        },
        "resolution": _timing(found.resolution),
        "new_conversations": repeats.new_conversations,
        "repeat_contacts": repeats.repeat_contacts,
        "repeat_rate": repeats.rate,
        "channels": [
            {"channel_id": pk, "name": name, "conversations": totals[pk]}
            for pk, name in volume.channels
        ],
        "days": [
            {
                "day": day.day,
                "opened": day.opened,
                "received": day.received,
                "repeat_contacts": repeats.by_day.get(day.day, 0),
                "by_channel": {str(pk): n for pk, n in day.by_channel.items()},
                "first_reply_median_seconds": found.first_reply_by_day.get(day.day),
            }
            for day in volume.days
        ],
        "agents": [
            {
                "agent_id": a.agent_id,
                "name": a.name,
                "conversations": a.conversations,
                "replies": a.replies,
                "median_first_reply_seconds": a.median_first_reply,
            }
            for a in queries.agents(scope)
        ],
        "segments": {
            **segments.counts,
            "at_risk_customers": [
                {
                    "customer_id": c.customer_id,
                    "name": c.name,
                    "at_risk_since": c.since,
                    "last_contact_at": c.last_contact_at,
                    "conversations": c.conversations,
                }
                for c in segments.at_risk
            ],
        },
    }
