"""Repeat contacts: a customer who writes again, in a new conversation on any channel,
about a matter that is still open or was resolved a few days ago.

Run after the new conversation committed (``handlers.link_repeat_contact``), never on the
ingest path. It reads the customer's latest conversations only (``CANDIDATES``, through
the index ``conv_customer_recent``), never a scan of the workspace's conversations.

Two conversations are about the same matter when:

- they quote the same order, ticket or invoice number (``language.references``): a
  strong sign whatever the words, score 1;
- else their first messages mean nearly the same thing: the cosine of their sentence
  embeddings (``language.embeddings``, offline, Italian and English in one space) is at
  least ``SIMILARITY_THRESHOLD``. Measured on pairs of customer messages
  (``bench/repeat_contacts.py``): the same complaint reworded scored 0.42-0.76, unrelated
  requests of one shop 0.01-0.28. The threshold sits just under the lowest same-matter
  pair, in the gap: a missed repeat is the failure the issue is about (an anomaly
  reported six times and lost each time), and a wrong link costs an agent a glance at
  the linked conversation. Texts too short to mean anything ("grazie") are not compared.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Q

from sportello.conversations.models import (
    ACTIVE_STATUSES,
    Conversation,
    ConversationLink,
    Direction,
    Kind,
    LinkReason,
    Message,
    RepeatContactSettings,
)
from sportello.core import clock
from sportello.core.local_days import LocalDate

DEFAULT_WINDOW_DAYS = 7
SIMILARITY_THRESHOLD = 0.40
# The customer's latest conversations compared with a new one.
CANDIDATES = 20
# The first inbound messages of each that are read: the matter is stated at the start.
MESSAGES_READ = 3
MIN_WORDS = 3


@dataclass(frozen=True)
class RepeatMatch:
    earlier: Conversation
    reason: str
    score: float
    reference: str = ""


def repeat_settings(workspace_id: int) -> tuple[bool, int]:
    """Whether repeat contacts are linked in the workspace, and its window in days."""
    settings = RepeatContactSettings.objects.filter(workspace_id=workspace_id).first()
    if settings is None:
        return True, DEFAULT_WINDOW_DAYS
    return settings.is_enabled, settings.window_days


def window_days(workspace_id: int) -> int | None:
    """The workspace's repeat window in days; ``None`` when repeat contacts are off."""
    enabled, days = repeat_settings(workspace_id)
    return days if enabled else None


def _texts(conversation_ids: list[int]) -> dict[int, list[str]]:
    rows = (
        Message.objects.filter(
            conversation_id__in=conversation_ids, kind=Kind.MESSAGE, direction=Direction.INBOUND
        )
        .order_by("created_at", "id")
        .values_list("conversation_id", "text")[: MESSAGES_READ * len(conversation_ids) * 4]
    )
    texts: dict[int, list[str]] = {}
    for conversation_id, text in rows:
        kept = texts.setdefault(conversation_id, [])
        if len(kept) < MESSAGES_READ:
            kept.append(text or "")
    return texts


def candidates(conversation: Conversation, days: int) -> list[Conversation]:
    """The customer's other conversations still open, or resolved within ``days``,
    opened before this one, latest first."""
    since = clock.now() - timedelta(days=days)
    recent = (
        Conversation.objects.filter(customer_id=conversation.customer_id)
        .exclude(pk=conversation.pk)
        .order_by("-last_message_at", "-id")
        .only("id", "workspace_id", "number", "subject", "status", "resolved_at", "created_at")[
            :CANDIDATES
        ]
    )
    return [
        c
        for c in recent
        if c.workspace_id == conversation.workspace_id
        and c.created_at <= conversation.created_at
        and (c.status in ACTIVE_STATUSES or (c.resolved_at is not None and c.resolved_at >= since))
    ]


def find_repeat(conversation: Conversation) -> RepeatMatch | None:
    """The earlier conversation ``conversation`` repeats, if any (see the module)."""
    from sportello.language.references import references

    days = window_days(conversation.workspace_id)
    if days is None:
        return None
    earlier = candidates(conversation, days)
    if not earlier:
        return None
    texts = _texts([conversation.pk, *(c.pk for c in earlier)])
    new_text = "\n".join([conversation.subject, *texts.get(conversation.pk, [])])
    quoted = references(new_text)
    if quoted:
        for candidate in earlier:
            shared = quoted & references(
                "\n".join([candidate.subject, *texts.get(candidate.pk, [])])
            )
            if shared:
                return RepeatMatch(candidate, LinkReason.SAME_REFERENCE, 1.0, sorted(shared)[0])
    return _similar(new_text, earlier, texts)


