"""``sportello customers dedupe``: duplicate suggestions for an imported list, in bulk."""

from __future__ import annotations

import json
import sys
import time

from sportello.core.models import Workspace
from sportello.customers.actions.duplicates import dedupe_workspace


def dedupe_command(workspace_slug: str | None) -> int:
    """Compute every customer's blocking keys and suggestions, workspace by workspace (one
    named by its slug, or all); prints one JSON line a workspace with the counts and the
    seconds it took."""
    workspaces = Workspace.objects.order_by("pk")
    if workspace_slug:
        workspaces = workspaces.filter(slug=workspace_slug)
        if not workspaces.exists():
            print(f"workspace {workspace_slug!r} not found", file=sys.stderr)
            return 1
    for workspace in workspaces:
        started = time.perf_counter()
        counts = dedupe_workspace(workspace.pk)
        seconds = round(time.perf_counter() - started, 3)
        print(json.dumps({"workspace": workspace.slug, **counts, "seconds": seconds}))
    return 0
