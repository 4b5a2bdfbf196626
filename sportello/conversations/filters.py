"""The inbox's filter set: what the inbox's query string may say, and its one parser.

The REST API and the agent UI filter the inbox with the same fields, as NetBox's filter
sets serve both its API and its UI: the API's query schema and the UI's form are views of
this module (their choices, enums and defaults are read from here) and both hand the query
string to :func:`parse_inbox_query`. What they do with a value that does not parse is
theirs: the API refuses the request (422, the errors per field), the UI drops the value so
a stale bookmark still opens the inbox. ``queries`` lists what an InboxFilter asks for; it
reads the views and sorts from here, and this module imports nothing of it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sportello.accounts.models import Agent, Team
from sportello.channels.models import Channel
from sportello.channels.queries import active_channel, get_channel
from sportello.conversations.models import Status
from sportello.core.errors import InvalidInput, NotFound
from sportello.core.ids import parse_id

FIELDS = (
    "view",
    "status",
    "customer_id",
    "assignee",
    "team",
    "channel",
    "tag",
    "q",
    "sort",
    "cursor",
    "limit",
)
# The values a field may take. A view is a set of conversations (``queries.view_filter``);
# a sort is a column and a direction (name -> (field, descending)); ``waiting_sort_at`` and
# ``due_sort_at`` are expressions (``models.WAITING_SORT_SQL``, ``DUE_SORT_SQL``).
VIEWS = ("unassigned", "mine", "team", "open", "snoozed", "resolved", "all")
SORTS: dict[str, tuple[str, bool]] = {
    "recent": ("last_message_at", True),
    "oldest": ("last_message_at", False),
    "newest": ("created_at", True),
    "priority": ("priority", True),
    "waiting": ("waiting_sort_at", False),
    "due": ("due_sort_at", False),
}
STATUSES = tuple(Status.values)
# ``assignee``: an agent's id, or one of these.
ME = "me"
NOBODY = "none"
DEFAULT_VIEW = "all"
DEFAULT_SORT = "recent"
DEFAULT_LIMIT = 25
# Ids are 64-bit signed integers in both databases: a larger number names no row, and
# SQLite's driver raises on it rather than finding nothing.


@dataclass
class InboxFilter:
    """Which conversations an inbox page lists, and in which order (``queries``'s input)."""

    view: str = DEFAULT_VIEW
    status: str | None = None
    customer_id: int | None = None
    assignee_id: int | None = None
    unassigned: bool = False
    team_id: int | None = None
    channel_id: int | None = None
    tag: str | None = None
    q: str = ""
    sort: str = DEFAULT_SORT
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class InboxQuery:
    """A query string parsed: the filter and the page asked for, built from the values that
    parsed; ``values`` are those values as given, ``errors`` say why each other one was not
    taken (by field name)."""

    filter: InboxFilter
    cursor: str | None
    limit: int
    values: dict[str, str]
    errors: dict[str, str]


def parse_inbox_query(
    data: Mapping[str, Any],
    agent: Agent,
    *,
    channels: Sequence[Channel] | None = None,
    agents: Sequence[Agent] | None = None,
    teams: Sequence[Team] | None = None,
    default_view: str = DEFAULT_VIEW,
) -> InboxQuery:
    """The inbox query ``data`` (a query string's mapping) asks ``agent`` for.

    Fields missing, empty or not in ``FIELDS`` are not given. Ids are ASCII digits up to
    ``core.ids.MAX_ID``. ``channel`` is a channel's id or its slug: one of ``channels`` (the menu a
    form offers) or, without them, one of the workspace's active channels (those an
    integration names). With ``agents`` or ``teams``, an assignee or team id must be one
    of theirs; without, any id is taken and lists what it matches.
    """
    f = InboxFilter(view=default_view)
    cursor: str | None = None
    limit = DEFAULT_LIMIT
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    for name in FIELDS:
        given = data.get(name)
        if given is None or given == "":
            continue
        value = str(given)
        error: str | None = None
        if name == "view":
            if value in VIEWS:
                f.view = value
            else:
                error = f"unknown view {value!r}; use one of {', '.join(VIEWS)}"
        elif name == "status":
            if value in STATUSES:
                f.status = value
            else:
                error = f"unknown status {value!r}; use one of {', '.join(STATUSES)}"
        elif name == "sort":
            if value in SORTS:
                f.sort = value
            else:
                error = f"unknown sort {value!r}; use one of {', '.join(SORTS)}"
        elif name == "assignee":
            if value == ME:
                f.assignee_id = agent.pk
            elif value == NOBODY:
                f.unassigned = True
            elif (pk := parse_id(value)) is not None and _known(pk, agents):
                f.assignee_id = pk
            else:
                error = f"assignee must be an agent id, {ME!r} or {NOBODY!r}"
        elif name == "team":
            if (pk := parse_id(value)) is not None and _known(pk, teams):
                f.team_id = pk
            else:
                error = "team must be a team id"
        elif name == "customer_id":
            if (pk := parse_id(value)) is not None:
                f.customer_id = pk
            else:
                error = "customer_id must be a customer id"
        elif name == "channel":
            channel = (
                _active_channel(agent.workspace_id, value)
                if channels is None
                else _channel(value, channels)
            )
            if channel is not None:
                f.channel_id = channel.pk
            else:
                error = f"unknown channel {value!r}"
        elif name == "tag":
            value = value.strip()
            f.tag = value or None
        elif name == "q":
            value = value.strip()
            f.q = value
        elif name == "cursor":
            cursor = value
        elif name == "limit":
            if (size := _page_size(value)) is not None:
                limit = size
            else:
                error = "limit must be a whole number"
        if error is not None:
            errors[name] = error
        elif value:
            values[name] = value
    return InboxQuery(filter=f, cursor=cursor, limit=limit, values=values, errors=errors)


def _known(pk: int, rows: Sequence[Agent] | Sequence[Team] | None) -> bool:
    return rows is None or any(row.pk == pk for row in rows)


def _channel(value: str, channels: Sequence[Channel]) -> Channel | None:
    """The channel of ``channels`` that ``value`` names."""
    return _named(
        value,
        by_id=lambda pk: next((c for c in channels if c.pk == pk), None),
        by_slug=lambda slug: next((c for c in channels if c.slug == slug), None),
    )


def _active_channel(workspace_id: int, value: str) -> Channel | None:
    """The workspace's active channel that ``value`` names, looked up by itself: reading
    all the workspace's channels to find one made the API's filtered inbox slower."""

    def by_id(pk: int) -> Channel | None:
        try:
            found = get_channel(workspace_id, pk)
        except NotFound:
            return None
        return found if found.is_active else None

    def by_slug(slug: str) -> Channel | None:
        try:
            return active_channel(workspace_id, slug)
        except InvalidInput:
            return None

    return _named(value, by_id=by_id, by_slug=by_slug)


def _named(
    value: str,
    *,
    by_id: Callable[[int], Channel | None],
    by_slug: Callable[[str], Channel | None],
) -> Channel | None:
    """The channel ``value`` names: by id when it is one, else by slug. A slug may be all
    digits too: it is looked up when no channel has that id."""
    pk = parse_id(value)
    found = by_id(pk) if pk is not None else None
    return found if found is not None else by_slug(value)


def _page_size(value: str) -> int | None:
    """``value`` as a page size: a whole number (ASCII digits, a sign allowed). The list
    brings it within a page; beyond 18 digits it is read as 10^18 (``int`` refuses
    thousands of digits)."""
    digits = value[1:] if value[0] in "+-" else value
    if not (digits.isascii() and digits.isdigit()):
        return None
    number = int(digits) if len(digits) <= 18 else 10**18
    return -number if value[0] == "-" else number
