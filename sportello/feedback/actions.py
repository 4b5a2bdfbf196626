"""The only writers of feedback: the settings, the surveys (scheduled, sent or skipped)
and the customers' answers.

A survey goes out as an automatic reply on the conversation's own channel
(``conversations.actions.automatic_reply`` + ``outbound.actions.queue_delivery``, as the
acknowledgement does): it reaches the customer by email, WhatsApp or the web chat widget
through the same senders, and it is on the timeline as "Automatic reply"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef

from sportello.audit.actions import record
from sportello.automation.wording import language_of
from sportello.conversations.actions import automatic_reply, record_event
from sportello.conversations.models import (
    DONE_STATUSES,
    Conversation,
    Kind,
    Message,
)
from sportello.conversations.queries import first_inbound_data
from sportello.core import clock
from sportello.core.errors import InvalidInput, NotFound
from sportello.core.events import publish
from sportello.core.models import replace_workspace_row
from sportello.feedback import wording
from sportello.feedback.events import SurveyAnswered
from sportello.feedback.models import (
    DEFAULT_NPS_QUESTIONS,
    NPS_DAYS_BETWEEN,
    SCALES,
    FeedbackSettings,
    Survey,
    SurveyKind,
    SurveyStatus,
)
from sportello.outbound.actions import automatic_refusal, queue_delivery, sender_for
from sportello.outbound.readiness import reply_refusal

CSAT = "csat"
NPS = "nps"
# How long a link answers, from the day it was sent; and how long an answer may be
# changed after it was first given.
ANSWERABLE_DAYS = 30
CHANGEABLE_DAYS = 7
MAX_COMMENT = 2000
MAX_DELAY_MINUTES = 7 * 24 * 60
MAX_DAYS_BETWEEN = 365
MAX_QUESTION = 300
NPS_BATCH = 500
# A conversation tagged so was spam: nobody asks a spammer how they were served.
SPAM_TAG = "spam"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@transaction.atomic
def update_feedback_settings(
    workspace_id: int,
    *,
    csat_enabled: bool,
    csat_delay_minutes: int,
    csat_days_between: int,
    csat_question_it: str,
    csat_question_en: str,
    nps_enabled: bool,
    nps_recent_days: int,
    nps_question_it: str = DEFAULT_NPS_QUESTIONS["it"],
    nps_question_en: str = DEFAULT_NPS_QUESTIONS["en"],
) -> FeedbackSettings:
    """Replace the workspace's survey settings (admins). Audited with what changed."""
    if not 0 <= csat_delay_minutes <= MAX_DELAY_MINUTES:
        raise InvalidInput(f"csat_delay_minutes must be between 0 and {MAX_DELAY_MINUTES}")
    if not 0 <= csat_days_between <= MAX_DAYS_BETWEEN:
        raise InvalidInput(f"csat_days_between must be between 0 and {MAX_DAYS_BETWEEN}")
    if not 1 <= nps_recent_days <= MAX_DAYS_BETWEEN:
        raise InvalidInput(f"nps_recent_days must be between 1 and {MAX_DAYS_BETWEEN}")
    values = {
        "csat_enabled": bool(csat_enabled),
        "csat_delay_minutes": csat_delay_minutes,
        "csat_days_between": csat_days_between,
        "csat_question_it": _question(csat_question_it, "csat_question_it"),
        "csat_question_en": _question(csat_question_en, "csat_question_en"),
        "nps_enabled": bool(nps_enabled),
        "nps_recent_days": nps_recent_days,
        "nps_question_it": _question(nps_question_it, "nps_question_it"),
        "nps_question_en": _question(nps_question_en, "nps_question_en"),
    }
    settings, changed = replace_workspace_row(FeedbackSettings, workspace_id, values)
    record(
        workspace_id,
        "feedback.settings_changed",
        target_type="feedback_settings",
        target_id=settings.pk,
        detail={
            "changed": changed,
            "csat_enabled": values["csat_enabled"],
            "nps_enabled": values["nps_enabled"],
        },
    )
    return settings


def _question(text: str, where: str) -> str:
    text = _CONTROL.sub("", text or "").strip()
    if not text:
        raise InvalidInput(f"{where}: write the question")
    if len(text) > MAX_QUESTION:
        raise InvalidInput(f"{where}: at most {MAX_QUESTION} characters")
    return text


