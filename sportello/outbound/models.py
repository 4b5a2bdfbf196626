"""Delivery: one outbound message on its way to the customer through a channel's provider."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sportello.core.models import WorkspaceScoped


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Delivery(WorkspaceScoped):
    """The sending of one agent reply, with its attempts, so a reply is never silently lost.

    A reply and its Delivery are committed together (``outbound.actions.send_reply``), so a
    crash cannot leave a reply that nobody sends; the ``deliver`` job works it, and the
    sweeper picks up one whose job was never enqueued. Only one worker can move a
    delivery from ``queued`` to ``sending`` (a guarded UPDATE), and a ``sent`` delivery is
    never sent again; a failed attempt is retried with backoff until it is marked ``failed``,
    which agents see on the message. One delivery per message.

    ``handed_over_at`` is set, and committed, right before the current attempt hands the
    message to the provider (the SMTP DATA): a send interrupted without it was certainly
    not sent and goes back to the queue within minutes; one interrupted with it may have
    been sent, is sent again (at least once) and is marked ``maybe_sent``.
    """

    message = models.OneToOneField(
        "conversations.Message",
        on_delete=models.CASCADE,
        related_name="delivery",
        verbose_name=_("message"),
    )
    channel = models.ForeignKey(
        "sportello_channels.Channel",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("channel"),
    )
    status = models.CharField(
        _("status"), max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    provider_message_id = models.CharField(
        _("provider's message id"),
        max_length=500,
        blank=True,
        help_text=_("The provider's id (an email Message-ID)."),
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    handed_over_at = models.DateTimeField(
        _("handed over at"),
        null=True,
        blank=True,
        help_text=_("When the current attempt began handing the message over (SMTP DATA)."),
    )
    maybe_sent = models.BooleanField(
        _("maybe sent"),
        default=False,
        help_text=_(
            "An attempt was interrupted after handing the message over: the customer may "
            "receive it twice (with the same Message-ID)."
        ),
    )
    # What the provider reported after taking the message (WhatsApp's status callbacks):
    # the reply reached the customer's phone, then was read. Only ever set forward.
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        indexes = [
            # The sweeper: queued deliveries that are due, and sends that were interrupted.
            models.Index(
                fields=["status", "next_attempt_at"],
                condition=Q(status__in=["queued", "sending"]),
                name="delivery_pending",
            ),
            # A provider's status callback names the message by the provider's id.
            models.Index(
                fields=["channel", "provider_message_id"],
                condition=~Q(provider_message_id=""),
                name="delivery_provider_id",
            ),
        ]

    def __str__(self) -> str:
        return f"delivery of message {self.message_id}: {self.status}"
