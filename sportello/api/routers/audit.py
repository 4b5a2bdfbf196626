from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Schema

from sportello.api import present
from sportello.api.auth import current_agent
from sportello.api.schemas import AuditPage, Error, Moment, ValidationErrorOut
from sportello.audit.models import ActorKind
from sportello.audit.queries import AuditFilter, audit_entries
from sportello.core.errors import InvalidInput, PermissionDenied
from sportello.core.ids import parse_id

router = Router(tags=["audit"])


class AuditQuery(Schema):
    action: str | None = None
    actor: str | None = None
    since: Moment | None = None
    until: Moment | None = None
    cursor: str | None = None
    limit: int = 50


def audit_filter(query: AuditQuery) -> AuditFilter:
    """``actor``: an agent's id, or ``system`` / ``operator``."""
    agent_id, kind = None, ""
    if query.actor:
        if query.actor in (ActorKind.SYSTEM, ActorKind.OPERATOR):
            kind = query.actor
        elif (agent_id := parse_id(query.actor)) is None:
            raise InvalidInput("actor: an agent's id, 'system' or 'operator'")
    return AuditFilter(
        action=(query.action or "").strip()[:64],
        actor_agent_id=agent_id,
        actor_kind=kind,
        since=query.since,
        until=query.until,
    )


@router.get("", response={200: AuditPage, 401: Error, 403: Error, 422: ValidationErrorOut})
def list_(request: HttpRequest, filters: Query[AuditQuery]):  # type: ignore[no-untyped-def]
    """The workspace's audit log, newest first (admins): configuration changes, tokens,
    exports, erasures, retention runs. Filter by `action` (`channel.updated`, or a family:
    `channel`), `actor` (an agent id, `system`, `operator`) and `since`/`until`."""
    agent = current_agent(request)
    if not agent.can_configure:
        raise PermissionDenied("only admins read the audit log")
    before = None
    if filters.cursor and (before := parse_id(filters.cursor)) is None:
        raise InvalidInput("the cursor is not valid; start again from the first page")
    entries = audit_entries(agent.workspace_id, audit_filter(filters), before_id=before)
    limit = max(1, min(filters.limit, 200))
    rows = list(entries[: limit + 1])
    next_cursor = str(rows[limit - 1].pk) if len(rows) > limit else None
    return present.answer(
        {"items": [present.audit_entry(e) for e in rows[:limit]], "next_cursor": next_cursor}
    )