# --- CSAT -----------------------------------------------------------------------------


@transaction.atomic
def schedule_csat(conversation_id: int) -> Survey | None:
    """A resolved conversation gets its CSAT survey, due ``csat_delay_minutes`` later
    (sent at once with no delay, else by ``jobs.send_due_surveys``). ``None`` when surveys
    are off or the conversation has one already (resolved again, or a replayed event): a
    conversation is asked about once. The agent who resolved it is kept with the survey.

    Whether it may go is decided when it is due, so a conversation reopened meanwhile,
    or a customer who opted out meanwhile, is not asked."""
    conversation = Conversation.objects.get(pk=conversation_id)
    settings = (
        FeedbackSettings.objects.select_for_update()
        .filter(workspace_id=conversation.workspace_id, csat_enabled=True)
        .first()
    )
    if settings is None or conversation.status not in DONE_STATUSES:
        return None
    if Survey.objects.filter(kind=CSAT, conversation_id=conversation.pk).exists():
        return None
    now = clock.now()
    survey = Survey.objects.create(
        workspace_id=conversation.workspace_id,
        kind=CSAT,
        customer_id=conversation.customer_id,
        conversation_id=conversation.pk,
        channel_id=conversation.channel_id,
        agent_id=_resolver(conversation),
        language=language_of(conversation.language),
        created_at=now,
        due_at=now + timedelta(minutes=settings.csat_delay_minutes),
    )
    if settings.csat_delay_minutes == 0:
        return send_survey(survey.pk)
    return survey


def _resolver(conversation: Conversation) -> int | None:
    """The agent who resolved the conversation (its latest status change), else its
    assignee (a rule or the API resolved it)."""
    latest = (
        Message.objects.filter(
            conversation_id=conversation.pk, kind=Kind.EVENT, event="status_changed"
        )
        .order_by("-created_at", "-id")
        .values_list("sender_agent_id", flat=True)
        .first()
    )
    return latest or conversation.assignee_id


@transaction.atomic
def send_survey(survey_id: int) -> Survey:
    """Send a scheduled survey now, or record why it must not go.

    Not to a conversation reopened since (dropped silently: it will be resolved again,
    and asked about then is not wanted either: one survey per conversation), nor after
    a conversation nobody on the team answered, a spam one, or one a machine wrote; nor
    to a customer who opted out of automatic messages or withdrew consent, on a channel
    that cannot send now, or to a customer asked less than ``csat_days_between`` days ago
    (any conversation). Each such reason is on the timeline (``survey_skipped``), so an
    agent knows why the customer was not asked."""
    survey = Survey.objects.select_for_update().get(pk=survey_id)
    if survey.status != SurveyStatus.SCHEDULED:
        return survey
    conversation = (
        Conversation.objects.select_related("channel", "customer", "workspace")
        .filter(pk=survey.conversation_id)
        .first()
    )
    settings = FeedbackSettings.objects.filter(workspace_id=survey.workspace_id).first()
    now = clock.now()
    if conversation is None or settings is None:
        return _skip(survey, "gone", timeline=False)
    if survey.kind == CSAT:
        if not settings.csat_enabled:
            return _skip(survey, "turned_off", timeline=False)
        if conversation.status not in DONE_STATUSES:
            return _skip(survey, "reopened", timeline=False)
    reason = _reason_to_skip(survey, conversation, settings, now)
    if reason:
        return _skip(survey, reason)

    token, digest = wording.new_token()
    url = wording.survey_url(conversation.workspace.slug, token)
    question = settings.question(survey.kind, survey.language)
    text = wording.survey_text(
        survey.kind,
        question,
        url,
        language=survey.language,
        one_click=conversation.channel.kind == "email",
    )
    message = automatic_reply(conversation, text, reason=f"{survey.kind}_survey")
    queue_delivery(message)
    survey.status = SurveyStatus.SENT
    survey.token_hash = digest
    survey.message_id = message.pk
    survey.sent_at = now
    survey.expires_at = now + timedelta(days=ANSWERABLE_DAYS)
    survey.save(update_fields=["status", "token_hash", "message_id", "sent_at", "expires_at"])
    return survey


