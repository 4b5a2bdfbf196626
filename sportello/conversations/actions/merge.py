"""Two conversations of one issue become one: the same customer wrote by email and then on
WhatsApp about the same order (issue 18 point 4)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from sportello.accounts.models import Agent
from sportello.audit import actions as audit
from sportello.conversations.actions.manage import set_status
from sportello.conversations.actions.record import record_event
from sportello.conversations.models import ACTIVE_STATUSES, Conversation, Kind, Message, Status
from sportello.core import clock
from sportello.core.errors import Conflict, InvalidInput, NotFound


@dataclass(frozen=True)
class ConversationMerge:
    kept: Conversation
    other: Conversation
    moved: int


def _lock_pair(workspace_id: int, first: int, second: int) -> tuple[Conversation, Conversation]:
    locked = {
        c.pk: c
        for c in Conversation.objects.select_for_update()
        .filter(workspace_id=workspace_id, pk__in=[first, second])
        .order_by("pk")
    }
    if first not in locked or second not in locked:
        raise NotFound("conversation not found")
    return locked[first], locked[second]


@transaction.atomic
def merge_conversations(
    workspace_id: int,
    kept_id: int,
    other_id: int,
    *,
    by: Agent | None,
    different_customers: bool = False,
) -> ConversationMerge:
    """Move ``other``'s messages and notes into ``kept`` (each keeps the channel it came
    on, so the timeline shows both channels, and a reply can go out on either); ``other``
    is resolved, its timeline saying where they went. One transaction, audited, undone by
    ``unmerge_conversations``.

    ``InvalidInput`` for a conversation into itself; ``NotFound`` for one of another
    workspace; ``Conflict`` for two customers' conversations unless ``different_customers``
    confirms it, and for a conversation with nothing left to move (merged already)."""
    kept, other = _lock_pair(workspace_id, kept_id, other_id)  # another workspace's: 404
    if kept_id == other_id:
        raise InvalidInput("a conversation cannot be merged into itself")
    if kept.customer_id != other.customer_id and not different_customers:
        raise Conflict(
            "the conversations are of different customers: merge the customers first, "
            "or confirm with different_customers"
        )
    moving = list(
        Message.objects.filter(conversation=other)
        .exclude(kind=Kind.EVENT)
        .order_by("created_at", "pk")
        .values_list("pk", "kind", "created_at", "direction")
    )
    if not any(kind == Kind.MESSAGE for _, kind, _, _ in moving):
        raise Conflict("the other conversation has no messages: was it merged already?")
    ids = [pk for pk, _, _, _ in moving]
    Message.objects.filter(pk__in=ids).update(conversation=kept)
    counted = sum(1 for _, kind, _, _ in moving if kind == Kind.MESSAGE)
    kept.message_count += counted
    last = max(created for _, _, created, _ in moving)
    if last > kept.last_message_at:
        kept.last_message_at = last
        kept.preview = other.preview
    inbound = [created for _, kind, created, d in moving if kind == Kind.MESSAGE and d == "in"]
    if inbound and (kept.last_inbound_at is None or max(inbound) > kept.last_inbound_at):
        kept.last_inbound_at = max(inbound)
    kept.updated_at = clock.now()
    kept.save(
        update_fields=[
            "message_count",
            "last_message_at",
            "last_inbound_at",
            "preview",
            "updated_at",
        ]
    )
    other.message_count = max(0, other.message_count - counted)
    other.save(update_fields=["message_count", "updated_at"])
    was_active = other.status in ACTIVE_STATUSES
    if was_active:
        set_status(other, by, Status.RESOLVED)
    record_event(
        other.pk,
        "merged_into",
        into_id=kept.pk,
        number=kept.number,
        messages=ids,
        counted=counted,
        reopen=was_active,
        by=by,
    )
    record_event(
        kept.pk,
        "merged_from",
        from_id=other.pk,
        number=other.number,
        count=len(ids),
        by=by,
    )
    audit.record(
        workspace_id,
        "conversation.merged",
        target_type="conversation",
        target_id=kept.pk,
        detail={"other_id": other.pk, "messages": len(ids)},
    )
    return ConversationMerge(kept=kept, other=other, moved=len(ids))


@transaction.atomic
def unmerge_conversations(
    workspace_id: int, kept_id: int, other_id: int, *, by: Agent | None
) -> ConversationMerge:
    """Undo the latest merge of ``other`` into ``kept``: the messages that moved go back
    (those still in ``kept``), ``other`` reopens if it was open. ``NotFound`` when there is
    no such merge; ``Conflict`` when it was undone already."""
    kept, other = _lock_pair(workspace_id, kept_id, other_id)
    event = (
        Message.objects.filter(
            conversation=other,
            kind=Kind.EVENT,
            event="merged_into",
            data__into_id=kept.pk,
        )
        .order_by("-pk")
        .first()
    )
    if event is None:
        raise NotFound("these conversations were not merged")
    if event.data.get("undone"):
        raise Conflict("this merge was undone already")
    ids = list(event.data.get("messages", []))
    back = list(Message.objects.filter(conversation=kept, pk__in=ids).values_list("pk", "kind"))
    Message.objects.filter(pk__in=[pk for pk, _ in back]).update(conversation=other)
    counted = sum(1 for _, kind in back if kind == Kind.MESSAGE)
    kept.message_count = max(0, kept.message_count - counted)
    kept.save(update_fields=["message_count", "updated_at"])
    other.message_count += counted
    other.save(update_fields=["message_count", "updated_at"])
    Message.objects.filter(pk=event.pk).update(data={**event.data, "undone": True})
    if event.data.get("reopen"):
        set_status(other, by, Status.OPEN)
    record_event(kept.pk, "merge_undone", from_id=other.pk, number=other.number, by=by)
    audit.record(
        workspace_id,
        "conversation.unmerged",
        target_type="conversation",
        target_id=kept.pk,
        detail={"other_id": other.pk, "messages": len(back)},
    )
    return ConversationMerge(kept=kept, other=other, moved=len(back))
