"""Read-side lookups for agents and tokens."""

from __future__ import annotations

from typing import Any

from sportello.accounts.models import (
    Agent,
    AgentAvatar,
    ApiToken,
    RecoveryCode,
    Role,
    SignInPolicy,
    Team,
    TwoFactor,
    User,
)
from sportello.core import sql
from sportello.core.queries import workspace

_TOKEN = sql.RowReader(ApiToken, "token")
_AGENT = sql.RowReader(Agent, "agent")
_USER = sql.RowReader(User, "person")
_TOKEN_SQL = (
    f"SELECT {_TOKEN.select}, {_AGENT.select}, {_USER.select}"
    f" FROM {ApiToken._meta.db_table} token"
    f" JOIN {Agent._meta.db_table} agent ON agent.id = token.agent_id"
    f" JOIN {User._meta.db_table} person ON person.id = agent.user_id"
    " WHERE token.key_hash = %s AND agent.is_active AND person.is_active"
)


def agent_for_token(key: str) -> ApiToken | None:
    """The token with its agent and the agent's user (their workspace is read when used):
    asked on every API call, so one plain query (``sql.RowReader``) rather than a compiled
    ``select_related`` (docs/adr/0013)."""
    if not _plausible(key):
        return None
    row = sql.fetchone(_TOKEN_SQL, [ApiToken.hash_key(key)])
    return None if row is None else _token(row)


def _plausible(key: str) -> bool:
    return bool(key) and len(key) <= 200


def _token(row: tuple[Any, ...]) -> ApiToken:
    token, agent, person = sql.RowReader.build_all(row, _TOKEN, _AGENT, _USER)
    Agent.user.field.set_cached_value(agent, person)
    ApiToken.agent.field.set_cached_value(token, agent)
    return token  # type: ignore[no-any-return]


_USER_SQL = (
    f"SELECT {_USER.select}, {_AGENT.select}"
    f" FROM {User._meta.db_table} person"
    f" LEFT JOIN {Agent._meta.db_table} agent ON agent.id = ("
    f"SELECT earliest.id FROM {Agent._meta.db_table} earliest"
    " WHERE earliest.user_id = person.id AND earliest.is_active ORDER BY earliest.id LIMIT 1)"
    " WHERE person.id = %s"
)


def user_with_agent(user_id: int) -> User | None:
    """A signed-in user, with the agent profile of their first workspace already found
    (``agent_for_user`` answers from it): every page of the agent UI needs both, so one
    plain query and the workspace's (``core.queries.workspace``)."""
    row = sql.fetchone(_USER_SQL, [user_id])
    if row is None:
        return None
    person, agent = sql.RowReader.build_all(row, _USER, _AGENT)
    if agent is not None:
        Agent.user.field.set_cached_value(agent, person)
        Agent.workspace.field.set_cached_value(agent, workspace(agent.workspace_id))
    person.first_agent = agent
    return person  # type: ignore[no-any-return]


def agent_for_user(user: User, workspace_id: int | None = None) -> Agent | None:
    """The user's agent profile: in ``workspace_id`` if given, else their first workspace."""
    if not user.is_authenticated:
        return None
    if workspace_id is None and hasattr(user, "first_agent"):
        return user.first_agent  # type: ignore[no-any-return]
    agents = Agent.objects.select_related("workspace", "user").filter(user=user, is_active=True)
    if workspace_id is not None:
        agents = agents.filter(workspace_id=workspace_id)
    return agents.order_by("id").first()


_TEAM = sql.RowReader(Team, "team")
_AGENTS_SQL = _AGENT.where(
    "agent.workspace_id = %s AND agent.is_active", "agent.display_name, agent.id"
)
_TEAMS_SQL = _TEAM.where("team.workspace_id = %s", "team.name, team.id")


