"""Channel: a way customers reach the business (a mailbox, a WhatsApp number, the API...)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from sportello.channels import registry
from sportello.core.models import Timestamped, WorkspaceScoped


class Channel(WorkspaceScoped, Timestamped):
    """One configured channel. ``kind`` names its provider (``channels.registry``); ``slug``
    is how integrations name it (``"channel": "shop"``); ``config`` holds the provider
    settings the provider validates."""

    kind = models.CharField(_("kind"), max_length=16, choices=registry.kind_choices)
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=60)
    config = models.JSONField(_("configuration"), default=dict, blank=True)
    default_team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("New conversations on this channel go to this team."),
        verbose_name=_("default team"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        constraints = [
            models.UniqueConstraint(fields=["workspace", "slug"], name="channel_slug_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"