def _skip(survey: Survey, reason: str, *, timeline: bool = True) -> Survey:
    survey.status = SurveyStatus.SKIPPED
    survey.skip_reason = reason
    survey.save(update_fields=["status", "skip_reason"])
    if timeline:
        record_event(survey.conversation_id, "survey_skipped", kind=survey.kind, reason=reason)
    return survey


def _reason_to_skip(
    survey: Survey, conversation: Conversation, settings: FeedbackSettings, now: datetime
) -> str:
    customer = conversation.customer
    if customer.erased_at is not None:
        return "erased"
    if survey.kind == CSAT:
        if conversation.first_reply_at is None:
            return "no_agent_reply"
        if conversation.tags.filter(name__iexact=SPAM_TAG).exists():
            return "spam"
        if _written_by_a_machine(conversation):
            return "auto_reply"
    if customer.no_automatic_replies:
        return "opted_out"
    if automatic_refusal(conversation):
        return "no_consent"
    if sender_for(conversation.channel.kind) is None or reply_refusal(conversation):
        return "channel_cannot_send"
    days = settings.csat_days_between if survey.kind == CSAT else NPS_DAYS_BETWEEN
    if days and (
        Survey.objects.filter(
            workspace_id=survey.workspace_id,
            customer_id=survey.customer_id,
            kind=survey.kind,
            status=SurveyStatus.SENT,
            sent_at__gt=now - timedelta(days=days),
        )
        .exclude(pk=survey.pk)
        .exists()
    ):
        return "recently_surveyed"
    return ""


def _written_by_a_machine(conversation: Conversation) -> bool:
    """The conversation's first message was an auto-reply, a bounce or from a no-reply
    address (the provider marks them, as the acknowledgement reads them)."""
    data = first_inbound_data(conversation.pk)
    return bool(data.get("automated") or data.get("no_auto_response"))


# --- answers --------------------------------------------------------------------------


