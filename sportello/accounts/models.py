"""People who answer customers: users, their agent profile per workspace, teams, tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from sportello.core.models import Timestamped, WorkspaceScoped


class EmailUserManager(UserManager["User"]):
    def get_by_natural_key(self, username: str | None) -> User:
        # Addresses are stored lower-case; 'Giulia@Negozio.it' signs in as well.
        return self.get(email=(username or "").strip().lower())

    def create_user(self, email, password=None, **extra):  # type: ignore[override]
        return self._create_user(email, email, password, **extra)

    def create_superuser(self, email, password=None, **extra):  # type: ignore[override]
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, email, password, **extra)

    def _create_user(self, username, email, password, **extra):  # type: ignore[override]
        email = self.normalize_email(email).lower()
        user = self.model(username=email, email=email, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user


class User(AbstractUser):
    """A login. People sign in with their email address; the username mirrors it."""

    email = models.EmailField(_("email"), unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []  # type: ignore[misc]

    objects = EmailUserManager()  # type: ignore[misc]

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.email = (self.email or "").strip().lower()
        self.username = self.email
        super().save(*args, **kwargs)


class Role(models.TextChoices):
    ADMIN = "admin", _("Admin")
    SUPERVISOR = "supervisor", _("Supervisor")
    AGENT = "agent", _("Agent")


class Agent(WorkspaceScoped, Timestamped):
    """A user's membership of one workspace: how they appear, speak and what they may do.

    One person may work for several businesses (an agency): one Agent row per workspace.
    """

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="agents", verbose_name=_("login")
    )
    display_name = models.CharField(_("display name"), max_length=120)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.AGENT)
    language = models.CharField(_("language"), max_length=8, default="it")
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Rome")
    signature = models.TextField(_("signature"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("agent")
        verbose_name_plural = _("agents")
        constraints = [
            models.UniqueConstraint(fields=["workspace", "user"], name="agent_unique_per_workspace")
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def can_configure(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def can_supervise(self) -> bool:
        return self.role in {Role.ADMIN, Role.SUPERVISOR}


class Team(WorkspaceScoped, Timestamped):
    """A group of agents that conversations can be routed to (sales, returns, ...)."""

    name = models.CharField(_("name"), max_length=120)
    members = models.ManyToManyField(
        Agent, related_name="teams", blank=True, verbose_name=_("members")
    )

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="team_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class ApiToken(WorkspaceScoped):
    """A bearer token acting as one agent. Only a hash is stored; the key is shown once.

    A token is named for the integration that holds it, so an agent can tell which to
    revoke, and it expires (``expires_at``): a key leaked in an old script stops working on
    its own. Changing the password revokes all of its agent's tokens
    (``actions.change_password``)."""

    agent = models.ForeignKey(
        Agent, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("agent")
    )
    name = models.CharField(_("name"), max_length=120, default="api")
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    prefix = models.CharField(_("prefix"), max_length=8)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"))

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def has_expired(self, now: datetime) -> bool:
        return self.expires_at <= now

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @staticmethod
    def generate_key() -> str:
        return "spt_" + secrets.token_urlsafe(32)


class LoginThrottle(models.Model):
    """Failed sign-ins of one account or from one client address (or password resets asked
    for), and until when further attempts are refused (``accounts.logins``).

    Kept in the database rather than a process's memory so that every web process of an
    installation, SQLite or PostgreSQL, counts the same failures; a row is written only on a
    failure, so a correct sign-in costs one read."""

    class Scope(models.TextChoices):
        ACCOUNT = "account", _("Account")
        ADDRESS = "address", _("Client address")
        # Password-reset emails asked for, per client address and per address written to.
        RESET = "reset", _("Password reset")

    scope = models.CharField(max_length=8, choices=Scope.choices)
    subject = models.CharField(max_length=320)
    failures = models.PositiveIntegerField(default=0)
    last_failure_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sign-in throttle")
        verbose_name_plural = _("sign-in throttles")
        constraints = [
            models.UniqueConstraint(fields=["scope", "subject"], name="login_throttle_unique")
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.subject}: {self.failures}"


class TwoFactor(models.Model):
    """A login's second factor: a TOTP secret (``accounts.totp``) that an authenticator app
    holds too. A row without ``confirmed_at`` is an enrolment begun and not yet proven with
    a code: it asks nothing at sign-in. ``last_step`` is the time step of the last code
    accepted, so that a code seen over a shoulder cannot be used again."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="two_factor")
    secret = models.CharField(max_length=64)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_step = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("two-factor authentication")
        verbose_name_plural = _("two-factor authentications")

    def __str__(self) -> str:
        return f"{self.user} ({'on' if self.confirmed_at else 'pending'})"

    @property
    def is_enabled(self) -> bool:
        return self.confirmed_at is not None


class RecoveryCode(models.Model):
    """A one-time code that stands in for the authenticator app (a lost phone). Only its
    hash is stored; the ten codes are shown once, when made."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")

    def __str__(self) -> str:
        return f"{self.user} ({'used' if self.used_at else 'unused'})"

    @staticmethod
    def hash_code(code: str) -> str:
        return hashlib.sha256(code.replace("-", "").strip().lower().encode()).hexdigest()


class SignInPolicy(WorkspaceScoped):
    """How a workspace's agents must sign in: with two-factor authentication or not. An
    agent without it is sent to enrolment after signing in, from their next sign-in on."""

    require_two_factor = models.BooleanField(_("require two-factor authentication"), default=False)

    class Meta:
        verbose_name = _("sign-in policy")
        verbose_name_plural = _("sign-in policies")
        constraints = [models.UniqueConstraint(fields=["workspace"], name="sign_in_policy_unique")]


class AgentAvatar(WorkspaceScoped, Timestamped):
    """An agent's picture, as the chat widget shows it beside their replies.

    Kept in the database (a few hundred kilobytes at most, one per agent) so every
    process serves it without shared storage. ``name`` is random and new on each upload:
    it is the public URL's only part, so a picture can be cached for good and an agent's
    id is never in it."""

    agent = models.OneToOneField(Agent, on_delete=models.CASCADE, related_name="avatar")
    name = models.CharField(max_length=40, unique=True)
    content_type = models.CharField(max_length=32)
    content = models.BinaryField()

    class Meta:
        verbose_name = _("avatar")
        verbose_name_plural = _("avatars")
