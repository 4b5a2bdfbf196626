"""Removing personal content from conversations: a customer's erasure, a retention policy.

Anonymising keeps each conversation and each timeline row, with their counts, times,
channel, status and direction, so reports still add up; it empties what people wrote or
what identifies them: subjects, previews, bodies, sender names, stored headers and
addresses (``data``), attachments, external ids (Message-IDs can carry an address). The
search index follows ``search_text`` by itself (FTS5 triggers; a generated ``tsvector`` on
PostgreSQL). Deleting removes the conversations and their timelines altogether.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import QuerySet

from sportello.conversations.actions import timeline
from sportello.conversations.actions.store import insert_messages
from sportello.conversations.attachments import paths_of
from sportello.conversations.models import Conversation, Kind, Message
from sportello.core import clock

# Timeline events whose data is about the team's work, not the customer (who was
# assigned, which status), kept for statistics; every other row's data is emptied.
WORK_EVENTS = frozenset({"created", "assigned", "status_changed", "priority_changed"})


@dataclass
class Forgotten:
    """What was anonymised or deleted: the caller removes the attachment files once the
    transaction commits (``attachments.remove_unreferenced``)."""

    conversations: int = 0
    messages: int = 0
    attachment_paths: set[str] = field(default_factory=set)
    by_customer: Counter[int] = field(default_factory=Counter)


def _attachments_of(messages: QuerySet[Message]) -> set[str]:
    paths: set[str] = set()
    for attachments in messages.exclude(attachments=[]).values_list("attachments", flat=True):
        paths |= paths_of(attachments or [])
    return paths


@transaction.atomic
def anonymise_conversations(workspace_id: int, conversation_ids: list[int]) -> Forgotten:
    """Empty the personal content of these conversations of the workspace; ones already
    anonymised are left as they are (idempotent). Each gets an ``anonymised`` event."""
    now = clock.now()
    conversations = list(
        Conversation.objects.select_for_update()
        .filter(workspace_id=workspace_id, pk__in=conversation_ids, anonymised_at__isnull=True)
        .only("pk", "workspace_id", "customer_id")
    )
    ids = [c.pk for c in conversations]
    done = Forgotten(conversations=len(ids))
    if not ids:
        return done
    messages = Message.objects.filter(conversation_id__in=ids)
    done.attachment_paths = _attachments_of(messages)
    done.messages = messages.update(
        text="",
        html="",
        search_text="",
        attachments=[],
        external_id=None,
    )
    messages.exclude(kind=Kind.EVENT, event__in=WORK_EVENTS).update(data={})
    # An agent's name on their reply is the team's; a customer's is theirs.
    messages.filter(sender_agent__isnull=True).update(sender_name="")
    Conversation.objects.filter(pk__in=ids).update(
        subject="", preview="", anonymised_at=now, updated_at=now
    )
    insert_messages([timeline.row(c, "anonymised", at=now) for c in conversations])
    done.by_customer.update(c.customer_id for c in conversations)
    return done


@transaction.atomic
def delete_conversations(workspace_id: int, conversation_ids: list[int]) -> Forgotten:
    """Delete these conversations of the workspace with their timelines (deliveries go
    with their messages). ``by_customer``: how many each customer lost, for their
    counters."""
    conversations = list(
        Conversation.objects.filter(workspace_id=workspace_id, pk__in=conversation_ids).only(
            "pk", "customer_id"
        )
    )
    ids = [c.pk for c in conversations]
    done = Forgotten(conversations=len(ids))
    if not ids:
        return done
    messages = Message.objects.filter(conversation_id__in=ids)
    done.attachment_paths = _attachments_of(messages)
    done.messages = messages.count()
    messages.delete()
    Conversation.objects.filter(pk__in=ids).delete()
    done.by_customer.update(c.customer_id for c in conversations)
    return done
