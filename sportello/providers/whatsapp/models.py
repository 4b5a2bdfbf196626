"""What the WhatsApp channel keeps besides the conversations: the message templates Meta
approved for the business account, the only messages a business may send outside the
customer's 24-hour window."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from sportello.core.models import Timestamped, WorkspaceScoped


class TemplateStatus(models.TextChoices):
    APPROVED = "APPROVED", _("Approved")
    PENDING = "PENDING", _("Pending review")
    REJECTED = "REJECTED", _("Rejected")
    PAUSED = "PAUSED", _("Paused")
    DISABLED = "DISABLED", _("Disabled by Meta")
    OTHER = "OTHER", _("Other")


class WhatsAppTemplate(WorkspaceScoped, Timestamped):
    """One message template of a channel's WhatsApp Business account, in one language, as
    Meta's ``message_templates`` listed it at the last sync. Only an ``APPROVED`` one can
    be sent. ``body`` is the BODY component's text with its ``{{1}}``, ``{{2}}``...
    placeholders; ``components`` is Meta's list as given (header, footer, buttons), kept
    for the agent to read. A sync replaces the channel's rows: Sportello never edits a
    template, the business does in Meta's WhatsApp Manager."""

    channel = models.ForeignKey(
        "sportello_channels.Channel", on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(max_length=512)
    language = models.CharField(max_length=16)
    category = models.CharField(max_length=32, blank=True)
    status = models.CharField(max_length=16, choices=TemplateStatus.choices)
    body = models.TextField(blank=True)
    placeholders = models.PositiveSmallIntegerField(default=0)
    components = models.JSONField(default=list, blank=True)
    meta_id = models.CharField(max_length=64, blank=True)
    synced_at = models.DateTimeField()

    class Meta:
        verbose_name = _("WhatsApp template")
        verbose_name_plural = _("WhatsApp templates")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "name", "language"], name="whatsapp_template_unique"
            ),
        ]
        ordering = ["name", "language"]

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"
