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
from django.utils.translation import gettext as _

from sportello.accounts import totp
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
from sportello.audit.actions import record
from sportello.audit.actors import Actor, actor_in
from sportello.audit.models import ActorKind
from sportello.core import clock
from sportello.core.errors import Conflict, InvalidInput
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


# An avatar is shown at 32 pixels: a small picture, of a type every browser shows and none
# that can carry a script (no SVG). The type is read from the bytes, never from the upload.
MAX_AVATAR_BYTES = 256 * 1024
AVATAR_TYPES = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
}


def avatar_type(content: bytes) -> str | None:
    """The picture's type proven by its first bytes (PNG, JPEG or WebP), else None."""
    if content.startswith(b"RIFF") and content[8:12] == b"WEBP":
        return "image/webp"
    return next((kind for magic, kind in AVATAR_TYPES.items() if content.startswith(magic)), None)


def set_avatar(agent: Agent, content: bytes) -> AgentAvatar:
    """The agent's new picture (replacing the old one, under a new public name)."""
    if len(content) > MAX_AVATAR_BYTES:
        raise InvalidInput(
            _("The picture is too large (at most %(kb)d KB).") % {"kb": MAX_AVATAR_BYTES // 1024}
        )
    content_type = avatar_type(content)
    if content_type is None:
        raise InvalidInput(_("The picture must be a PNG, JPEG or WebP image."))
    avatar, _created = AgentAvatar.objects.update_or_create(
        agent=agent,
        defaults={
            "workspace_id": agent.workspace_id,
            "name": secrets.token_urlsafe(24),
            "content_type": content_type,
            "content": content,
        },
    )
    return avatar


def remove_avatar(agent: Agent) -> None:
    """Back to the initials of the agent's display name."""
    AgentAvatar.objects.filter(agent=agent).delete()


def create_team(workspace: Workspace, name: str, members: list[Agent] | None = None) -> Team:
    team, _ = Team.objects.get_or_create(workspace=workspace, name=name)
    if members:
        team.members.add(*members)
    return team


# --- two-factor authentication ------------------------------------------------------------

RECOVERY_CODES = 10


def _audit_user(user: User, action: str, detail: dict[str, object] | None = None) -> None:
    """One audit entry in each workspace the login works for: each admin sees it."""
    for agent in Agent.objects.filter(user=user).only("pk", "workspace_id", "display_name"):
        who = actor_in(agent.workspace_id)
        if who.kind == ActorKind.SYSTEM:  # signing in: nobody is yet, the person is
            who = Actor(ActorKind.AGENT, agent.display_name, agent.pk, who.ip)
        record(
            agent.workspace_id,
            action,
            target_type="agent",
            target_id=agent.pk,
            detail={"agent_id": agent.pk, **(detail or {})},
            actor=who,
        )


@transaction.atomic
def begin_two_factor(user: User) -> TwoFactor:
    """A new secret for ``user`` to put in an authenticator app, not yet required at sign-in
    (:func:`confirm_two_factor` turns it on). Starting again replaces an unconfirmed secret;
    an enabled one stays until it is disabled."""
    existing = TwoFactor.objects.select_for_update().filter(user=user).first()
    if existing is not None and existing.is_enabled:
        raise InvalidInput("two-factor authentication is already on")
    if existing is not None:
        existing.secret = totp.new_secret()
        existing.save(update_fields=["secret"])
        return existing
    return TwoFactor.objects.create(user=user, secret=totp.new_secret())


def _new_recovery_codes(user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = [
        "-".join(secrets.token_hex(5)[i : i + 5] for i in (0, 5)) for _ in range(RECOVERY_CODES)
    ]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, code_hash=RecoveryCode.hash_code(code)) for code in codes
    )
    return codes


