"""Durable records of what came in: every accepted inbound message, and every one refused."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from sportello.core.models import Workspace


class InboundRecord(models.Model):
    """The raw inbound message, stored first, once per (workspace, channel, external_id).

    The unique constraint *is* the dedupe: a replay, a retried webhook or a concurrent post
    of the same message finds this row and gets the ids it produced.
    """

    # The unique key's leading columns serve workspace and channel lookups.
    workspace = models.ForeignKey(
        Workspace,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        verbose_name=_("workspace"),
    )
    channel = models.ForeignKey(
        "sportello_channels.Channel",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        verbose_name=_("channel"),
    )
    external_id = models.CharField(_("external id"), max_length=500, null=True, blank=True)
    payload = models.JSONField(_("payload"))
    message = models.ForeignKey(
        "conversations.Message",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        verbose_name=_("message"),
    )
    conversation_id = models.BigIntegerField(_("conversation id"), null=True, blank=True)
    customer_id = models.BigIntegerField(_("customer id"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"))

    class Meta:
        verbose_name = _("inbound record")
        verbose_name_plural = _("inbound records")
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "channel", "external_id"], name="inbound_once_per_channel"
            )
        ]

    def __str__(self) -> str:
        return f"inbound {self.external_id or self.pk}"


class RejectedInbound(models.Model):
    """An inbound message Sportello could not take, with the reason and what it received.

    Refused at the edge (bad payload, forged signature): ``retryable`` is false, the row is
    evidence. Failed in the pipeline: the payload is complete and an admin can retry it.
    """

    class Stage(models.TextChoices):
        EDGE = "edge", _("refused at the edge")
        PIPELINE = "pipeline", _("failed in the pipeline")

    workspace = models.ForeignKey(
        Workspace,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("workspace"),
    )
    channel = models.ForeignKey(
        "sportello_channels.Channel",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("channel"),
    )
    source = models.CharField(
        _("source"), max_length=60, help_text=_("Which edge received it (api, imap, lmtp…)")
    )
    external_id = models.CharField(_("external id"), max_length=500, null=True, blank=True)
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices)
    reason = models.TextField(_("reason"))
    payload = models.JSONField(_("payload"), null=True, blank=True)
    raw_excerpt = models.TextField(
        _("raw excerpt"), blank=True, help_text=_("The first bytes received, for reading.")
    )
    retryable = models.BooleanField(_("retryable"), default=False)
    attempts = models.PositiveIntegerField(_("attempts"), default=1)
    created_at = models.DateTimeField(_("refused at"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_message_id = models.BigIntegerField(_("resolved message id"), null=True, blank=True)

    class Meta:
        verbose_name = _("rejected inbound message")
        verbose_name_plural = _("rejected inbound messages")
        indexes = [
            models.Index(fields=["resolved_at", "-created_at"], name="rejected_open"),
            models.Index(
                fields=["channel", "external_id"],
                condition=models.Q(resolved_at__isnull=True, external_id__isnull=False),
                name="rejected_open_by_external_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source}: {self.reason[:60]}"
