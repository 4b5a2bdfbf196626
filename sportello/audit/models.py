"""The audit log: who changed the configuration or handled a customer's personal data."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from sportello.core.models import WorkspaceScoped


class ActorKind(models.TextChoices):
    AGENT = "agent", _("Agent")
    OPERATOR = "operator", _("Operator")
    SYSTEM = "system", _("System")


class AuditEntry(WorkspaceScoped):
    """One thing an admin must be able to account for: a channel configured, an agent's
    role changed, a token issued, a customer's data exported or erased, a retention run.

    Written by ``audit.actions.record`` in the same transaction as the change it describes,
    so an entry exists exactly when the change does. ``detail`` holds names and counts,
    never secrets nor the personal data an erasure removed; ``actor_name`` keeps who it was
    when their agent is later deleted. Entries are never changed.
    """

    at = models.DateTimeField(_("when"))
    actor_kind = models.CharField(_("actor kind"), max_length=10, choices=ActorKind.choices)
    actor_agent = models.ForeignKey(
        "accounts.Agent",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        verbose_name=_("agent"),
    )
    actor_name = models.CharField(_("who"), max_length=200, blank=True)
    action = models.CharField(_("action"), max_length=64)
    target_type = models.CharField(_("target type"), max_length=40, blank=True)
    target_id = models.BigIntegerField(_("target id"), null=True, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [
            # The log, newest first (ids grow with time: the cursor), and by action.
            models.Index(fields=["workspace", "-id"], name="audit_recent"),
            models.Index(fields=["workspace", "action", "-id"], name="audit_action_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name or self.actor_kind} {self.action}"
