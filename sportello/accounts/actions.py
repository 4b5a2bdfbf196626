"""The only writers of agents, teams and API tokens."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone

from sportello.accounts.models import Agent, ApiToken, Role, Team, User
from sportello.audit.actions import record
from sportello.audit.actors import Actor, actor_in
from sportello.audit.models import ActorKind
from sportello.core.errors import InvalidInput
from sportello.core.models import Workspace


@transaction.atomic
def create_agent(
    workspace: Workspace,
    *,
    email: str,
    password: str | None,
    display_name: str = "",
    role: str = Role.AGENT,
    language: str | None = None,
    time_zone: str | None = None,
) -> Agent:
    """Create (or reuse) the login for ``email`` and make it an agent of ``workspace``.

    An admin's login is staff, so that it may sign in to the Django admin, which shows it
    its own workspaces only; it is never made a superuser (that is the operator:
    :func:`create_operator`, docs/adr/0014).
    """
    email = email.strip().lower()
    if not email or "@" not in email:
        raise InvalidInput("an agent needs a valid email address")
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, password)
    if role == Role.ADMIN and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    agent, _ = Agent.objects.get_or_create(
        workspace=workspace,
        user=user,
        defaults={
            "display_name": display_name or email.split("@")[0],
            "role": role,
            "language": language or workspace.language,
            "time_zone": time_zone or workspace.time_zone,
        },
    )
    return agent


def ensure_admin(workspace: Workspace, email: str, password: str) -> tuple[Agent, str | None]:
    """First-run admin: returns the agent and the generated password, if one was made."""
    generated = None
    if not password:
        generated = password = secrets.token_urlsafe(12)
    existing = User.objects.filter(email=email.lower()).first()
    agent = create_agent(
        workspace, email=email, password=password, display_name="Admin", role=Role.ADMIN
    )
    if existing is not None:
        generated = None
    return agent, generated


@transaction.atomic
def create_operator(email: str, password: str) -> User:
    """The installation's operator: a superuser with no agent, who sees every workspace in
    the Django admin (``sportello createadmin --operator``). An existing login is promoted,
    and its password replaced."""
    email = email.strip().lower()
    if not email or "@" not in email:
        raise InvalidInput("an operator needs a valid email address")
    user = User.objects.filter(email=email).first()
    if user is None:
        return User.objects.create_superuser(email, password)
    user.is_staff = user.is_superuser = True
    user.set_password(password)
    user.save(update_fields=["is_staff", "is_superuser", "password"])
    return user


@transaction.atomic
def issue_token(agent: Agent, name: str = "api") -> str:
    """Create an API token for ``agent`` and return its key, which is never stored. The
    audit log names the token by its prefix, as the admin lists it, and its issuer: who is
    acting, or the agent when nobody is (signing in to the API)."""
    key = ApiToken.generate_key()
    token = ApiToken.objects.create(
        workspace_id=agent.workspace_id,
        agent=agent,
        name=name,
        key_hash=ApiToken.hash_key(key),
        prefix=key[4:10],
    )
    who = actor_in(agent.workspace_id)
    if who.kind == ActorKind.SYSTEM:  # nobody signed in: the agent's own login
        who = Actor(ActorKind.AGENT, agent.display_name, agent.pk, who.ip)
    record(
        agent.workspace_id,
        "token.issued",
        target_type="apitoken",
        target_id=token.pk,
        detail={"name": name, "prefix": token.prefix, "agent_id": agent.pk},
        actor=who,
    )
    return key


def touch_token(token: ApiToken) -> None:
    now = timezone.now()
    # One write a minute at most: the hot path of every API call must stay read-only.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def create_team(workspace: Workspace, name: str, members: list[Agent] | None = None) -> Team:
    team, _ = Team.objects.get_or_create(workspace=workspace, name=name)
    if members:
        team.members.add(*members)
    return team
