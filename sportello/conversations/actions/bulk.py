"""Triage of many conversations at once: the inbox's selected rows, the API's bulk call.

Each conversation goes through the same actions as a single change (``manage``), in its own
transaction: its timeline records who changed what, its events reach every open page, and
one that cannot change (gone, another workspace's) is refused without undoing the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from sportello.accounts.models import Agent, Team
from sportello.conversations.actions.manage import (
    MAX_TAGS,
    assign,
    normalize_tag,
    set_status,
    set_tags,
)
from sportello.conversations.models import Conversation, Status
from sportello.core.errors import InvalidInput, SportelloError

UNSET: Any = object()
# One page of the inbox at most (its largest page is 100 rows).
MAX_BULK = 100
BULK_STATUSES = (Status.OPEN, Status.PENDING, Status.RESOLVED)
NOT_FOUND = "not found in this workspace"


@dataclass(frozen=True)
class Refused:
    id: int
    reason: str


@dataclass
class BulkResult:
    """The ids changed (or already as asked), and those refused with a reason."""

    updated: list[int] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)


def bulk_update(
    workspace_id: int,
    by: Agent | None,
    ids: Sequence[int],
    *,
    assignee: Agent | None = UNSET,
    team: Team | None = UNSET,
    status: str | None = None,
    add_tags: Sequence[str] = (),
) -> BulkResult:
    """Apply the same triage to each of ``ids`` (the workspace's conversations; any other
    id is refused as not found). What is asked is checked before anything is written: an
    unknown status, a bad tag, an assignee or team of another workspace refuse the whole
    call (``InvalidInput``)."""
    wanted = list(dict.fromkeys(int(i) for i in ids))
    if not wanted:
        raise InvalidInput("ids must name at least one conversation")
    if len(wanted) > MAX_BULK:
        raise InvalidInput(f"at most {MAX_BULK} conversations at once")
    if status is not None and status not in BULK_STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(BULK_STATUSES)}")
    tags = list(dict.fromkeys(normalize_tag(name) for name in add_tags))
    if len(tags) > MAX_TAGS:
        raise InvalidInput(f"at most {MAX_TAGS} tags")
    for given, what in ((assignee, "assignee"), (team, "team")):
        if given not in (UNSET, None) and given.workspace_id != workspace_id:
            raise InvalidInput(f"the {what} belongs to another workspace")
    if assignee is UNSET and team is UNSET and status is None and not tags:
        raise InvalidInput("nothing to change: give an assignee, a team, a status or tags")
    who: dict[str, Any] = {
        name: value
        for name, value in (("assignee", assignee), ("team", team))
        if value is not UNSET
    }
    found = {
        c.pk: c
        for c in Conversation.objects.select_related("assignee", "team").filter(
            workspace_id=workspace_id, pk__in=wanted
        )
    }
    result = BulkResult()
    for pk in wanted:
        conversation = found.get(pk)
        if conversation is None:
            result.refused.append(Refused(pk, NOT_FOUND))
            continue
        try:
            with transaction.atomic():
                if status is not None:
                    set_status(conversation, by, status)
                if who:
                    assign(conversation, by, **who)
                if tags:
                    current = [t.name for t in conversation.tags.all()]
                    set_tags(conversation, by, [*current, *tags])
        except SportelloError as exc:
            result.refused.append(Refused(pk, exc.message))
        else:
            result.updated.append(pk)
    return result
