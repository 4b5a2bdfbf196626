"""Durable records of what came in: every accepted inbound message, and every one refused."""

from __future__ import annotations

from django.db import models

from sportello.core.models import Workspace


class InboundRecord(models.Model):
    """The raw inbound message, stored first, once per (workspace, channel, external_id).

    The unique constraint *is* the dedupe: a replay, a retried webhook or a concurrent post
    of the same message finds this row and gets the ids it produced.
    """

    # The unique key's leading columns serve workspace and channel lookups.
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    channel = models.ForeignKey(
        "sportello_channels.Channel", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    external_id = models.CharField(max_length=500, null=True, blank=True)
    payload = models.JSONField()
    message = models.ForeignKey(
        "conversations.Message",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    conversation_id = models.BigIntegerField(null=True, blank=True)
    customer_id = models.BigIntegerField(null=True, blank=True)
    received_at = models.DateTimeField()

    class Meta:
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
        EDGE = "edge", "refused at the edge"
        PIPELINE = "pipeline", "failed in the pipeline"

    workspace = models.ForeignKey(
        Workspace, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    channel = models.ForeignKey(
        "sportello_channels.Channel",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source = models.CharField(max_length=60, help_text="Which edge received it (api, imap, lmtp…)")
    external_id = models.CharField(max_length=500, null=True, blank=True)
    stage = models.CharField(max_length=10, choices=Stage.choices)
    reason = models.TextField()
    payload = models.JSONField(null=True, blank=True)
    raw_excerpt = models.TextField(blank=True, help_text="The first bytes received, for reading.")
    retryable = models.BooleanField(default=False)
    attempts = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_message_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
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
