"""Read-side lookups the agent UI needs that no app's ``queries`` offers yet.

``workspace_teams`` belongs in ``sportello.accounts.queries``; it lives here until it moves
there, so that views still never build a query themselves.
"""

from __future__ import annotations

from sportello.accounts.models import Team


def workspace_teams(workspace_id: int) -> list[Team]:
    return list(Team.objects.filter(workspace_id=workspace_id).order_by("name"))
