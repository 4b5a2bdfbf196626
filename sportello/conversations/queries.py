"""Read-side functions for conversations, shared by the API and the agent UI.

Lists use keyset (cursor) pagination over indexed columns, so the 5,000th page costs the
same as the first; each list is a constant number of queries whatever its length.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connection
from django.db.models import BooleanField, DateTimeField, F, Q, QuerySet, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import RowNumber
from django.utils.dateparse import parse_datetime

from sportello.accounts.models import Agent
from sportello.accounts.queries import team_ids_of
from sportello.conversations import keyset, search
from sportello.conversations.filters import SORTS, VIEWS, InboxFilter
from sportello.conversations.models import (
    ACTIVE_STATUSES,
    ACTIVE_VIEW_STATUSES,
    DONE_STATUSES,
    Conversation,
    ConversationRead,
    Direction,
    Kind,
    Message,
    SlaState,
    Status,
    Tag,
)
from sportello.core import sql
from sportello.core.errors import InvalidInput, NotFound

MAX_PAGE = 100
_THREAD = sql.RowReader(Message, "message", leave_out=("search_text",))
_THREAD_ORDER = "message.created_at, message.id"
_THREAD_SQL = _THREAD.where("message.conversation_id = %s", _THREAD_ORDER)
_THREAD_WITHOUT_NOTES_SQL = _THREAD.where(
    "message.conversation_id = %s AND message.kind <> %s", _THREAD_ORDER
)
_TABLE = Conversation._meta.db_table
# The relations a conversation is shown with.
_RELATED = ("customer", "channel", "assignee", "team")
_TAG = sql.RowReader(Tag, "tag")
_TAGS_SQL = _TAG.where("tag.workspace_id = %s", "tag.name, tag.id")
# The columns an inbox row shows (API summaries and the agent UI's rows): a page loads these
# and nothing else, since building five models of every column per row cost more than the
# queries themselves. Reading any other field of a listed conversation would cost a query.
SUMMARY_FIELDS = (
    "workspace_id",
    "number",
    "subject",
    "status",
    "priority",
    "language",
    "preview",
    "message_count",
    "first_reply_at",
    "waiting_since",
    "last_message_at",
    "last_inbound_at",
    "created_at",
    "first_reply_due_at",
    "next_reply_due_at",
    "customer__name",
    "channel__slug",
    "channel__kind",
    "channel__name",
    "assignee__display_name",
    "team__name",
)


@dataclass
class Page:
    items: list[Conversation]
    next_cursor: str | None


def _encode_cursor(values: list[Any]) -> str:
    raw = json.dumps([v.isoformat() if isinstance(v, datetime) else v for v in values])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, sort_field: str) -> tuple[Any, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if sort_field.endswith("_at"):
            value = datetime.fromisoformat(value)
        return value, int(pk)
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError):
        raise InvalidInput("the cursor is not valid; start again from the first page") from None


def literal_status_in(*statuses: str) -> str:
    """``status IN (...)`` with literal values rather than bound parameters.

    The conversations' partial indexes are defined on exactly these literal sets; SQLite's
    planner uses a partial index only when it can see the query's condition implies the
    index's, which it cannot do through bound parameters (PostgreSQL can either way)."""
    unknown = set(statuses) - set(Status.values)
    if unknown:
        raise InvalidInput(f"unknown status {sorted(unknown)}")
    values = ", ".join(f"'{status}'" for status in statuses)
    return f'"{_TABLE}"."status" IN ({values})'


def status_in(*statuses: str) -> Q:
    """``literal_status_in`` as a filter of the ORM's."""
    return Q(RawSQL(literal_status_in(*statuses), (), BooleanField()))


