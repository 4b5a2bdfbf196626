"""A workspace's webhook subscriptions and the deliveries of its events to them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from sportello.core.models import WorkspaceScoped


class EventType(models.TextChoices):
    """What a subscription may ask for; ``ping`` is only sent by hand."""

    CONVERSATION_OPENED = "conversation.opened", _("Conversation opened")
    MESSAGE_RECEIVED = "message.received", _("Message received")
    REPLY_SENT = "reply.sent", _("Reply sent")
    CONVERSATION_ASSIGNED = "conversation.assigned", _("Conversation assigned")
    STATUS_CHANGED = "conversation.status_changed", _("Conversation status changed")
    CUSTOMER_CREATED = "customer.created", _("Customer created")
    CUSTOMER_UPDATED = "customer.updated", _("Customer updated")


PING = "ping"


class WebhookSubscription(WorkspaceScoped):
    """An integration's URL and the events it is sent. The secret signs every delivery
    (``Sportello-Signature``); it is shown once, when made or rotated, and the previous
    one keeps signing beside it until ``previous_secret_until`` so a receiver can switch
    without losing events. ``consecutive_failures`` and ``failing_since`` count the attempts
    that failed in a row: too many for too long and the subscription is switched off
    (``disabled_reason`` says why) until an admin switches it on again."""

    description = models.CharField(_("description"), max_length=200, blank=True)
    url = models.CharField(_("URL"), max_length=500)
    events = models.JSONField(_("events"), default=list)
    is_enabled = models.BooleanField(_("enabled"), default=True)
    secret = models.CharField(_("secret"), max_length=100)
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    failing_since = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        indexes = [models.Index(fields=["workspace", "is_enabled"], name="webhook_sub_enabled")]

    def __str__(self) -> str:
        return self.description or self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class WebhookDelivery(WorkspaceScoped):
    """One event on its way to one subscription: the exact body that is signed and posted,
    the attempts made, the next one's time while ``pending``, and the last answer (status,
    the first characters of its body) or error. A redelivery is a new row with the same
    ``event_id``, so a receiver that already has the event can tell."""

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.CharField(max_length=40)
    event_type = models.CharField(max_length=40)
    body = models.TextField()
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_excerpt = models.CharField(max_length=300, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    # Whom the event is about, so a customer's erasure removes what was kept of it here.
    conversation_id = models.BigIntegerField(null=True, blank=True)
    customer_id = models.BigIntegerField(null=True, blank=True)
    redelivery_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [
            models.Index(fields=["subscription", "-id"], name="webhook_delivery_log"),
            models.Index(fields=["workspace", "customer_id"], name="webhook_delivery_customer"),
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_delivery_due",
                condition=models.Q(status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} -> {self.subscription_id}"