def workspace_agents(workspace_id: int) -> list[Agent]:
    """The workspace's active agents by name: the assignee choices of every inbox and
    conversation page, so a plain query (``sql.RowReader``)."""
    return _AGENT.build_rows(sql.fetchall(_AGENTS_SQL, [workspace_id]))


def workspace_teams(workspace_id: int) -> list[Team]:
    return _TEAM.build_rows(sql.fetchall(_TEAMS_SQL, [workspace_id]))


def team_ids_of(agent: Agent | None) -> list[int]:
    """The ids of the teams ``agent`` is a member of."""
    return list(Team.objects.filter(members=agent).values_list("pk", flat=True))


def active_agent_in(workspace_id: int, agent_id: int) -> Agent | None:
    return Agent.objects.filter(workspace_id=workspace_id, pk=agent_id, is_active=True).first()


def team_in(workspace_id: int, team_id: int) -> Team | None:
    return Team.objects.filter(workspace_id=workspace_id, pk=team_id).first()


def configured_workspace_ids(user: User) -> list[int]:
    """The workspaces ``user`` may configure: those where they are an active admin agent.
    The Django admin is scoped to them (``accounts.scoped_admin``)."""
    if not user.is_authenticated:
        return []
    admins = Agent.objects.filter(user=user, is_active=True, role=Role.ADMIN)
    return list(admins.order_by("workspace_id").values_list("workspace_id", flat=True))


def tokens_of(agent: Agent) -> list[ApiToken]:
    """The agent's own API tokens, newest first (their profile, ``GET /tokens``)."""
    return list(ApiToken.objects.filter(agent=agent).select_related("agent").order_by("-id"))


def workspace_tokens(workspace_id: int) -> list[ApiToken]:
    """Every API token of the workspace, newest first: what its admins may revoke."""
    tokens = ApiToken.objects.filter(workspace_id=workspace_id).select_related("agent")
    return list(tokens.order_by("-id"))


def token_for(agent: Agent, token_id: int) -> ApiToken | None:
    """Token ``token_id`` if ``agent`` may revoke it: their own, or any of the workspace's
    for an admin."""
    tokens = ApiToken.objects.filter(workspace_id=agent.workspace_id, pk=token_id)
    if not agent.can_configure:
        tokens = tokens.filter(agent=agent)
    return tokens.select_related("agent").first()


def agent_for_email(email: str) -> Agent | None:
    """The first active agent of the active login ``email``: whose language a password
    reset email speaks."""
    agents = Agent.objects.filter(
        user__email=email.strip().lower(), user__is_active=True, is_active=True
    )
    return agents.order_by("id").first()


def two_factor_of(user: User) -> TwoFactor | None:
    """The login's second factor, enabled or still being set up, or None."""
    return TwoFactor.objects.filter(user=user).first()


def two_factor_enabled(user: User) -> bool:
    return TwoFactor.objects.filter(user=user, confirmed_at__isnull=False).exists()


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def requires_two_factor(workspace_id: int) -> bool:
    """Whether the workspace's admins require two-factor authentication of every agent."""
    return SignInPolicy.objects.filter(workspace_id=workspace_id, require_two_factor=True).exists()


def avatar_names(agent_ids: set[int]) -> dict[int, str]:
    """The public name of each of these agents' pictures (agents without one are absent)."""
    if not agent_ids:
        return {}
    # Plain SQL (docs/adr/0005): each reply pushed to a chat widget and each poll asks.
    marks = ", ".join(["%s"] * len(agent_ids))
    rows = sql.fetchall(
        f"SELECT agent_id, name FROM {AgentAvatar._meta.db_table} WHERE agent_id IN ({marks})",
        sorted(agent_ids),
    )
    return {int(agent_id): str(name) for agent_id, name in rows}


def avatar_named(name: str) -> tuple[str, bytes] | None:
    """A picture by its public name: (content type, bytes)."""
    row = AgentAvatar.objects.filter(name=name).values_list("content_type", "content").first()
    return None if row is None else (str(row[0]), bytes(row[1]))