class SurveyClosed(Exception):
    """The link no longer answers: ``reason`` is ``expired`` (never answered in time) or
    ``answered`` (answered, and the days to change the answer are over)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def changeable_until(survey: Survey) -> datetime | None:
    """Until when an answer given may be changed (``None`` before the first answer)."""
    if survey.first_answered_at is None:
        return None
    return survey.first_answered_at + timedelta(days=CHANGEABLE_DAYS)


def answerable(survey: Survey, now: datetime) -> str:
    """Why the survey no longer takes an answer (``expired``, ``answered``), or ``""``."""
    until = changeable_until(survey)
    if until is not None:
        return "answered" if now > until else ""
    if survey.expires_at is None or now > survey.expires_at:
        return "expired"
    return ""


@transaction.atomic
def answer_survey(survey: Survey, *, score: int, comment: str = "") -> Survey:
    """Keep the customer's answer: a score on the survey's scale (1-5 for CSAT, 0-10 for
    NPS) and an optional comment. An answer may be changed for ``CHANGEABLE_DAYS`` after
    it was first given; a link never answered expires ``ANSWERABLE_DAYS`` after it was
    sent. The answer is put on the conversation's timeline (``survey_answered``) and
    published (``SurveyAnswered``)."""
    locked = Survey.objects.select_for_update().filter(pk=survey.pk).first()
    if locked is None or locked.status != SurveyStatus.SENT:
        raise NotFound("no such survey")
    low, high = SCALES[SurveyKind(locked.kind)]
    if not isinstance(score, int) or not low <= score <= high:
        raise InvalidInput(f"score: a whole number from {low} to {high}")
    comment = _CONTROL.sub("", comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise InvalidInput(f"comment: at most {MAX_COMMENT} characters")
    now = clock.now()
    closed = answerable(locked, now)
    if closed:
        raise SurveyClosed(closed)
    if locked.answered_at is None:
        locked.first_answered_at = now
    locked.score = score
    locked.comment = comment
    locked.answered_at = now
    locked.save(update_fields=["score", "comment", "answered_at", "first_answered_at"])
    record_event(
        locked.conversation_id,
        "survey_answered",
        kind=locked.kind,
        score=score,
        comment=comment[:500],
    )
    publish(
        SurveyAnswered(
            workspace_id=locked.workspace_id,
            survey_id=locked.pk,
            kind=locked.kind,
            conversation_id=locked.conversation_id,
            customer_id=locked.customer_id,
            score=score,
        )
    )
    return locked


# --- NPS ------------------------------------------------------------------------------


@dataclass(frozen=True)
class NpsRun:
    """What one NPS run did: surveys sent, and those skipped (with their reasons on the
    conversations' timelines)."""

    sent: int
    skipped: int


def send_nps_surveys(workspace_id: int, *, by: int | None = None) -> NpsRun:
    """Ask the workspace's customers who wrote in the last ``nps_recent_days`` days, by
    email, on their latest email conversation, unless asked in the last 90 days. The
    periodic job runs it daily; an admin may run it now (``by``: their agent id, audited).
    At most ``NPS_BATCH`` customers a run: the next run takes the others. One
    transaction per survey, so one that fails leaves the others sent."""
    settings = FeedbackSettings.objects.filter(workspace_id=workspace_id).first()
    if settings is None or not settings.nps_enabled:
        return NpsRun(0, 0)
    now = clock.now()
    conversations = _nps_conversations(workspace_id, settings.nps_recent_days, now)
    sent = skipped = 0
    for conversation in conversations:
        with transaction.atomic():
            survey = Survey.objects.create(
                workspace_id=workspace_id,
                kind=NPS,
                customer_id=conversation.customer_id,
                conversation_id=conversation.pk,
                channel_id=conversation.channel_id,
                language=language_of(conversation.language, conversation.customer.language),
                created_at=now,
                due_at=now,
            )
            survey = send_survey(survey.pk)
        if survey.status == SurveyStatus.SENT:
            sent += 1
        else:
            skipped += 1
    if by is not None:
        with transaction.atomic():
            record(
                workspace_id,
                "feedback.nps_sent",
                target_type="feedback_settings",
                target_id=settings.pk,
                detail={"sent": sent, "skipped": skipped},
            )
    return NpsRun(sent, skipped)


def _nps_conversations(workspace_id: int, recent_days: int, now: datetime) -> list[Conversation]:
    """Each eligible customer's latest email conversation: a customer who wrote within
    ``recent_days``, not erased, and not asked (nor skipped) in the last 90 days."""
    asked = Survey.objects.filter(
        workspace_id=workspace_id, kind=NPS, created_at__gt=now - timedelta(days=NPS_DAYS_BETWEEN)
    ).values("customer_id")
    candidates = (
        Conversation.objects.filter(
            workspace_id=workspace_id,
            channel__kind="email",
            last_message_at__gte=now - timedelta(days=recent_days),
            customer__erased_at__isnull=True,
        )
        .exclude(customer_id__in=asked)
        .select_related("customer")
        .order_by("customer_id", "-last_message_at", "-id")
    )
    latest: dict[int, Conversation] = {}
    for conversation in candidates.iterator(chunk_size=1000):
        latest.setdefault(conversation.customer_id, conversation)
        if len(latest) >= NPS_BATCH:
            break
    return list(latest.values())


# --- personal data --------------------------------------------------------------------


def erase_answers(workspace_id: int, conversation_ids: list[int]) -> int:
    """A customer's erasure (``privacy``): the comments and the links of their surveys go;
    the scores stay, with no words of the customer, as counts in the figures. Idempotent."""
    if not conversation_ids:
        return 0
    rows = Survey.objects.filter(workspace_id=workspace_id, conversation_id__in=conversation_ids)
    return rows.exclude(comment="", token_hash=None).update(comment="", token_hash=None)


def forget_answers_of_forgotten_conversations(limit: int = 1000) -> int:
    """The comments of surveys whose conversation was anonymised or deleted since (the
    retention policy's run: privacy calls the holders on an erasure only), blanked; the
    scores stay. Run nightly by ``jobs.forget_old_comments``, after the retention run.
    Only surveys with a comment are read, a small share of them."""
    kept = Conversation.objects.filter(pk=OuterRef("conversation_id"), anonymised_at__isnull=True)
    stale = (
        Survey.objects.exclude(comment="")
        .annotate(kept=Exists(kept))
        .filter(kept=False)
        .values_list("pk", flat=True)[:limit]
    )
    return Survey.objects.filter(pk__in=list(stale)).update(comment="")
