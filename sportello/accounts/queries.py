"""Read-side lookups for agents and tokens."""

from __future__ import annotations

from sportello.accounts.models import Agent, ApiToken, Team, User


def agent_for_token(key: str) -> ApiToken | None:
    if not key or len(key) > 200:
        return None
    return (
        ApiToken.objects.select_related("agent", "agent__user", "agent__workspace")
        .filter(key_hash=ApiToken.hash_key(key), agent__is_active=True, agent__user__is_active=True)
        .first()
    )


def agent_for_user(user: User, workspace_id: int | None = None) -> Agent | None:
    """The user's agent profile: in ``workspace_id`` if given, else their first workspace."""
    if not user.is_authenticated:
        return None
    agents = Agent.objects.select_related("workspace", "user").filter(user=user, is_active=True)
    if workspace_id is not None:
        agents = agents.filter(workspace_id=workspace_id)
    return agents.order_by("id").first()


def workspace_agents(workspace_id: int) -> list[Agent]:
    return list(
        Agent.objects.filter(workspace_id=workspace_id, is_active=True).order_by("display_name")
    )


def workspace_teams(workspace_id: int) -> list[Team]:
    return list(Team.objects.filter(workspace_id=workspace_id).order_by("name"))


def active_agent_in(workspace_id: int, agent_id: int) -> Agent | None:
    return Agent.objects.filter(workspace_id=workspace_id, pk=agent_id, is_active=True).first()


def team_in(workspace_id: int, team_id: int) -> Team | None:
    return Team.objects.filter(workspace_id=workspace_id, pk=team_id).first()