@transaction.atomic
def confirm_two_factor(user: User, code: str) -> list[str]:
    """Turn two-factor on once ``code`` proves the app holds the secret; returns the ten
    recovery codes, to be shown once (only their hashes are kept)."""
    pending = TwoFactor.objects.select_for_update().filter(user=user).first()
    if pending is None or pending.is_enabled:
        raise InvalidInput("no two-factor enrolment is waiting for a code")
    step = totp.matching_step(pending.secret, code, clock.now())
    if step is None:
        raise InvalidInput("the code is not the one the app shows now")
    pending.confirmed_at = clock.now()
    pending.last_step = step
    pending.save(update_fields=["confirmed_at", "last_step"])
    codes = _new_recovery_codes(user)
    log.info("two-factor authentication enabled for user %s", user.pk)
    _audit_user(user, "two_factor.enabled")
    return codes


@transaction.atomic
def verify_second_factor(user: User, code: str) -> bool:
    """Whether ``code`` is the app's code now (never one already used) or an unused
    recovery code, which is then spent. The caller counts a False as a failed sign-in."""
    factor = TwoFactor.objects.select_for_update().filter(user=user).first()
    if factor is None or not factor.is_enabled:
        return False
    step = totp.matching_step(factor.secret, code, clock.now(), after=factor.last_step)
    if step is not None:
        factor.last_step = step
        factor.save(update_fields=["last_step"])
        return True
    cleaned = totp.clean_code(code)
    if len(cleaned) != 10:
        return False
    spent = RecoveryCode.objects.filter(
        user=user, code_hash=RecoveryCode.hash_code(cleaned), used_at__isnull=True
    ).update(used_at=clock.now())
    if spent:
        left = RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()
        log.warning("user %s signed in with a recovery code; %d left", user.pk, left)
        _audit_user(user, "two_factor.recovery_code_used", {"codes_left": left})
    return bool(spent)


@transaction.atomic
def regenerate_recovery_codes(user: User, code: str) -> list[str]:
    """Ten new recovery codes in place of the old ones (used or not), for an agent who has
    spent some or fears they were seen; ``code`` (the app's, or a recovery code) proves
    the phone is at hand, so a session left open is not enough. Shown once, as on
    enrolment."""
    if not verify_second_factor(user, code):
        raise InvalidInput("the code is not right")
    codes = _new_recovery_codes(user)
    log.info("recovery codes regenerated for user %s", user.pk)
    _audit_user(user, "two_factor.recovery_codes_regenerated")
    return codes


@transaction.atomic
def disable_two_factor(user: User, *, password: str, code: str) -> None:
    """Turn two-factor off: the password and a code (or a recovery code) both, so that a
    session left open is not enough."""
    if not user.check_password(password):
        raise InvalidInput("the password is not right")
    if not verify_second_factor(user, code):
        raise InvalidInput("the code is not right")
    TwoFactor.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    log.info("two-factor authentication disabled for user %s", user.pk)
    _audit_user(user, "two_factor.disabled")


@transaction.atomic
def set_sign_in_policy(workspace_id: int, *, require_two_factor: bool) -> SignInPolicy:
    """Whether every agent of the workspace must use two-factor authentication: those
    without it are sent to enrolment after their next sign-in."""
    policy, _ = SignInPolicy.objects.get_or_create(workspace_id=workspace_id)
    if policy.require_two_factor != require_two_factor:
        policy.require_two_factor = require_two_factor
        policy.save(update_fields=["require_two_factor"])
        record(
            workspace_id,
            "sign_in_policy.updated",
            target_type="workspace",
            target_id=workspace_id,
            detail={"require_two_factor": require_two_factor},
        )
    return policy


# --- agents and teams, as a workspace's admin manages them -------------------------------------