def view_filter(view: str, agent: Agent | None, *, teams: list[int] | None = None) -> Q:
    """The conversations ``view`` shows ``agent``; ``teams`` are the agent's team ids when
    the caller has them already (else they are read)."""
    active = status_in(*ACTIVE_VIEW_STATUSES)
    if view == "unassigned":
        return active & Q(assignee__isnull=True)
    if view == "mine":
        return active & Q(assignee=agent)
    if view == "team":
        # The agent's teams first, then their ids in the filter: as a subquery PostgreSQL
        # walked every open conversation instead of the team's index.
        teams = team_ids_of(agent) if teams is None else teams
        if not teams:  # written out: an empty IN makes the ORM refuse to write the query
            return Q(RawSQL("1 = 0", (), BooleanField()))
        return active & Q(team_id__in=teams)
    if view == "open":
        return active
    if view == "snoozed":
        return Q(status=Status.SNOOZED)
    if view == "resolved":
        return status_in(*DONE_STATUSES)
    if view == "all":
        return Q()
    raise InvalidInput(f"unknown view {view!r}; use one of {', '.join(VIEWS)}")


def filtered_conversations(
    workspace_id: int, agent: Agent | None, f: InboxFilter
) -> QuerySet[Conversation]:
    """The view and the filters of ``f``; the text search (``f.q``) is applied by
    :func:`list_conversations`, which chooses how to search a page (``search.first_matches``)."""
    conversations = Conversation.objects.filter(workspace_id=workspace_id).filter(
        view_filter(f.view, agent)
    )
    if f.status:
        if f.status not in Status.values:
            raise InvalidInput(f"unknown status {f.status!r}")
        conversations = conversations.filter(status=f.status)
    if f.customer_id is not None:
        conversations = conversations.filter(customer_id=f.customer_id)
    if f.unassigned:
        conversations = conversations.filter(assignee__isnull=True)
    elif f.assignee_id is not None:
        conversations = conversations.filter(assignee_id=f.assignee_id)
    if f.team_id is not None:
        conversations = conversations.filter(team_id=f.team_id)
    if f.channel_id is not None:
        conversations = conversations.filter(channel_id=f.channel_id)
    if f.tag:
        tag_ids = Tag.objects.filter(workspace_id=workspace_id, name=f.tag.strip().lower())
        conversations = conversations.filter(tags__in=tag_ids.values("pk"))
    return conversations


