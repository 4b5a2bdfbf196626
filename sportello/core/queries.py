"""Read-side lookups of workspaces."""

from __future__ import annotations

from sportello.core import sql
from sportello.core.models import Workspace

_WORKSPACE = sql.RowReader(Workspace, "workspace")
_WORKSPACE_SQL = _WORKSPACE.where("workspace.id = %s")


def workspace(workspace_id: int) -> Workspace:
    """The workspace, read for every page of the agent UI (its time zone, its name): one
    plain query (``sql.RowReader``)."""
    row = sql.fetchone(_WORKSPACE_SQL, [workspace_id])
    if row is None:
        raise Workspace.DoesNotExist(f"workspace {workspace_id} not found")
    found: Workspace = _WORKSPACE.build(row)
    return found
