"""The audit log as admins read it: the API and the agent UI share this."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from sportello.audit.models import AuditEntry


@dataclass(frozen=True)
class AuditFilter:
    action: str = ""
    actor_agent_id: int | None = None
    actor_kind: str = ""
    since: datetime | None = None
    until: datetime | None = None


def audit_entries(
    workspace_id: int, where: AuditFilter, *, before_id: int | None = None
) -> QuerySet[AuditEntry]:
    """The workspace's entries, newest first, narrowed by ``where``; ``before_id`` is the
    cursor (the last id of the previous page). ``action`` matches a verb (``channel.updated``)
    or a family (``channel``)."""
    entries = AuditEntry.objects.filter(workspace_id=workspace_id)
    if where.action:
        if "." in where.action:
            entries = entries.filter(action=where.action)
        else:
            entries = entries.filter(action__startswith=f"{where.action}.")
    if where.actor_agent_id is not None:
        entries = entries.filter(actor_agent_id=where.actor_agent_id)
    if where.actor_kind:
        entries = entries.filter(actor_kind=where.actor_kind)
    if where.since is not None:
        entries = entries.filter(at__gte=where.since)
    if where.until is not None:
        entries = entries.filter(at__lt=where.until)
    if before_id is not None:
        entries = entries.filter(pk__lt=before_id)
    return entries.order_by("-pk")


def audit_actions(workspace_id: int) -> list[str]:
    """The verbs recorded in the workspace, for the filter's menu."""
    return sorted(
        AuditEntry.objects.filter(workspace_id=workspace_id)
        .values_list("action", flat=True)
        .distinct()
    )
