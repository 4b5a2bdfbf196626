"""The acknowledgement: its settings per workspace, and the record of each one sent."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from sportello.core.models import Timestamped, WorkspaceScoped

DEFAULT_TEMPLATES = {
    "it": (
        "Grazie per averci scritto: abbiamo ricevuto il tuo messaggio (pratica n. {number}). "
        "Ti risponderemo entro le {time} di {date}."
    ),
    "en": (
        "Thank you for writing to us: we have received your message (case no. {number}). "
        "We will reply by {time} on {date}."
    ),
}
DEFAULT_MIN_HOURS_BETWEEN = 24


class AcknowledgementSettings(WorkspaceScoped, Timestamped):
    """Whether and how a new conversation is acknowledged, one row per workspace.

    Off until an admin turns it on: an installation that upgrades does not start writing
    to its customers in words nobody in the business has read. ``min_hours_between``
    keeps a customer who opens several conversations from getting an acknowledgement for
    each. The templates are checked (``wording.check_template``) before they are saved."""

    is_enabled = models.BooleanField(_("send acknowledgements"), default=False)
    template_it = models.TextField(_("Italian text"), default=DEFAULT_TEMPLATES["it"])
    template_en = models.TextField(_("English text"), default=DEFAULT_TEMPLATES["en"])
    min_hours_between = models.PositiveIntegerField(
        _("hours between two acknowledgements to a customer"), default=DEFAULT_MIN_HOURS_BETWEEN
    )

    class Meta:
        verbose_name = _("acknowledgement settings")
        verbose_name_plural = _("acknowledgement settings")
        constraints = [
            models.UniqueConstraint(fields=["workspace"], name="ack_settings_one_per_workspace")
        ]

    def template(self, language: str) -> str:
        return self.template_en if language == "en" else self.template_it


class Acknowledgement(WorkspaceScoped):
    """An acknowledgement sent: one per conversation at most (the constraint makes a
    replayed event harmless), and the customer's latest tells when the next may go.

    Plain ids rather than foreign keys: conversations and customers are deleted and
    merged by their own apps' statements, which need not know this table."""

    customer_id = models.BigIntegerField()
    conversation_id = models.BigIntegerField()
    message_id = models.BigIntegerField()
    language = models.CharField(max_length=8)
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation_id"], name="ack_once_per_conversation")
        ]
        indexes = [
            models.Index(
                fields=["workspace", "customer_id", "-sent_at"], name="ack_customer_latest"
            )
        ]
