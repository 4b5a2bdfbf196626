"""The only writer of the audit log."""

from __future__ import annotations

from typing import Any

from sportello.audit.actors import Actor, actor_in
from sportello.audit.models import AuditEntry
from sportello.core import clock

# Keys whose values never enter an entry, whatever a caller passes: the log is read by
# every admin and kept for years.
_SECRET_WORDS = ("password", "secret", "token", "key")


def record(
    workspace_id: int,
    action: str,
    *,
    target_type: str = "",
    target_id: int | None = None,
    detail: dict[str, Any] | None = None,
    actor: Actor | None = None,
) -> AuditEntry:
    """Record that ``action`` (a dotted verb: ``channel.updated``, ``customer.erased``)
    happened to a target in the workspace, by ``actor`` or whoever is acting now
    (``actors.acting_as``). Call it inside the transaction of the change, so that both
    are kept or neither is. ``detail``: names and counts; a key naming a secret is
    dropped."""
    who = actor or actor_in(workspace_id)
    return AuditEntry.objects.create(
        workspace_id=workspace_id,
        at=clock.now(),
        actor_kind=who.kind,
        actor_agent_id=who.agent_id,
        actor_name=who.name[:200],
        action=action[:64],
        target_type=target_type[:40],
        target_id=target_id,
        detail=_without_secrets(detail or {}),
        ip=who.ip,
    )


def _without_secrets(detail: dict[str, Any]) -> dict[str, Any]:
    return {
        key: value
        for key, value in detail.items()
        if not any(word in key.lower() for word in _SECRET_WORDS)
    }