@transaction.atomic
def invite_agent(
    workspace: Workspace,
    *,
    email: str,
    display_name: str = "",
    role: str = Role.AGENT,
    team_ids: list[int] | None = None,
) -> tuple[Agent, bool]:
    """Make ``email`` an agent of ``workspace``. A new login has no usable password: the
    invitation's one-time link (Django's password-reset token, which expires after
    ``PASSWORD_RESET_TIMEOUT`` and dies once a password is set) lets them choose one.
    Returns the agent and whether they were new to the workspace."""
    if role not in Role.values:
        raise InvalidInput(f"unknown role {role!r}")
    email = email.strip().lower()
    existed = Agent.objects.filter(workspace=workspace, user__email=email).exists()
    if existed:
        raise Conflict(f"{email} is an agent of this workspace already")
    agent = create_agent(
        workspace, email=email, password=None, display_name=display_name.strip(), role=role
    )
    if team_ids:
        set_agent_teams(agent, team_ids)
    record(
        workspace.pk,
        "agent.invited",
        target_type="agent",
        target_id=agent.pk,
        detail={"email": email, "role": role},
    )
    return agent, True


def _other_active_admins(agent: Agent) -> bool:
    return (
        Agent.objects.filter(workspace_id=agent.workspace_id, role=Role.ADMIN, is_active=True)
        .exclude(pk=agent.pk)
        .exists()
    )


@transaction.atomic
def change_agent(agent: Agent, *, role: str | None = None, is_active: bool | None = None) -> Agent:
    """An admin changes an agent's role or switches them off (a switched-off agent cannot
    sign in to this workspace; their conversations and history stay). The workspace keeps
    at least one active admin."""
    fields = []
    if role is not None and role != agent.role:
        if role not in Role.values:
            raise InvalidInput(f"unknown role {role!r}")
        if agent.role == Role.ADMIN and not _other_active_admins(agent):
            raise Conflict("the workspace needs at least one admin")
        agent.role = role
        fields.append("role")
        if role == Role.ADMIN and not agent.user.is_staff:
            agent.user.is_staff = True
            agent.user.save(update_fields=["is_staff"])
    if is_active is not None and is_active != agent.is_active:
        if not is_active and agent.role == Role.ADMIN and not _other_active_admins(agent):
            raise Conflict("the workspace needs at least one admin")
        agent.is_active = is_active
        fields.append("is_active")
    if fields:
        agent.save(update_fields=[*fields, "updated_at"])
        record(
            agent.workspace_id,
            "agent.updated",
            target_type="agent",
            target_id=agent.pk,
            detail={"role": agent.role, "is_active": agent.is_active, "fields": fields},
        )
    return agent


@transaction.atomic
def set_agent_teams(agent: Agent, team_ids: list[int]) -> None:
    """The agent's teams are exactly these (teams of the agent's workspace only)."""
    teams = list(Team.objects.filter(workspace_id=agent.workspace_id, pk__in=team_ids))
    if len(teams) != len(set(team_ids)):
        raise InvalidInput("unknown team")
    agent.teams.set(teams)


@transaction.atomic
def save_team(workspace_id: int, name: str, team: Team | None = None) -> Team:
    """Create a team, or rename ``team``; names are unique in a workspace."""
    name = " ".join(name.split())
    if not name or len(name) > 120:
        raise InvalidInput("a team's name has 1 to 120 characters")
    clash = Team.objects.filter(workspace_id=workspace_id, name__iexact=name)
    if team is not None:
        clash = clash.exclude(pk=team.pk)
    if clash.exists():
        raise Conflict(f"a team named {name!r} exists already")
    if team is None:
        team = Team.objects.create(workspace_id=workspace_id, name=name)
        action = "team.created"
    else:
        team.name = name
        team.save(update_fields=["name", "updated_at"])
        action = "team.updated"
    record(workspace_id, action, target_type="team", target_id=team.pk, detail={"name": name})
    return team


@transaction.atomic
def delete_team(team: Team) -> None:
    """Delete a team: its conversations and channels keep going, to no team."""
    record(
        team.workspace_id,
        "team.deleted",
        target_type="team",
        target_id=team.pk,
        detail={"name": team.name},
    )
    team.delete()
