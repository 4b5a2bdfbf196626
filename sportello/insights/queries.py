"""The figures of a report, each section one function over a ``Period``: the read side the
Reports page, its CSV export and ``GET /api/v1/reports/overview`` share.

Every figure is aggregated by the database through the ORM (ADR 0013: no hand-written
statement names another app's table): grouped counts, and percentiles picked by a window
function (``percentiles``), so a 90-day report reads a few dozen rows whatever the size of
the workspace. Two habits keep the scans to the period:

- **Conversations opened in the period are found through ``conv_recent``.** There is no
  index on ``created_at``; but a conversation opened at or after ``since`` has its last
  message at or after ``since`` too, so each query also bounds ``last_message_at``, and
  the database walks the workspace's index range of the conversations active since then
  instead of every conversation it ever had.
- **Messages are reached through their conversations** (``message_thread``, on
  conversation and time): a message of the period belongs to a conversation whose last
  message is at or after ``since``.

Days are the workspace's (its time zone); instants are UTC. SLA outcomes are read as the
``sla`` app stored them on the conversation (ADR 0017), in the policy's business or
calendar time; reply and resolution times are the elapsed time between the stored
instants (the business time they took is not stored, and is not recomputed here).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import (
    Count,
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Window,
)
from django.db.models.expressions import ExpressionWrapper
from django.db.models.functions import RowNumber

from sportello.accounts.models import Agent
from sportello.channels.models import Channel
from sportello.conversations.models import (
    DONE_STATUSES,
    Conversation,
    Direction,
    Kind,
    Message,
    SlaState,
)
from sportello.conversations.repeats import repeat_contact_rate
from sportello.core.local_days import LocalDate
from sportello.customers.models import Customer, Segment

# The longest period a report covers (the API's limit too).
MAX_DAYS = 366
# At-risk customers listed by name on the page; the count covers them all.
AT_RISK_LISTED = 20


@dataclass(frozen=True)
class Period:
    """What a report covers: the workspace's conversations from ``since`` (included) to
    ``until`` (excluded), UTC instants, counted by day in ``time_zone``; ``channel_id``
    narrows it to one channel."""

    workspace_id: int
    since: datetime
    until: datetime
    time_zone: str
    channel_id: int | None = None

    @classmethod
    def of_days(
        cls,
        workspace_id: int,
        first: date,
        last: date,
        time_zone: str,
        channel_id: int | None = None,
    ) -> Period:
        """The whole days ``first`` to ``last`` (included) in the workspace's zone."""
        zone = ZoneInfo(time_zone)

        def midnight(day: date) -> datetime:
            return datetime.combine(day, time(), zone).astimezone(UTC)

        return cls(
            workspace_id, midnight(first), midnight(last + timedelta(days=1)), time_zone, channel_id
        )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def previous(self) -> Period:
        """As many whole days just before this period's first: what a figure is compared
        with ("12% fewer than the 30 days before")."""
        days = self.days
        first = days[0] - timedelta(days=len(days))
        return Period.of_days(
            self.workspace_id, first, days[0] - timedelta(days=1), self.time_zone, self.channel_id
        )

    def local_date(self, column: str) -> LocalDate:
        """The day of ``column`` in the workspace's zone, computed by the database."""
        return LocalDate(F(column), self.zone, self.since, self.until)

    @property
    def days(self) -> list[date]:
        """Every day the period touches, in the workspace's zone, in order."""
        first = self.since.astimezone(self.zone).date()
        last = (self.until - timedelta(microseconds=1)).astimezone(self.zone).date()
        return [first + timedelta(days=n) for n in range((last - first).days + 1)]


class Seconds(Func):
    """The seconds from the second expression to the first, computed by the database
    (SQLite's julianday is exact to a few microseconds: ``percentiles`` rounds)."""

    output_field = FloatField()
    arity = 2

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        (end, end_params), (start, start_params) = (
            compiler.compile(e) for e in self.source_expressions
        )
        sql = f"((julianday({end}) - julianday({start})) * 86400.0)"
        return sql, (*end_params, *start_params)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        (end, end_params), (start, start_params) = (
            compiler.compile(e) for e in self.source_expressions
        )
        return f"EXTRACT(EPOCH FROM ({end} - {start}))", (*end_params, *start_params)