def _similar(
    new_text: str, earlier: list[Conversation], texts: dict[int, list[str]]
) -> RepeatMatch | None:
    from sportello.language.embeddings import embed

    def enough(text: str) -> bool:
        return len(text.split()) >= MIN_WORDS

    documents = [(c, "\n".join([c.subject, *texts.get(c.pk, [])[:1]]).strip()) for c in earlier]
    documents = [(c, text) for c, text in documents if enough(text)]
    if not enough(new_text) or not documents:
        return None
    vectors = embed([new_text.strip(), *(text for _, text in documents)])
    scores = vectors[1:] @ vectors[0]
    best = int(scores.argmax())
    score = float(scores[best])
    if score < SIMILARITY_THRESHOLD:
        return None
    return RepeatMatch(documents[best][0], LinkReason.SIMILAR_TEXT, score)


def link_of(conversation_id: int) -> ConversationLink | None:
    return ConversationLink.objects.filter(conversation_id=conversation_id).first()


def contact_number(conversation_id: int) -> int:
    """1 for a conversation that repeats nothing, 2 for the first repeat contact..."""
    link = link_of(conversation_id)
    return link.contact_number if link is not None else 1


@dataclass(frozen=True)
class RepeatThread:
    """What the agent sees: this conversation's contact number about its matter, and the
    other conversations about it, in order."""

    contact_number: int
    total: int
    others: list[Conversation]


def repeat_thread(conversation: Conversation) -> RepeatThread | None:
    """``None`` when the conversation is the only one about its matter."""
    link = link_of(conversation.pk)
    first_id = link.first_id if link is not None else conversation.pk
    number = link.contact_number if link is not None else 1
    linked = list(
        ConversationLink.objects.filter(first_id=first_id)
        .order_by("contact_number")
        .values_list("conversation_id", flat=True)[:50]
    )
    if not linked:
        return None
    ids = [first_id, *linked]
    others = list(
        Conversation.objects.filter(workspace_id=conversation.workspace_id, pk__in=ids)
        .exclude(pk=conversation.pk)
        .select_related("channel")
    )
    order = {pk: n for n, pk in enumerate(ids)}
    others.sort(key=lambda c: order[c.pk])
    return RepeatThread(contact_number=number, total=len(ids), others=others)


@dataclass(frozen=True)
class RepeatRate:
    """New conversations in a period, how many of them were repeat contacts, and the
    share; ``days`` the same per day in the workspace's time zone."""

    new_conversations: int
    repeat_contacts: int
    rate: float
    days: list[tuple[date, int, int]]


def repeat_contact_rate(
    workspace_id: int,
    since: datetime,
    until: datetime,
    time_zone: str,
    *,
    channel_id: int | None = None,
) -> RepeatRate:
    """The share of the conversations opened in [since, until) (on ``channel_id`` when
    given) that were linked as repeat contacts: two grouped counts over the workspace's
    conversations of the period. A conversation opened since ``since`` has its last
    message since then too: bounding ``last_message_at`` walks the range of ``conv_recent``
    instead of every conversation of the workspace (there is no index on ``created_at``)."""
    zone = ZoneInfo(time_zone)
    in_period = Q(created_at__gte=since, created_at__lt=until, last_message_at__gte=since)
    if channel_id is not None:
        in_period &= Q(channel_id=channel_id)
    opened = (
        Conversation.objects.filter(in_period, workspace_id=workspace_id)
        .annotate(day=LocalDate(F("created_at"), zone, since, until))
        .values("day")
        .annotate(n=Count("id"))
    )
    repeats = (
        ConversationLink.objects.filter(
            workspace_id=workspace_id,
            conversation__in=Conversation.objects.filter(
                in_period, workspace_id=workspace_id
            ).values("pk"),
        )
        .annotate(day=LocalDate(F("conversation__created_at"), zone, since, until))
        .values("day")
        .annotate(n=Count("id"))
    )
    by_day: dict[date, list[int]] = {}
    for row in opened:
        by_day.setdefault(row["day"], [0, 0])[0] = row["n"]
    for row in repeats:
        by_day.setdefault(row["day"], [0, 0])[1] = row["n"]
    total = sum(n for n, _ in by_day.values())
    repeated = sum(r for _, r in by_day.values())
    return RepeatRate(
        new_conversations=total,
        repeat_contacts=repeated,
        rate=round(repeated / total, 4) if total else 0.0,
        days=[(day, n, r) for day, (n, r) in sorted(by_day.items())],
    )
