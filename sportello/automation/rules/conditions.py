"""A conversation read against a rule's conditions: the facts are gathered once per run
(the conversation, its tags, the message that triggered the event, the customer), and
each condition is a pure comparison over them, so the dry-run shows which ones held."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sportello.conversations.models import Conversation, Direction, Kind, Message
from sportello.conversations.repeats import contact_number
from sportello.sla.queries import default_calendar, opening_hours


def fold(text: str) -> str:
    """Text as a condition compares it: no case, no accents ("Perché" ~ "perche")."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@dataclass
class Facts:
    """What the conditions of one run read; ``sla_target`` only on SLA events."""

    conversation: Conversation
    now: datetime
    message_text: str = ""
    # A review's stars (``Message.data["rating"]``, 1-5), None for any other message.
    rating: int | None = None
    tags: set[str] = field(default_factory=set)
    sla_target: str = ""
    _open: bool | None = None

    @classmethod
    def gather(
        cls,
        conversation: Conversation,
        now: datetime,
        *,
        message_id: int | None = None,
        sla_target: str = "",
    ) -> Facts:
        messages = Message.objects.filter(
            conversation_id=conversation.pk, kind=Kind.MESSAGE, direction=Direction.INBOUND
        )
        if message_id is not None:
            messages = messages.filter(pk=message_id)
        message = messages.order_by("-created_at", "-id").only("text", "data").first()
        rating = (message.data or {}).get("rating") if message is not None else None
        return cls(
            conversation=conversation,
            now=now,
            message_text=message.text if message is not None else "",
            rating=rating if isinstance(rating, int) and not isinstance(rating, bool) else None,
            tags={t.name for t in conversation.tags.all()},
            sla_target=sla_target,
        )

    def is_open(self) -> bool:
        if self._open is None:
            calendar = default_calendar(self.conversation.workspace_id)
            self._open = False
            if calendar is not None:
                start, _end = next(opening_hours(calendar).openings(self.now), (None, None))
                self._open = start is not None and start <= self.now
        return self._open

    def read(self, name: str) -> Any:
        c = self.conversation
        if name == "channel_kind":
            return c.channel.kind
        if name == "channel":
            return c.channel_id
        if name == "text":
            return self.message_text
        if name == "subject":
            return c.subject
        if name == "language":
            return (c.language or "").lower()
        if name == "tag":
            return self.tags
        if name == "priority":
            return c.priority
        if name == "status":
            return c.status
        if name == "team":
            return c.team_id
        if name == "assignee":
            return c.assignee_id
        if name == "customer_name":
            return c.customer.name
        if name == "customer_language":
            return (c.customer.language or "").lower()
        if name == "segment":
            return c.customer.segment
        if name == "business_hours":
            return self.is_open()
        if name == "sla_target":
            return self.sla_target
        if name == "repeat_count":
            return contact_number(c.pk)
        if name == "rating":
            return self.rating
        raise KeyError(name)


def holds(condition: dict[str, Any], facts: Facts) -> bool:
    """Whether one checked condition (``schema.check_condition``) holds."""
    actual = facts.read(condition["field"])
    operator, wanted = condition["operator"], condition.get("value")
    if operator == "is_set":
        return actual is not None
    if operator == "is_not_set":
        return actual is None
    if operator in ("contains", "not_contains"):
        found = fold(str(wanted)) in fold(actual or "")
        return found if operator == "contains" else not found
    if operator == "has":
        return wanted in actual
    if operator == "has_not":
        return wanted not in actual
    if operator in ("at_least", "at_most") and actual is None:
        return False  # a message without a rating is neither high nor low
    if operator == "at_least":
        return bool(actual >= wanted)
    if operator == "at_most":
        return bool(actual <= wanted)
    if condition["field"] == "language" or condition["field"] == "customer_language":
        # "en" matches "en-GB": a rule names the language, not the region.
        same = actual == wanted or actual.split("-")[0] == wanted
    else:
        same = actual == wanted
    return same if operator == "is" else not same


@dataclass(frozen=True)
class Verdict:
    """Whether a rule's conditions hold, and each one's result (for the dry-run)."""

    matched: bool
    results: list[tuple[str, dict[str, Any], bool]]


def judge(conditions: dict[str, list[dict[str, Any]]], facts: Facts) -> Verdict:
    every = conditions.get("all") or []
    some = conditions.get("any") or []
    results = [("all", c, holds(c, facts)) for c in every]
    results += [("any", c, holds(c, facts)) for c in some]
    all_hold = all(ok for group, _, ok in results if group == "all")
    any_holds = not some or any(ok for group, _, ok in results if group == "any")
    return Verdict(all_hold and any_holds, results)
