"""What the phone channel keeps besides the conversations: each call as the switchboard
told it, and the callbacks owed to customers whose calls nobody answered."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sportello.core.models import Timestamped, WorkspaceScoped


class Settled(models.TextChoices):
    """What a call became once Sportello decided (once, whatever events follow)."""

    PENDING = "", _("In progress")
    ANSWERED = "answered", _("Answered")
    MISSED = "missed", _("Missed")
    UNREACHABLE = "unreachable", _("No number to call back")
    NOT_REACHED = "not_reached", _("Outgoing call not answered")


class Call(WorkspaceScoped, Timestamped):
    """One phone call on a channel, built from its events (started, ringing, answered,
    ended, missed) in any order and any number of times: ``events`` lists those taken,
    so each (call, event) is applied once. ``settled`` is decided once: a missed call
    becomes a callback, an answered one an entry on the customer's timeline."""

    channel = models.ForeignKey(
        "sportello_channels.Channel", on_delete=models.CASCADE, related_name="+"
    )
    call_id = models.CharField(max_length=200)
    direction = models.CharField(max_length=8, default="inbound")
    caller = models.CharField(max_length=64, blank=True)
    called = models.CharField(max_length=64, blank=True)
    agent = models.CharField(max_length=200, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    duration = models.PositiveIntegerField(null=True, blank=True)
    recording_url = models.URLField(max_length=2000, blank=True)
    events = models.JSONField(default=list, blank=True)
    settled = models.CharField(max_length=12, choices=Settled.choices, blank=True, default="")
    conversation = models.ForeignKey(
        "conversations.Conversation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        constraints = [
            models.UniqueConstraint(fields=["channel", "call_id"], name="phone_call_unique"),
        ]
        indexes = [
            # The sweeper's question: calls still ringing, oldest first.
            models.Index(fields=["started_at"], condition=Q(settled=""), name="phone_call_ringing"),
        ]

    def __str__(self) -> str:
        return f"call {self.call_id}"


class CallbackStatus(models.TextChoices):
    OPEN = "open", _("To call back")
    DONE = "done", _("Called back")


class Outcome(models.TextChoices):
    """How an agent's call to the customer went."""

    REACHED = "reached", _("Reached")
    NO_ANSWER = "no_answer", _("No answer")
    VOICEMAIL = "voicemail", _("Voicemail left")
    WRONG_NUMBER = "wrong_number", _("Wrong number")


# Outcomes after which nobody needs to call again.
CLOSING_OUTCOMES = (Outcome.REACHED, Outcome.WRONG_NUMBER)


class Callback(WorkspaceScoped, Timestamped):
    """A customer to call back: their missed calls (``missed_calls``, one per call, the
    same task while it is open) on one phone conversation, due by the conversation's
    first-reply target. Done when an agent reaches them (or finds the number wrong), or
    when the customer's next call is answered."""

    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="+"
    )
    phone = models.CharField(max_length=32)
    status = models.CharField(
        max_length=8, choices=CallbackStatus.choices, default=CallbackStatus.OPEN
    )
    missed_calls = models.PositiveIntegerField(default=0)
    call_ids = models.JSONField(default=list, blank=True)
    last_missed_at = models.DateTimeField()
    due_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("callback")
        verbose_name_plural = _("callbacks")
        constraints = [
            models.UniqueConstraint(
                fields=["conversation"],
                condition=Q(status="open"),
                name="phone_callback_one_open",
            ),
        ]
        indexes = [
            models.Index(
                fields=["workspace", "due_at"],
                condition=Q(status="open"),
                name="phone_callback_due",
            )
        ]

    def __str__(self) -> str:
        return f"callback {self.phone}"

    @property
    def phone_shown(self) -> str:
        """The number as a person dials it (``+39 347 123 4567``)."""
        from sportello.customers.identities import shown_value

        return shown_value(self.phone)

    @property
    def is_open(self) -> bool:
        return self.status == CallbackStatus.OPEN
