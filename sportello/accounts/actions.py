"""The only writers of agents, teams and API tokens."""

from __future__ import annotations

import logging
import secrets
import zoneinfo
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.db import transaction
from django.utils import timezone

from sportello.accounts.models import Agent, ApiToken, Role, Team, User
from sportello.audit.actions import record
from sportello.audit.actors import Actor, actor_in
from sportello.audit.models import ActorKind
from sportello.core import clock
from sportello.core.errors import InvalidInput
from sportello.core.models import Workspace

log = logging.getLogger("sportello.security")

MAX_TOKEN_NAME = 120


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


@dataclass(frozen=True)
class IssuedToken:
    """A new token and its key: the key exists only here, to be shown once."""

    token: ApiToken
    key: str


@transaction.atomic
def create_token(agent: Agent, name: str, lifetime_days: int | None = None) -> IssuedToken:
    """Create a named API token for ``agent`` that expires after ``lifetime_days`` (the
    ``TOKEN_LIFETIME_DAYS`` setting when not given, at most ``TOKEN_MAX_LIFETIME_DAYS``).

    The audit log names the token by its prefix, as the admin lists it, and its issuer: who
    is acting, or the agent when nobody is (signing in to the API)."""
    name = " ".join(name.split())
    if not name:
        raise InvalidInput("a token needs a name (say which integration will use it)")
    if len(name) > MAX_TOKEN_NAME:
        raise InvalidInput(f"a token's name has at most {MAX_TOKEN_NAME} characters")
    days = settings.TOKEN_LIFETIME_DAYS if lifetime_days is None else lifetime_days
    if not 1 <= days <= settings.TOKEN_MAX_LIFETIME_DAYS:
        raise InvalidInput(
            f"a token lives from 1 to {settings.TOKEN_MAX_LIFETIME_DAYS} days, not {days}"
        )
    key = ApiToken.generate_key()
    token = ApiToken.objects.create(
        workspace_id=agent.workspace_id,
        agent=agent,
        name=name,
        key_hash=ApiToken.hash_key(key),
        prefix=key[4:10],
        expires_at=clock.now() + timedelta(days=days),
    )
    log.info("API token %r (%s) created for agent %s", name, token.prefix, agent.pk)
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
    return IssuedToken(token, key)


def issue_token(agent: Agent, name: str = "api") -> str:
    """Create an API token for ``agent`` with the default lifetime and return its key."""
    return create_token(agent, name).key


@transaction.atomic
def revoke_token(token: ApiToken) -> None:
    """Revoke a token: it is deleted, so its key answers 401 from the next call on."""
    log.info("API token %r (%s) of agent %s revoked", token.name, token.prefix, token.agent_id)
    record(
        token.workspace_id,
        "token.revoked",
        target_type="apitoken",
        target_id=token.pk,
        detail={"name": token.name, "prefix": token.prefix, "agent_id": token.agent_id},
    )
    token.delete()


def touch_token(token: ApiToken) -> None:
    now = timezone.now()
    # One write a minute at most: the hot path of every API call must stay read-only.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


@transaction.atomic
def change_password(user: User, password: str) -> int:
    """Set ``user``'s password after Django's validators, and revoke every API token of
    their agents, in every workspace: whoever knew the old password may have made one.
    Their other sessions end as well (Django's session hash follows the password); the
    caller keeps its own with ``update_session_auth_hash``. Returns the tokens revoked."""
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    revoked, _ = ApiToken.objects.filter(agent__user=user).delete()
    log.info("password of user %s changed; %d API tokens revoked", user.pk, revoked)
    return revoked


@transaction.atomic
def update_profile(
    agent: Agent, *, display_name: str, language: str, time_zone: str, signature: str
) -> Agent:
    """What an agent may change about themselves: how they are named, the language and
    time zone their pages use, and the signature under their email replies."""
    display_name = " ".join(display_name.split())
    if not display_name or len(display_name) > 120:
        raise InvalidInput("a display name has 1 to 120 characters")
    if language not in dict(settings.LANGUAGES):
        raise InvalidInput(f"unknown language {language!r}")
    if time_zone not in zoneinfo.available_timezones():
        raise InvalidInput(f"unknown time zone {time_zone!r}")
    agent.display_name = display_name
    agent.language = language
    agent.time_zone = time_zone
    agent.signature = signature.strip()
    agent.save(update_fields=["display_name", "language", "time_zone", "signature", "updated_at"])
    return agent


def create_team(workspace: Workspace, name: str, members: list[Agent] | None = None) -> Team:
    team, _ = Team.objects.get_or_create(workspace=workspace, name=name)
    if members:
        team.members.add(*members)
    return team