def list_conversations(
    workspace_id: int,
    agent: Agent | None,
    f: InboxFilter,
    *,
    cursor: str | None = None,
    limit: int = 25,
) -> Page:
    """One page of the inbox: two queries (conversations with their relations, tags)."""
    if f.sort not in SORTS:
        raise InvalidInput(f"unknown sort {f.sort!r}; use one of {', '.join(SORTS)}")
    sort_field, descending = SORTS[f.sort]
    limit = max(1, min(limit, MAX_PAGE))
    conversations = keyset.annotate_sort(filtered_conversations(workspace_id, agent, f), sort_field)
    if cursor:
        value, pk = _decode_cursor(cursor, sort_field)
        conversations = conversations.filter(
            keyset.bound(sort_field, descending, value, pk, inclusive=False)
        )
    order = [f"-{sort_field}", "-pk"] if descending else [sort_field, "pk"]
    ordered = conversations.select_related(*_RELATED).only(*SUMMARY_FIELDS).order_by(*order)
    if f.q.strip():
        rows = search.first_matches(
            ordered, workspace_id, f.q, limit + 1, sort_field=sort_field, descending=descending
        )
    else:
        rows = list(ordered[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = _encode_cursor([getattr(last, sort_field), last.pk])
    return Page(items=with_tag_names(rows), next_cursor=next_cursor)


def with_tag_names(conversations: list[Conversation]) -> list[Conversation]:
    """Set ``tag_names`` (sorted) on each conversation, in one query for them all.

    Lists show tag names only; a ``prefetch_related`` builds a manager, a queryset and a Tag
    per row, which cost more than the page's other queries together."""
    by_id = {c.pk: c for c in conversations}
    for c in conversations:
        c.tag_names = []
    if by_id:
        marks = ", ".join(["%s"] * len(by_id))
        rows = sql.fetchall(
            "SELECT link.conversation_id, tag.name FROM conversations_conversation_tags link"
            " JOIN conversations_tag tag ON tag.id = link.tag_id"
            f" WHERE link.conversation_id IN ({marks}) ORDER BY tag.name",
            list(by_id),
        )
        for conversation_id, name in rows:
            by_id[conversation_id].tag_names.append(name)
    return conversations


def get_conversation(workspace_id: int, conversation_id: int) -> Conversation:
    conversation = _conversation_where(workspace_id, pk=conversation_id)
    if conversation is None:
        raise NotFound(f"conversation {conversation_id} not found")
    return conversation


def get_conversation_by_number(workspace_id: int, number: int) -> Conversation:
    conversation = _conversation_where(workspace_id, number=number)
    if conversation is None:
        raise NotFound(f"conversation #{number} not found")
    return conversation


def _conversation_where(workspace_id: int, **lookup: int) -> Conversation | None:
    """One conversation with its customer, channel, assignee and team, and its tag names."""
    conversation = (
        Conversation.objects.select_related(*_RELATED)
        .filter(workspace_id=workspace_id, **lookup)
        .first()
    )
    return None if conversation is None else with_tag_names([conversation])[0]


def thread(conversation: Conversation, *, include_notes: bool = True) -> list[Message]:
    """The conversation's timeline in order: messages, notes, events (without the stemmed
    ``search_text``). A plain query on the ``message_thread`` index: every conversation
    page and API answer reads it, and the ORM cost more than the rows."""
    if include_notes:
        rows = sql.fetchall(_THREAD_SQL, [conversation.pk])
    else:
        rows = sql.fetchall(_THREAD_WITHOUT_NOTES_SQL, [conversation.pk, Kind.NOTE.value])
    return _THREAD.build_rows(rows)


def customer_conversations(
    workspace_id: int, customer_id: int, limit: int = 100
) -> list[Conversation]:
    """The customer's conversations, latest first, with the columns a list shows."""
    return list(
        Conversation.objects.filter(workspace_id=workspace_id, customer_id=customer_id)
        .select_related(*_RELATED)
        .only(*SUMMARY_FIELDS)
        .order_by("-last_message_at", "-pk")[:limit]
    )


# A conversation's SLA clocks, as the sla app reads them to decide what changes.
SLA_FIELDS = (
    "sla_policy_id",
    "first_reply_due_at",
    "first_reply_sla",
    "next_reply_due_at",
    "next_reply_sla",
    "resolution_due_at",
    "resolution_sla",
    "sla_paused_at",
    "sla_check_at",
)
_SLA_STATE_FIELDS = (
    "id",
    "workspace_id",
    "status",
    "assignee_id",
    "team_id",
    "channel_id",
    "priority",
    "customer_id",
    "created_at",
    "first_reply_at",
    "waiting_since",
    *SLA_FIELDS,
)


def sla_state(conversation_id: int) -> Conversation | None:
    """A conversation's clocks and what they depend on (the other fields deferred)."""
    return Conversation.objects.filter(pk=conversation_id).only(*_SLA_STATE_FIELDS).first()


def sla_checks_due(now: datetime, *, limit: int) -> list[Conversation]:
    """The conversations, of every workspace, whose SLA warning or breach is due by
    ``now``, most overdue first: one ordered range of the index ``conv_sla_check``."""
    return list(
        Conversation.objects.filter(sla_check_at__lte=now)
        .order_by("sla_check_at")
        .only(*_SLA_STATE_FIELDS)[:limit]
    )


# What ingest reads of a customer's open conversation: the columns the receive action uses.
_OPEN_COLUMNS = (
    "id",
    "workspace_id",
    "number",
    "subject",
    "status",
    "language",
    "priority",
    "team_id",
    "assignee_id",
    # What ingest's ``sla`` step decides the clocks on.
    "first_reply_at",
    "waiting_since",
    *SLA_FIELDS,
)
_OPEN_SQL = (
    f"SELECT {', '.join(_OPEN_COLUMNS)} FROM {_TABLE}"
    f" WHERE customer_id = %s AND channel_id = %s AND {literal_status_in(*ACTIVE_STATUSES)}"
    " ORDER BY last_message_at DESC, id DESC LIMIT 1"
)


_OPEN_DATETIMES = [
    f.attname
    for f in Conversation._meta.concrete_fields
    if f.attname in _OPEN_COLUMNS and isinstance(f, DateTimeField)
]


def _as_datetime(value: Any) -> datetime | None:
    """A datetime column as the ORM gives it: SQLite hands it back naive (or as text),
    in UTC."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value  # type: ignore[no-any-return]


def active_conversation_for(customer_id: int, channel_id: int) -> Conversation | None:
    """The customer's most recent open, pending or snoozed conversation on a channel.

    Asked for almost every inbound message: one plain query on the partial index
    ``conv_customer_active`` (docs/adr/0005). The Conversation returned carries the columns
    the receive action reads; its other fields are deferred (reading one costs a query)."""
    row = sql.fetchone(_OPEN_SQL, [customer_id, channel_id])
    if row is None:
        return None
    values = dict(zip(_OPEN_COLUMNS, row, strict=True))
    for name in _OPEN_DATETIMES:
        values[name] = _as_datetime(values[name])
    conversation: Conversation = sql.instance(
        Conversation,
        {
            **values,
            "customer_id": customer_id,
            "channel_id": channel_id,
        },
    )
    return conversation


def message_replied_to(workspace_id: int, external_ids: list[str]) -> Message | None:
    """The most recent of the messages a reply refers to by the channel's message ids
    (email In-Reply-To/References, a chat's reply-to id)."""
    if not external_ids:
        return None
    return (
        Message.objects.filter(workspace_id=workspace_id, external_id__in=external_ids[:50])
        .only("pk", "conversation_id")
        .order_by("-pk")
        .first()
    )


def latest_inbound_data(
    conversation_id: int, channel_id: int | None = None
) -> dict[str, Any] | None:
    """The channel data of the customer's latest message in a conversation (an email's
    addresses and references), for answering it; with ``channel_id``, their latest on that
    channel (a merged conversation holds messages of several, and a reply on WhatsApp
    answers the WhatsApp number, not the email's sender)."""
    inbound = Message.objects.filter(
        conversation_id=conversation_id, direction=Direction.INBOUND, kind=Kind.MESSAGE
    )
    if channel_id is not None:
        inbound = inbound.filter(channel_id=channel_id)
    data: dict[str, Any] | None = (
        inbound.order_by("-created_at", "-pk").values_list("data", flat=True).first()
    )
    return data


def latest_inbound_at(conversation_id: int, channel_id: int) -> datetime | None:
    """When the customer last wrote in a conversation on one channel (a messaging
    window runs from it), or None when they never did there."""
    at: datetime | None = (
        Message.objects.filter(
            conversation_id=conversation_id,
            direction=Direction.INBOUND,
            kind=Kind.MESSAGE,
            channel_id=channel_id,
        )
        .order_by("-created_at", "-pk")
        .values_list("created_at", flat=True)
        .first()
    )
    return at


def last_inbound_on(conversation: Conversation, channel_id: int | None) -> datetime | None:
    """When a messaging window on ``channel_id`` starts: the conversation's
    ``last_inbound_at``, no later than the customer's latest message on that channel (None
    when they never wrote there: in a merged conversation an email opens no WhatsApp
    window). Without a channel, ``last_inbound_at``."""
    last = conversation.last_inbound_at
    if last is None or channel_id is None:
        return last
    on_channel = latest_inbound_at(conversation.pk, channel_id)
    return None if on_channel is None else min(last, on_channel)


@dataclass(frozen=True)
class ReplyChannels:
    """The channels a reply on a conversation can go out on: its own and those of the
    messages merged into it (issue 18), in the order they first appear; ``default`` is the
    channel of the customer's latest message, which a reply answers unless the agent picks
    another."""

    channel_ids: list[int]
    default_id: int


_REPLY_CHANNELS_SQL = (
    f"SELECT channel_id, direction FROM {Message._meta.db_table}"
    " WHERE conversation_id = %s AND kind = %s AND channel_id IS NOT NULL"
    " ORDER BY created_at DESC, id DESC"
)


def reply_channels(conversation: Conversation) -> ReplyChannels:
    """One indexed read of the thread's (channel, direction) pairs, newest first, in
    plain SQL (docs/adr/0005): every reply and every conversation page asks."""
    rows = sql.fetchall(_REPLY_CHANNELS_SQL, [conversation.pk, Kind.MESSAGE.value])
    return reply_channels_of(conversation, [(row[0], row[1]) for row in rows])


def reply_channels_of(
    conversation: Conversation, newest_first: list[tuple[int | None, str]]
) -> ReplyChannels:
    """:func:`reply_channels` from the messages' (channel id, direction) pairs already
    read, newest first (the API's detail has the thread at hand)."""
    seen: list[int] = []
    latest_inbound: int | None = None
    for channel_id, direction in newest_first:
        if channel_id is None:
            continue
        if latest_inbound is None and direction == Direction.INBOUND:
            latest_inbound = channel_id
        if channel_id not in seen:
            seen.append(channel_id)
    ids = [conversation.channel_id] + [c for c in reversed(seen) if c != conversation.channel_id]
    return ReplyChannels(channel_ids=ids, default_id=latest_inbound or conversation.channel_id)


def external_ids_in_order(conversation_id: int, *, excluding: int) -> list[tuple[int, str, str]]:
    """``(id, external id, direction)`` of a conversation's messages that have an external
    id (an email's Message-ID), oldest first, leaving out message ``excluding``."""
    rows = (
        Message.objects.filter(
            conversation_id=conversation_id, kind=Kind.MESSAGE, external_id__isnull=False
        )
        .exclude(pk=excluding)
        .order_by("created_at", "pk")
        .values_list("pk", "external_id", "direction")
    )
    return [(pk, str(external_id), direction) for pk, external_id, direction in rows]


def message_data(message_id: int) -> dict[str, Any] | None:
    data: dict[str, Any] | None = (
        Message.objects.filter(pk=message_id).values_list("data", flat=True).first()
    )
    return data


def conversation_replied_to(workspace_id: int, external_ids: list[str]) -> Conversation | None:
    """The conversation holding the message a reply refers to (see ``message_replied_to``)."""
    message = message_replied_to(workspace_id, external_ids)
    return None if message is None else Conversation.objects.get(pk=message.conversation_id)


def conversation_numbered(workspace_id: int, number: int) -> Conversation | None:
    return Conversation.objects.filter(workspace_id=workspace_id, number=number).first()


def conversation_for_reference(
    workspace_id: int, external_ids: list[str], number: int | None
) -> Conversation | None:
    """The conversation a message explicitly refers to: by message id, else by number."""
    conversation = conversation_replied_to(workspace_id, external_ids)
    if conversation is None and number is not None:
        conversation = conversation_numbered(workspace_id, number)
    return conversation


COUNT_CAP = 1000


def view_counts(workspace_id: int, agent: Agent | None) -> dict[str, int]:
    """How many conversations each inbox view holds (the sidebar's badges), in one query
    (after the agent's teams).

    Each count reuses :func:`view_filter`, so a badge always agrees with its list. Counts
    stop at ``COUNT_CAP`` ("1000+"): each is a bounded walk of the view's index, so the
    sidebar costs the same at a hundred conversations and at a million.
    """
    parts: list[str] = []
    params: list[Any] = []
    teams = team_ids_of(agent)
    for view in VIEWS:
        capped = (
            Conversation.objects.filter(workspace_id=workspace_id)
            .filter(view_filter(view, agent, teams=teams))
            .values("pk")[:COUNT_CAP]
        )
        sql, sql_params = capped.query.sql_with_params()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS {view}_rows)")
        params.extend(sql_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return dict(zip(VIEWS, row, strict=True))


def workspace_tags(workspace_id: int) -> list[Tag]:
    """The workspace's tags by name, for the inbox's tag filter: a plain query."""
    return _TAG.build_rows(sql.fetchall(_TAGS_SQL, [workspace_id]))


def customer_conversation_ids(workspace_id: int, customer_id: int) -> list[int]:
    """Every conversation of the customer, oldest first (an export, an erasure)."""
    return list(
        Conversation.objects.filter(workspace_id=workspace_id, customer_id=customer_id)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def conversations_for_export(ids: list[int]) -> Iterator[Conversation]:
    """These conversations with their channel and team names, in order."""
    return (
        Conversation.objects.filter(pk__in=ids)
        .select_related("channel", "team", "assignee")
        .order_by("pk")
        .iterator(chunk_size=200)
    )


def timeline_for_export(conversation_id: int, *, notes: bool) -> Iterator[Message]:
    """The conversation's messages and events (or, with ``notes``, its internal notes), in
    order, read a few hundred at a time."""
    rows = Message.objects.filter(conversation_id=conversation_id)
    rows = rows.filter(kind=Kind.NOTE) if notes else rows.exclude(kind=Kind.NOTE)
    return rows.defer("search_text").order_by("created_at", "pk").iterator(chunk_size=500)


def finished_before(
    workspace_id: int, cutoff: datetime, *, limit: int, anonymised: bool = False
) -> list[int]:
    """Up to ``limit`` resolved or closed conversations whose last activity is before
    ``cutoff`` (a retention policy's next batch), only those still holding personal
    content unless ``anonymised``: the ``conv_done_recent`` index, from its oldest end."""
    finished = Conversation.objects.filter(
        status__in=DONE_STATUSES, workspace_id=workspace_id, last_message_at__lt=cutoff
    )
    if not anonymised:
        finished = finished.filter(anonymised_at__isnull=True)
    return list(finished.order_by("last_message_at", "pk").values_list("pk", flat=True)[:limit])


def latest_inbound_text(conversation_id: int) -> str:
    """The text of the customer's latest message in a conversation ("" when none): what
    the agent's article suggestions answer."""
    text: str | None = (
        Message.objects.filter(
            conversation_id=conversation_id, direction=Direction.INBOUND, kind=Kind.MESSAGE
        )
        .order_by("-created_at", "-pk")
        .values_list("text", flat=True)
        .first()
    )
    return text or ""


def unread_ids(agent: Agent, conversations: list[Conversation]) -> set[int]:
    """Which of ``conversations`` (with ``last_inbound_at`` read) ``agent`` has not opened
    since their last customer message. One query for the whole list."""
    waiting = {c.pk: c.last_inbound_at for c in conversations if c.last_inbound_at}
    if not waiting:
        return set()
    read = dict(
        ConversationRead.objects.filter(
            agent_id=agent.pk, conversation_id__in=list(waiting)
        ).values_list("conversation_id", "read_at")
    )
    return {pk for pk, at in waiting.items() if pk not in read or read[pk] < at}


def messages_after(conversation: Conversation, after_id: int) -> list[Message]:
    """The messages in or out (not notes, not events) written to ``conversation`` after the
    message ``after_id``: what an agent composing a reply has not seen yet."""
    return list(
        Message.objects.filter(
            conversation_id=conversation.pk,
            workspace_id=conversation.workspace_id,
            kind=Kind.MESSAGE,
            pk__gt=after_id,
        )
        .select_related("sender_agent")
        .order_by("created_at", "pk")
    )


def latest_timeline_id() -> int:
    """The newest timeline entry's id in the whole installation (ids only grow): where a
    live page starts counting what it may miss."""
    return Message.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


@dataclass(frozen=True)
class Changes:
    last_id: int
    conversation_ids: list[int]
    complete: bool


def changed_since(workspace_id: int, after_id: int, *, limit: int = 200) -> Changes:
    """The conversations of the workspace whose timeline grew after entry ``after_id``: what
    a page that lost its socket missed. ``complete`` is false when there were more than
    ``limit`` entries (the page reloads its list rather than patch it)."""
    rows = list(
        Message.objects.filter(pk__gt=after_id, workspace_id=workspace_id)
        .order_by("pk")
        .values_list("pk", "conversation_id")[: limit + 1]
    )
    complete = len(rows) <= limit
    rows = rows[:limit]
    last_id = rows[-1][0] if rows else max(after_id, 0)
    if not complete:
        last_id = latest_timeline_id()
    return Changes(last_id, list(dict.fromkeys(c for _, c in rows)), complete)


# How many search results a page counts at most: counting every match of a common word in
# millions of messages would cost more than the page (it says "more than 1000").
MAX_COUNTED = 1000
# The newest messages of a result read to find the passage a search matched.
PASSAGE_MESSAGES = 50


def count_matches(workspace_id: int, agent: Agent | None, f: InboxFilter) -> int:
    """How many conversations of ``f`` (its view and filters) match its search ``f.q``,
    counted up to ``MAX_COUNTED + 1``."""
    conversations = search.filter_by_text(
        filtered_conversations(workspace_id, agent, f), workspace_id, f.q
    )
    return conversations.values("pk")[: MAX_COUNTED + 1].count()


def recent_texts(conversation_ids: list[int]) -> dict[int, list[str]]:
    """The texts of the newest messages and notes of each conversation, newest first (the
    search results' passages are looked for in them)."""
    texts: dict[int, list[str]] = {pk: [] for pk in conversation_ids}
    if not conversation_ids:
        return texts
    newest = Window(RowNumber(), partition_by=F("conversation_id"), order_by=F("pk").desc())
    rows = (
        Message.objects.filter(conversation_id__in=conversation_ids)
        .exclude(kind=Kind.EVENT)
        .exclude(text="")
        .annotate(newest=newest)
        .filter(newest__lte=PASSAGE_MESSAGES)
        .order_by("conversation_id", "-pk")
        .values_list("conversation_id", "text")
    )
    for conversation_id, text in rows:
        texts[conversation_id].append(text)
    return texts


def started_to(conversation_id: int) -> str | None:
    """The address an agent started the conversation to (``actions.outgoing``), or None
    for a conversation the customer started."""
    data = (
        Message.objects.filter(conversation_id=conversation_id, kind=Kind.EVENT, event="created")
        .values_list("data", flat=True)
        .first()
    )
    to = (data or {}).get("to") if isinstance(data, dict) else None
    return str(to) if to else None


def has_written_on(customer_id: int, channel_id: int) -> bool:
    """Whether the customer ever wrote to us on this channel (a conversation of theirs is
    on it): a Telegram bot may write only to people who wrote to it first."""
    return Conversation.objects.filter(customer_id=customer_id, channel_id=channel_id).exists()


def troubled_contacts(customer_id: int, since: datetime) -> list[datetime]:
    """When each of the customer's conversations opened since ``since`` began, among those
    that went badly: an SLA target breached, or a repeat contact (the matter was not
    settled the first time). Customers' segments read them (``customers.segments``)."""
    breached = SlaState.BREACHED
    went_badly = (
        Q(first_reply_sla=breached)
        | Q(next_reply_sla=breached)
        | Q(resolution_sla=breached)
        | Q(repeat_link__isnull=False)
    )
    rows = Conversation.objects.filter(customer_id=customer_id, created_at__gte=since).filter(
        went_badly
    )
    return list(rows.values_list("created_at", flat=True).distinct())


def customer_of(conversation_id: int) -> int | None:
    return (
        Conversation.objects.filter(pk=conversation_id)
        .values_list("customer_id", flat=True)
        .first()
    )


def clocks_to_follow(
    workspace_id: int, policy_ids: list[int], *, after_id: int, limit: int
) -> list[Conversation]:
    """The still-active conversations timed by one of ``policy_ids``, in id order after
    ``after_id``, with what their clocks depend on: the SLA app recomputes their due
    times when a calendar or a policy changes. One range of the partial index
    ``conv_sla_policy_active`` per policy, whatever the number of finished ones."""
    return list(
        Conversation.objects.filter(
            workspace_id=workspace_id,
            sla_policy_id__in=policy_ids,
            status__in=ACTIVE_STATUSES,
            pk__gt=after_id,
        )
        .order_by("pk")
        .only(*_SLA_STATE_FIELDS)[:limit]
    )


# Plain SQL (docs/adr/0005) for what a chat widget's socket asks on every connect, poll and
# pushed reply, and the live notice of every new conversation.
_BY_EXTERNAL_PREFIX_SQL = (
    f"SELECT DISTINCT conversation_id FROM {Message._meta.db_table}"
    " WHERE workspace_id = %s AND external_id >= %s AND external_id < %s"
    " AND channel_id = %s AND direction = %s"
)


def conversation_ids_by_external_prefix(
    workspace_id: int, channel_id: int, prefix: str, direction: str
) -> list[int]:
    """The conversations holding a message of ``channel_id`` and ``direction`` whose
    external id starts with ``prefix``, oldest first. A range on the ``(workspace,
    external_id)`` index, not ``LIKE``, which SQLite answered by reading every external
    id of the workspace. ``prefix`` ends with ":", and ";" is the character after it."""
    rows = sql.fetchall(
        _BY_EXTERNAL_PREFIX_SQL,
        [workspace_id, prefix, prefix[:-1] + ";", channel_id, direction],
    )
    return sorted(row[0] for row in rows)


def conversations_messages_after(
    workspace_id: int, conversation_ids: list[int], after: int, limit: int
) -> list[Message]:
    """The messages in and out (no notes, no timeline events) of these conversations with
    an id above ``after``, oldest first, at most ``limit``."""
    marks = ", ".join(["%s"] * len(conversation_ids))
    query = _THREAD.where(
        f"message.workspace_id = %s AND message.conversation_id IN ({marks})"
        " AND message.kind = %s AND message.id > %s AND message.direction IN (%s, %s)",
        "message.id LIMIT %s",
    )
    params = [workspace_id, *conversation_ids, Kind.MESSAGE.value, after]
    params += [Direction.INBOUND.value, Direction.OUTBOUND.value, limit]
    messages: list[Message] = _THREAD.build_rows(sql.fetchall(query, params))
    return messages


_OPENED_SQL = (
    f"SELECT number, subject, assignee_id, customer_id FROM {_TABLE}"
    " WHERE id = %s AND workspace_id = %s"
)


def opened_notice(
    workspace_id: int, conversation_id: int
) -> tuple[int, str, int | None, int] | None:
    """A new conversation's number, subject, assignee and customer (the live notice)."""
    row = sql.fetchone(_OPENED_SQL, [conversation_id, workspace_id])
    return None if row is None else (row[0], row[1], row[2], row[3])


def first_inbound_data(conversation_id: int) -> dict[str, Any]:
    """The ``data`` of the conversation's first customer message: where a provider marks
    an auto-reply, a bounce or a no-reply sender (``automated``, ``no_auto_response``),
    which the acknowledgement and the surveys read before writing back."""
    first = (
        Message.objects.filter(
            conversation_id=conversation_id, kind=Kind.MESSAGE, direction=Direction.INBOUND
        )
        .order_by("created_at", "id")
        .only("data")
        .first()
    )
    return (first.data if first is not None else None) or {}
