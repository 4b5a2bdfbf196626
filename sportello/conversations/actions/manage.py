"""Triage: who handles a conversation, in which state, how urgent, with which tags."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction

from sportello.accounts.models import Agent, Team
from sportello.conversations.actions import timeline
from sportello.conversations.events import (
    ConversationAssigned,
    ConversationUpdated,
    StatusChanged,
)
from sportello.conversations.models import (
    ACTIVE_STATUSES,
    Conversation,
    Priority,
    Status,
    Tag,
)
from sportello.core import clock
from sportello.core.errors import InvalidInput
from sportello.core.events import publish

_UNSET: Any = object()
MAX_TAGS = 30
# How far ahead a conversation may be snoozed: five years, leap days included.
MAX_SNOOZE = timedelta(days=5 * 365 + 2)


def _save(conversation: Conversation, fields: list[str]) -> None:
    conversation.updated_at = clock.now()
    conversation.save(update_fields=[*fields, "updated_at"])


@transaction.atomic
def assign(
    conversation: Conversation,
    by: Agent | None,
    *,
    assignee: Agent | None = _UNSET,
    team: Team | None = _UNSET,
) -> Conversation:
    """Give the conversation to an agent and/or a team; ``None`` clears either."""
    fields = []
    if assignee is not _UNSET and assignee != conversation.assignee:
        if assignee is not None and assignee.workspace_id != conversation.workspace_id:
            raise InvalidInput("the assignee belongs to another workspace")
        conversation.assignee = assignee
        fields.append("assignee")
    if team is not _UNSET and team != conversation.team:
        if team is not None and team.workspace_id != conversation.workspace_id:
            raise InvalidInput("the team belongs to another workspace")
        conversation.team = team
        fields.append("team")
    if not fields:
        return conversation
    _save(conversation, fields)
    timeline.assigned(
        conversation,
        by,
        conversation.assignee,
        conversation.team.name if conversation.team else None,
    )
    publish(
        ConversationAssigned(
            workspace_id=conversation.workspace_id,
            conversation_id=conversation.pk,
            assignee_id=conversation.assignee_id,
            team_id=conversation.team_id,
        )
    )
    return conversation


@transaction.atomic
def set_status(
    conversation: Conversation,
    by: Agent | None,
    status: str,
    *,
    snoozed_until: datetime | None = None,
) -> Conversation:
    """Move the conversation to ``status``. Snoozing needs a wake-up time in the future and
    within ``MAX_SNOOZE``: a conversation snoozed for ever is one lost, and a date near
    year 9999 cannot even be shown in a time zone ahead of UTC."""
    if status not in Status.values:
        raise InvalidInput(f"unknown status {status!r}; use one of {', '.join(Status.values)}")
    now = clock.now()
    if status == Status.SNOOZED:
        if snoozed_until is None or snoozed_until <= now:
            raise InvalidInput("snoozing needs snoozed_until in the future")
        if snoozed_until > now + MAX_SNOOZE:
            raise InvalidInput(
                f"snoozed_until must be within {MAX_SNOOZE.days // 365} years from now"
            )
    elif snoozed_until is not None:
        raise InvalidInput("snoozed_until only goes with status 'snoozed'")
    old = conversation.status
    if old == status and conversation.snoozed_until == snoozed_until:
        return conversation
    conversation.status = status
    conversation.snoozed_until = snoozed_until
    if status in ACTIVE_STATUSES:
        conversation.resolved_at = None
    elif old in ACTIVE_STATUSES:
        conversation.resolved_at = now
    _save(conversation, ["status", "snoozed_until", "resolved_at"])
    timeline.status_changed(conversation, by, old, status)
    publish(
        StatusChanged(
            workspace_id=conversation.workspace_id,
            conversation_id=conversation.pk,
            old=old,
            new=status,
        )
    )
    return conversation


@transaction.atomic
def set_priority(conversation: Conversation, by: Agent | None, priority: int) -> Conversation:
    if priority not in Priority.values:
        raise InvalidInput(f"priority must be one of {Priority.values}")
    old = conversation.priority
    if old == priority:
        return conversation
    conversation.priority = priority
    _save(conversation, ["priority"])
    timeline.priority_changed(conversation, by, old, priority)
    publish(
        ConversationUpdated(
            workspace_id=conversation.workspace_id,
            conversation_id=conversation.pk,
            fields=("priority",),
        )
    )
    return conversation


def normalize_tag(name: str) -> str:
    tag = " ".join(name.strip().lower().split())
    if not tag or len(tag) > 60:
        raise InvalidInput("a tag must be 1 to 60 characters")
    return tag


@transaction.atomic
def set_tags(conversation: Conversation, by: Agent | None, names: list[str]) -> Conversation:
    """Replace the conversation's tags with ``names`` (created in the workspace as needed)."""
    wanted = list(dict.fromkeys(normalize_tag(n) for n in names))
    if len(wanted) > MAX_TAGS:
        raise InvalidInput(f"at most {MAX_TAGS} tags")
    current = {t.name: t for t in conversation.tags.all()}
    added = [n for n in wanted if n not in current]
    removed = [n for n in current if n not in wanted]
    if not added and not removed:
        return conversation
    if removed:
        conversation.tags.remove(*[current[n] for n in removed])
    if added:
        existing = {
            t.name: t
            for t in Tag.objects.filter(workspace_id=conversation.workspace_id, name__in=added)
        }
        missing = [
            Tag(workspace_id=conversation.workspace_id, name=n) for n in added if n not in existing
        ]
        if missing:
            Tag.objects.bulk_create(missing, ignore_conflicts=True)
            existing = {
                t.name: t
                for t in Tag.objects.filter(workspace_id=conversation.workspace_id, name__in=added)
            }
        conversation.tags.add(*existing.values())
    _save(conversation, [])
    timeline.tags_changed(conversation, by, added, removed)
    publish(
        ConversationUpdated(
            workspace_id=conversation.workspace_id,
            conversation_id=conversation.pk,
            fields=("tags",),
        )
    )
    return conversation


@transaction.atomic
def update_conversation(
    conversation: Conversation,
    by: Agent | None,
    *,
    status: str | None = None,
    snoozed_until: datetime | None = None,
    assignee: Agent | None = _UNSET,
    team: Team | None = _UNSET,
    priority: int | None = None,
    tags: list[str] | None = None,
) -> Conversation:
    """Several triage changes at once (the API's PATCH): all apply or none does."""
    if status is not None:
        set_status(conversation, by, status, snoozed_until=snoozed_until)
    if assignee is not _UNSET or team is not _UNSET:
        assign(conversation, by, assignee=assignee, team=team)
    if priority is not None:
        set_priority(conversation, by, priority)
    if tags is not None:
        set_tags(conversation, by, tags)
    return conversation