@dataclass(frozen=True)
class Ranked:
    """How many rows a group has, and the percentiles picked of them."""

    count: int
    values: dict[int, float]


def _rank_of(count: int, percent: int) -> int:
    """The nearest rank: ``ceil(count * percent / 100)``, at least 1."""
    return max(1, (count * percent + 99) // 100)


def percentiles(
    rows: QuerySet[Any], value: Any, percents: Iterable[int], group: str | None = None
) -> dict[Any, Ranked]:
    """The nearest-rank percentiles of ``value`` over ``rows``, by ``group`` (a field
    name; ``None`` for one group, keyed ``None``): ``{group: Ranked(n, {50: …, 90: …})}``.

    One query: the database numbers the rows of each group in the order of the value,
    counts them, and returns only the rows whose rank is ``ceil(n * p / 100)`` for one of
    ``percents`` — a few rows a group, whatever the number measured."""
    percents = tuple(percents)
    partition = [F(group)] if group else None
    ranked = rows.annotate(
        insight_value=value,
        insight_rank=Window(RowNumber(), partition_by=partition, order_by=F("insight_value").asc()),
        insight_count=Window(Count("pk"), partition_by=partition),
    )
    wanted = Q()
    for percent in percents:
        rank = ExpressionWrapper(
            (F("insight_count") * percent + 99) / 100, output_field=IntegerField()
        )
        wanted |= Q(insight_rank=rank)
    fields = ("insight_rank", "insight_count", "insight_value")
    picked = ranked.filter(wanted).values_list(*fields, *([group] if group else []))
    found: dict[Any, Ranked] = {}
    for rank, count, number, *key in picked:
        entry = found.setdefault(key[0] if group else None, Ranked(count, {}))
        for percent in percents:
            if rank == _rank_of(count, percent):
                entry.values[percent] = round(float(number), 1)
    return found


# --- what the period's conversations and messages are -----------------------------------


def opened(period: Period) -> QuerySet[Conversation]:
    """The conversations opened in the period (see the module on ``last_message_at``)."""
    rows = Conversation.objects.filter(
        workspace_id=period.workspace_id,
        last_message_at__gte=period.since,
        created_at__gte=period.since,
        created_at__lt=period.until,
    )
    if period.channel_id is not None:
        rows = rows.filter(channel_id=period.channel_id)
    return rows


def _active_since(period: Period) -> QuerySet[Conversation, Any]:
    rows = Conversation.objects.filter(
        workspace_id=period.workspace_id, last_message_at__gte=period.since
    )
    if period.channel_id is not None:
        rows = rows.filter(channel_id=period.channel_id)
    return rows.values("pk")


def messages(period: Period, direction: str) -> QuerySet[Message]:
    """The customers' messages (``Direction.INBOUND``) or the agents' replies of the
    period, notes and events left out."""
    return Message.objects.filter(
        conversation_id__in=_active_since(period),
        kind=Kind.MESSAGE,
        direction=direction,
        created_at__gte=period.since,
        created_at__lt=period.until,
    )


def answered_by_customer(rows: QuerySet[Conversation]) -> QuerySet[Conversation]:
    """Of ``rows``, those with a first reply to a customer's message: a conversation the
    business opened (``open_outgoing``) stamps its first reply with its own first message,
    which is not a reply time."""
    wrote_first = Message.objects.filter(
        conversation_id=OuterRef("pk"),
        kind=Kind.MESSAGE,
        direction=Direction.INBOUND,
        created_at__lte=OuterRef("first_reply_at"),
    )
    return rows.filter(first_reply_at__isnull=False).filter(Exists(wrote_first))


# --- the sections ------------------------------------------------------------------------


@dataclass(frozen=True)
class Day:
    day: date
    opened: int
    received: int
    # Conversations opened, by channel id (channels with none that day left out).
    by_channel: dict[int, int]


@dataclass(frozen=True)
class Volume:
    """Conversations opened and customers' messages received, per day."""

    days: list[Day]
    # The channels that had conversations in the period, busiest first: (id, name).
    channels: list[tuple[int, str]]
    opened: int
    received: int

    @property
    def is_empty(self) -> bool:
        return not self.opened and not self.received


def volume(period: Period) -> Volume:
    per_channel = (
        opened(period)
        .annotate(day=period.local_date("created_at"))
        .values("day", "channel_id")
        .annotate(n=Count("pk"))
    )
    received = (
        messages(period, Direction.INBOUND)
        .annotate(day=period.local_date("created_at"))
        .values("day")
        .annotate(n=Count("pk"))
    )
    by_day: dict[date, dict[int, int]] = {}
    totals: dict[int, int] = {}
    for row in per_channel:
        by_day.setdefault(row["day"], {})[row["channel_id"]] = row["n"]
        totals[row["channel_id"]] = totals.get(row["channel_id"], 0) + row["n"]
    received_by_day = {row["day"]: row["n"] for row in received}
    names = dict(
        Channel.objects.filter(workspace_id=period.workspace_id, pk__in=totals).values_list(
            "pk", "name"
        )
    )
    channels = sorted(totals, key=lambda pk: (-totals[pk], names.get(pk, "")))
    days = [
        Day(
            day=day,
            opened=sum(by_day.get(day, {}).values()),
            received=received_by_day.get(day, 0),
            by_channel=by_day.get(day, {}),
        )
        for day in period.days
    ]
    return Volume(
        days=days,
        channels=[(pk, names.get(pk, "?")) for pk in channels],
        opened=sum(totals.values()),
        received=sum(received_by_day.values()),
    )


@dataclass(frozen=True)
class Totals:
    opened: int
    received: int


def totals(period: Period) -> Totals:
    """Conversations opened and customers' messages received in the period, without the
    days (the previous period's, to compare with)."""
    return Totals(
        opened=opened(period).count(), received=messages(period, Direction.INBOUND).count()
    )


@dataclass(frozen=True)
class Timing:
    """How long something took over the conversations it applies to: how many, and the
    median and 90th percentile in seconds (``None`` when none)."""

    count: int
    median: float | None
    p90: float | None


@dataclass(frozen=True)
class Responsiveness:
    """Of the conversations opened in the period: the first reply's time, whether it met
    its SLA target (as the SLA app recorded it), and the time to resolution."""

    opened: int
    first_reply: Timing
    target_met: int
    target_breached: int
    # Still running (or warned) when the report was read: neither met nor breached yet.
    target_running: int
    resolution: Timing
    # The median first reply of the conversations opened each day (seconds; days without
    # an answered conversation left out).
    first_reply_by_day: dict[date, float] = field(default_factory=dict)

    @property
    def with_target(self) -> int:
        return self.target_met + self.target_breached

    @property
    def share_met(self) -> float | None:
        """Met over met and breached; ``None`` when no target was decided."""
        decided = self.with_target
        return self.target_met / decided if decided else None


def _timing(rows: QuerySet[Conversation], end: str) -> Timing:
    found = percentiles(rows, Seconds(F(end), F("created_at")), (50, 90)).get(None)
    if found is None:
        return Timing(0, None, None)
    return Timing(found.count, found.values.get(50), found.values.get(90))


def responsiveness(period: Period, *, by_day: bool = True) -> Responsiveness:
    """``by_day``: with the median first reply of each day (one query more)."""
    rows = opened(period)
    counts = rows.aggregate(
        opened=Count("pk"),
        met=Count("pk", filter=Q(first_reply_sla=SlaState.MET)),
        breached=Count("pk", filter=Q(first_reply_sla=SlaState.BREACHED)),
        running=Count("pk", filter=Q(first_reply_sla__in=(SlaState.RUNNING, SlaState.WARNED))),
        resolved=Count("pk", filter=Q(status__in=DONE_STATUSES, resolved_at__isnull=False)),
    )
    resolved = rows.filter(status__in=DONE_STATUSES, resolved_at__isnull=False)
    daily = (
        percentiles(
            answered_by_customer(rows).annotate(insight_day=period.local_date("created_at")),
            Seconds(F("first_reply_at"), F("created_at")),
            (50,),
            group="insight_day",
        )
        if counts["opened"] and by_day
        else {}
    )
    return Responsiveness(
        opened=counts["opened"],
        first_reply=_timing(answered_by_customer(rows), "first_reply_at")
        if counts["opened"]
        else Timing(0, None, None),
        target_met=counts["met"],
        target_breached=counts["breached"],
        target_running=counts["running"],
        resolution=_timing(resolved, "resolved_at")
        if counts["resolved"]
        else Timing(0, None, None),
        first_reply_by_day={
            day: ranked.values[50] for day, ranked in daily.items() if 50 in ranked.values
        },
    )


@dataclass(frozen=True)
class Repeats:
    new_conversations: int
    repeat_contacts: int
    rate: float
    by_day: dict[date, int]


def repeats(period: Period) -> Repeats:
    """The repeat-contact rate of the period (``conversations.repeats``, ADR 0024)."""
    found = repeat_contact_rate(
        period.workspace_id,
        period.since,
        period.until,
        period.time_zone,
        channel_id=period.channel_id,
    )
    return Repeats(
        new_conversations=found.new_conversations,
        repeat_contacts=found.repeat_contacts,
        rate=found.rate,
        by_day={day: r for day, _, r in found.days},
    )


@dataclass(frozen=True)
class AgentFigures:
    agent_id: int
    name: str
    # Conversations the agent replied in during the period, and the replies.
    conversations: int
    replies: int
    # The median first reply of the conversations opened in the period and assigned to
    # the agent (seconds; ``None`` without one).
    median_first_reply: float | None
    is_active: bool = True


def agents(period: Period) -> list[AgentFigures]:
    """Per agent, busiest first: what they answered in the period."""
    replied = (
        messages(period, Direction.OUTBOUND)
        .filter(sender_agent_id__isnull=False)
        .values("sender_agent_id")
        .annotate(replies=Count("pk"), conversations=Count("conversation_id", distinct=True))
    )
    figures: dict[int, dict[str, int]] = {
        row["sender_agent_id"]: {"replies": row["replies"], "conversations": row["conversations"]}
        for row in replied
    }
    first_reply = percentiles(
        answered_by_customer(opened(period).filter(assignee_id__isnull=False)),
        Seconds(F("first_reply_at"), F("created_at")),
        (50,),
        group="assignee_id",
    )
    ids = set(figures) | set(first_reply)
    if not ids:
        return []
    people = Agent.objects.filter(workspace_id=period.workspace_id, pk__in=ids).values_list(
        "pk", "display_name", "is_active"
    )
    rows = [
        AgentFigures(
            agent_id=pk,
            name=name,
            conversations=figures.get(pk, {}).get("conversations", 0),
            replies=figures.get(pk, {}).get("replies", 0),
            median_first_reply=first_reply[pk].values.get(50) if pk in first_reply else None,
            is_active=is_active,
        )
        for pk, name, is_active in people
    ]
    rows.sort(key=lambda row: (-row.replies, -row.conversations, row.name))
    return rows


@dataclass(frozen=True)
class AtRiskCustomer:
    customer_id: int
    name: str
    since: datetime | None
    last_contact_at: datetime | None
    conversations: int


@dataclass(frozen=True)
class Segments:
    """How many customers are in each segment now (``customers.segments``, ADR 0025), and
    the ones at risk, most recently at risk first: the churn-risk list."""

    counts: dict[str, int]
    at_risk: list[AtRiskCustomer] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def segments(workspace_id: int, listed: int = AT_RISK_LISTED) -> Segments:
    """Not a figure of the period: a segment is where a customer stands today. Erased and
    merged customers are left out, as the customer list leaves them."""
    customers = Customer.objects.filter(
        workspace_id=workspace_id, erased_at__isnull=True, merged_into__isnull=True
    )
    found = dict(customers.values("segment").annotate(n=Count("pk")).values_list("segment", "n"))
    counts = {segment.value: found.get(segment.value, 0) for segment in Segment}
    at_risk = (
        [
            AtRiskCustomer(pk, name, since, last_contact_at, conversation_count)
            for pk, name, since, last_contact_at, conversation_count in customers.filter(
                segment=Segment.AT_RISK
            )
            .order_by(F("segment_changed_at").desc(nulls_last=True), "-pk")
            .values_list(
                "pk", "name", "segment_changed_at", "last_contact_at", "conversation_count"
            )[:listed]
        ]
        if counts[Segment.AT_RISK]
        else []
    )
    return Segments(counts=counts, at_risk=at_risk)


def channels(workspace_id: int) -> list[tuple[int, str]]:
    """The workspace's channels for the report's filter: (id, name), by name."""
    return list(
        Channel.objects.filter(workspace_id=workspace_id)
        .order_by("name", "pk")
        .values_list("pk", "name")
    )
