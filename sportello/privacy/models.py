"""What a workspace keeps, and for how long."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from sportello.core.models import Timestamped, Workspace


class RetentionAction(models.TextChoices):
    ANONYMISE = "anonymise", _("Anonymise")
    DELETE = "delete", _("Delete")


class RetentionPolicy(Timestamped):
    """How long a workspace keeps finished conversations (GDPR storage limitation).

    ``months`` empty: kept for ever (the default). Otherwise, conversations resolved or
    closed whose last activity is older than ``months`` are anonymised (counts, times,
    channel and status stay for statistics) or deleted, by the nightly
    ``apply_retention_policies`` job. One policy per workspace.
    """

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="+")
    months = models.PositiveSmallIntegerField(_("months"), null=True, blank=True)
    action = models.CharField(
        _("action"),
        max_length=10,
        choices=RetentionAction.choices,
        default=RetentionAction.ANONYMISE,
    )
    last_run_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("retention policy")
        verbose_name_plural = _("retention policies")

    def __str__(self) -> str:
        return f"{self.months or '∞'} months, {self.action}"
