"""The variables of canned replies and macros: ``{{ customer.first_name }}`` and a few
more, filled by a whitelist substitution.

No template engine ever reads a body: a variable is a name from :data:`VARIABLES` between
double braces, replaced by plain text in one pass (a customer called "{{ agent.name }}"
stays literally so). A name that is not known, or has no value for this conversation, is
left visible in the text and reported, so the agent sees what to fill in by hand."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time

from sportello.accounts.models import Agent
from sportello.automation.wording import language_of
from sportello.conversations.models import Conversation, Direction, Kind, Message
from sportello.core import clock
from sportello.customers.models import Order
from sportello.language.references import order_numbers
from sportello.sla.hours import CalendarInvalid, add_business_time
from sportello.sla.queries import default_calendar, opening_hours

VARIABLES = (
    "customer.name",
    "customer.first_name",
    "agent.name",
    "conversation.number",
    "order.number",
    "conversation.due",
)
# How many of the customer's latest messages are read for the order number they quoted.
ORDER_MESSAGES = 20
# A name between double braces, with any spaces inside: {{customer.name}}, {{ agent.name }}.
PATTERN = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*\}\}")


@dataclass(frozen=True)
class Rendered:
    """A body filled for one conversation: ``unknown`` names no variable Sportello has,
    ``missing`` has no value here (a customer without a name); both stay in ``text``."""

    text: str
    language: str
    unknown: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def unknown_variables(body: str) -> list[str]:
    """The names in ``body`` that are not variables, in order, once each."""
    names = (match[1] for match in PATTERN.finditer(body))
    return list(dict.fromkeys(name for name in names if name not in VARIABLES))


def reply_language(conversation: Conversation, wanted: str = "") -> str:
    """The language a reply is written in: the canned reply's own, else the customer's
    (the conversation's detected one first), Italian when neither is Italian or English."""
    return wanted or language_of(conversation.language, conversation.customer.language)


def render(
    body: str,
    conversation: Conversation,
    agent: Agent | None,
    *,
    language: str = "",
    now: datetime | None = None,
    blank_missing: bool = False,
    known: Mapping[str, str] | None = None,
) -> Rendered:
    """``body`` with its variables filled for ``conversation`` as ``agent`` writes it.
    With ``blank_missing`` (a macro sending by itself) a variable without a value becomes
    empty rather than staying visible; unknown names stay visible in any case. ``known``
    gives values the caller already has (the macro builder's sample conversation, which
    has no messages to read an order number from)."""
    language = reply_language(conversation, language)
    now = now or clock.now()
    values: dict[str, Callable[[], str]] = {
        "customer.name": lambda: conversation.customer.name.strip(),
        "customer.first_name": lambda: _first_name(conversation.customer.name),
        "agent.name": lambda: _agent_name(conversation, agent),
        "conversation.number": lambda: str(conversation.number),
        "order.number": lambda: _order_number(conversation),
        "conversation.due": lambda: _due_in_words(conversation, language, now),
    }
    values.update({name: _given(value) for name, value in (known or {}).items() if name in values})
    unknown: list[str] = []
    missing: list[str] = []

    def fill(match: re.Match[str]) -> str:
        name = match[1]
        if name not in values:
            if name not in unknown:
                unknown.append(name)
            return match[0]
        value = values[name]()
        if value:
            return value
        if name not in missing:
            missing.append(name)
        return "" if blank_missing else match[0]

    return Rendered(PATTERN.sub(fill, body), language, unknown, missing)


def _first_name(name: str) -> str:
    words = name.split()
    return words[0] if words else ""


def _given(value: str) -> Callable[[], str]:
    return lambda: value


def _order_number(conversation: Conversation) -> str:
    """The order the customer wrote about: the number their latest message quotes after
    "ordine"/"order" (the subject counts as the oldest), else the number of the latest
    order the shop posted for them (``POST /api/v1/orders``)."""
    if conversation.pk is None:
        return ""
    texts = Message.objects.filter(
        conversation_id=conversation.pk, kind=Kind.MESSAGE, direction=Direction.INBOUND
    ).order_by("-id")
    for text in [*texts.values_list("text", flat=True)[:ORDER_MESSAGES], conversation.subject]:
        found = order_numbers(text)
        if found:
            return found[0]
    latest = (
        Order.objects.filter(
            workspace_id=conversation.workspace_id, customer_id=conversation.customer_id
        )
        .order_by("-placed_at", "-id")
        .values_list("number", flat=True)
        .first()
    )
    return latest or ""


def _agent_name(conversation: Conversation, agent: Agent | None) -> str:
    if agent is not None:
        return agent.display_name
    return conversation.assignee.display_name if conversation.assignee else ""


def _due(conversation: Conversation, now: datetime) -> tuple[datetime | None, ZoneInfo]:
    """The next reply's due time (the first reply's before any, else the next one's), or
    the next opening of the default calendar; with the calendar's time zone."""
    calendar = default_calendar(conversation.workspace_id)
    zone = ZoneInfo(calendar.time_zone if calendar else "Europe/Rome")
    if conversation.first_reply_at is None and conversation.first_reply_due_at:
        return conversation.first_reply_due_at, zone
    if conversation.next_reply_due_at:
        return conversation.next_reply_due_at, zone
    if calendar is None:
        return None, zone
    try:
        return add_business_time(opening_hours(calendar), now, timedelta(0)), zone
    except CalendarInvalid:
        return None, zone


def _due_in_words(conversation: Conversation, language: str, now: datetime) -> str:
    """ "oggi alle 16:30", "domani alle 09:45", "lunedì 28 dicembre alle 09:45" (and
    "today at 16:30", "Monday 28 December at 09:45"), in the calendar's time zone."""
    due, zone = _due(conversation, now)
    if due is None:
        return ""
    local, today = due.astimezone(zone), now.astimezone(zone).date()
    time = format_time(local.time(), "HH:mm", locale=language)
    if local.date() == today:
        return f"oggi alle {time}" if language == "it" else f"today at {time}"
    if local.date() == today + timedelta(days=1):
        return f"domani alle {time}" if language == "it" else f"tomorrow at {time}"
    pattern = "EEEE d MMMM" if local.year == today.year else "EEEE d MMMM y"
    day = format_date(local.date(), pattern, locale=language)
    return f"{day} alle {time}" if language == "it" else f"{day} at {time}"
