"""Satisfaction surveys: the settings per workspace, and one row per survey sent to a
customer (CSAT after a resolved conversation, NPS now and then), which holds the answer."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from sportello.core.models import Timestamped, WorkspaceScoped

DEFAULT_CSAT_QUESTIONS = {
    "it": "Come valuti l'assistenza che hai ricevuto?",
    "en": "How would you rate our support?",
}
DEFAULT_NPS_QUESTIONS = {
    "it": "Quanto è probabile che ci consiglieresti a un amico o a un collega?",
    "en": "How likely are you to recommend us to a friend or colleague?",
}
DEFAULT_CSAT_DELAY_MINUTES = 60
DEFAULT_CSAT_DAYS_BETWEEN = 7
DEFAULT_NPS_RECENT_DAYS = 30
NPS_DAYS_BETWEEN = 90


class SurveyKind(models.TextChoices):
    CSAT = "csat", _("CSAT")
    NPS = "nps", _("NPS")


class SurveyStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    SENT = "sent", _("Sent")
    SKIPPED = "skipped", _("Skipped")


SCALES = {SurveyKind.CSAT: (1, 5), SurveyKind.NPS: (0, 10)}


class FeedbackSettings(WorkspaceScoped, Timestamped):
    """Whether and how the workspace asks its customers, one row per workspace.

    Off until an admin turns it on, as the acknowledgement is: an installation that
    upgrades does not start writing to its customers in words nobody in the business has
    read. ``csat_delay_minutes`` leaves time to reopen a conversation resolved by
    mistake; ``csat_days_between`` keeps a customer with many conversations from being
    asked after each one."""

    csat_enabled = models.BooleanField(
        _("ask for a rating after a resolved conversation"), default=False
    )
    csat_delay_minutes = models.PositiveIntegerField(
        _("minutes after resolving"), default=DEFAULT_CSAT_DELAY_MINUTES
    )
    csat_days_between = models.PositiveIntegerField(
        _("days between two surveys to a customer"), default=DEFAULT_CSAT_DAYS_BETWEEN
    )
    csat_question_it = models.CharField(
        _("Italian question"), max_length=300, default=DEFAULT_CSAT_QUESTIONS["it"]
    )
    csat_question_en = models.CharField(
        _("English question"), max_length=300, default=DEFAULT_CSAT_QUESTIONS["en"]
    )
    nps_enabled = models.BooleanField(_("send NPS surveys"), default=False)
    nps_recent_days = models.PositiveIntegerField(
        _("customers who wrote in the last days"), default=DEFAULT_NPS_RECENT_DAYS
    )
    nps_question_it = models.CharField(
        _("Italian NPS question"), max_length=300, default=DEFAULT_NPS_QUESTIONS["it"]
    )
    nps_question_en = models.CharField(
        _("English NPS question"), max_length=300, default=DEFAULT_NPS_QUESTIONS["en"]
    )

    class Meta:
        verbose_name = _("feedback settings")
        verbose_name_plural = _("feedback settings")
        constraints = [
            models.UniqueConstraint(fields=["workspace"], name="feedback_settings_one_per_ws")
        ]

    def question(self, kind: str, language: str) -> str:
        """The question a survey of ``kind`` asks, in the customer's language (Italian
        unless English)."""
        if kind == SurveyKind.NPS:
            return self.nps_question_en if language == "en" else self.nps_question_it
        return self.csat_question_en if language == "en" else self.csat_question_it


class Survey(WorkspaceScoped):
    """One question put to one customer, and their answer.

    A CSAT survey belongs to the conversation it asks about (one per conversation: a
    replayed event or a conversation resolved twice asks once); an NPS survey to the
    customer, sent on their latest email conversation. The link the customer gets
    carries a random token; only its SHA-256 is kept, so the table alone answers nothing.

    Plain ids rather than foreign keys for the conversation, customer, channel and agent,
    as ``automation.Acknowledgement`` does: those rows are deleted and merged by their own
    apps' statements, which need not know this table."""

    kind = models.CharField(_("kind"), max_length=8, choices=SurveyKind.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=SurveyStatus.choices, default=SurveyStatus.SCHEDULED
    )
    skip_reason = models.CharField(_("why not sent"), max_length=40, blank=True)
    customer_id = models.BigIntegerField()
    conversation_id = models.BigIntegerField()
    channel_id = models.BigIntegerField()
    agent_id = models.BigIntegerField(null=True, blank=True)
    language = models.CharField(_("language"), max_length=8, default="it")
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    message_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))
    due_at = models.DateTimeField(_("due at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    # The first answer's time: the answer may be changed for some days after it.
    first_answered_at = models.DateTimeField(_("first answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        constraints = [
            models.UniqueConstraint(
                fields=["conversation_id"],
                condition=models.Q(kind="csat"),
                name="survey_csat_once_per_conversation",
            )
        ]
        indexes = [
            models.Index(fields=["status", "due_at"], name="survey_due"),
            models.Index(
                fields=["workspace", "customer_id", "kind", "-sent_at"],
                name="survey_customer_latest",
            ),
            models.Index(fields=["workspace", "kind", "sent_at"], name="survey_period"),
            models.Index(fields=["conversation_id"], name="survey_conversation"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def scale(self) -> tuple[int, int]:
        return SCALES[SurveyKind(self.kind)]
