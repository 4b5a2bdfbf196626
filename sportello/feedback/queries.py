"""The read side of feedback, shared by the portal's answer page, the agent UI, the API
and the reports page (``insights``): settings, surveys by their link, answers, figures."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Avg, Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import TruncDate

from sportello.accounts.models import Agent
from sportello.conversations.models import Conversation
from sportello.core import sql
from sportello.core.errors import NotFound
from sportello.core.models import Workspace
from sportello.feedback import wording
from sportello.feedback.models import FeedbackSettings, Survey, SurveyKind, SurveyStatus

_TOKEN = re.compile(rf"^[A-Za-z0-9_-]{{{wording.TOKEN_LENGTH}}}$")


def feedback_settings(workspace_id: int) -> FeedbackSettings:
    """The workspace's settings; the defaults (off) as an unsaved row until an admin
    saves them, so reading never writes."""
    found = FeedbackSettings.objects.filter(workspace_id=workspace_id).first()
    return found or FeedbackSettings(workspace_id=workspace_id)


_CSAT_ON_SQL = (
    f"SELECT 1 FROM {FeedbackSettings._meta.db_table}"
    " WHERE workspace_id = %s AND csat_enabled LIMIT 1"
)


def csat_on(workspace_id: int) -> bool:
    """Whether the workspace asks after resolved conversations: one indexed read per
    status change, as ``automation.queries.acknowledgements_on`` does."""
    return sql.fetchone(_CSAT_ON_SQL, [workspace_id]) is not None


def survey_for_link(workspace_slug: str, token: str) -> tuple[Workspace, Survey]:
    """The sent survey a link names: its workspace by slug and the token's hash in it.
    ``NotFound`` for a malformed token, an unknown one, or one of another workspace
    (the page says the link is not valid, and never which of these it was)."""
    if not _TOKEN.match(token or ""):
        raise NotFound("no such survey")
    workspace = Workspace.objects.filter(slug=workspace_slug).first()
    if workspace is None:
        raise NotFound("no such survey")
    survey = Survey.objects.filter(
        workspace_id=workspace.pk,
        token_hash=wording.token_hash(token),
        status=SurveyStatus.SENT,
    ).first()
    if survey is None:
        raise NotFound("no such survey")
    return workspace, survey


def answers(
    workspace_id: int,
    *,
    conversation_id: int | None = None,
    customer_id: int | None = None,
    kind: str | None = None,
    limit: int = 50,
) -> list[Survey]:
    """Answered surveys, the latest first."""
    found = Survey.objects.filter(workspace_id=workspace_id, answered_at__isnull=False)
    if conversation_id is not None:
        found = found.filter(conversation_id=conversation_id)
    if customer_id is not None:
        found = found.filter(conversation_id__in=_conversations_of(workspace_id, customer_id))
    if kind is not None:
        found = found.filter(kind=kind)
    return list(found.order_by("-answered_at", "-id")[:limit])


def _conversations_of(workspace_id: int, customer_id: int) -> QuerySet[Conversation, int]:
    """The customer's conversations now: after a merge, those of the customer merged in
    too (a survey keeps the customer it was sent to)."""
    return Conversation.objects.filter(
        workspace_id=workspace_id, customer_id=customer_id
    ).values_list("pk", flat=True)


def customer_answers(workspace_id: int, customer_id: int, limit: int = 20) -> list[Survey]:
    """The customer's answers, the latest first, each with its conversation's ``number``
    (the customer page links to it)."""
    number = Conversation.objects.filter(pk=OuterRef("conversation_id")).values("number")[:1]
    return list(
        Survey.objects.filter(
            workspace_id=workspace_id,
            answered_at__isnull=False,
            conversation_id__in=_conversations_of(workspace_id, customer_id),
        )
        .annotate(number=Subquery(number))
        .order_by("-answered_at", "-id")[:limit]
    )


def surveys_of_conversations(workspace_id: int, conversation_ids: list[int]) -> list[Survey]:
    return list(
        Survey.objects.filter(
            workspace_id=workspace_id, conversation_id__in=conversation_ids
        ).order_by("id")
    )


def agent_names(workspace_id: int, agent_ids: set[int]) -> dict[int, str]:
    return dict(
        Agent.objects.filter(workspace_id=workspace_id, pk__in=agent_ids).values_list(
            "pk", "display_name"
        )
    )


# --- figures --------------------------------------------------------------------------


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclass(frozen=True)
class CsatFigures:
    """Surveys sent in a period and their answers: ``csat`` is the share of answers that
    were 4 or 5, in percent (``None`` with no answer); ``answer_rate`` the share of surveys
    sent that were answered, in percent."""

    sent: int
    answered: int
    satisfied: int

    @property
    def csat(self) -> float | None:
        return _percent(self.satisfied, self.answered)

    @property
    def answer_rate(self) -> float | None:
        return _percent(self.answered, self.sent)


@dataclass(frozen=True)
class CsatDay(CsatFigures):
    day: date


@dataclass(frozen=True)
class CsatAgent(CsatFigures):
    agent_id: int | None
    name: str


@dataclass(frozen=True)
class CsatSummary(CsatFigures):
    since: datetime
    until: datetime
    average: float | None
    days: list[CsatDay]
    agents: list[CsatAgent]


def _sent_between(
    workspace_id: int, kind: str, since: datetime, until: datetime, channel_id: int | None = None
) -> QuerySet[Survey]:
    found = Survey.objects.filter(
        workspace_id=workspace_id,
        kind=kind,
        status=SurveyStatus.SENT,
        sent_at__gte=since,
        sent_at__lt=until,
    )
    return found if channel_id is None else found.filter(channel_id=channel_id)


def _grouped(found: QuerySet[Survey], key: Any, counts: dict[str, Any]) -> list[dict[str, Any]]:
    """``counts`` per value of ``key`` (an expression), in the key's order."""
    keyed: Any = found.annotate(key=key).values("key")
    return [dict(row) for row in keyed.annotate(**counts).order_by("key")]


def _counts(row: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in row.items() if name != "key"}


_CSAT_COUNTS = {
    "sent": Count("id"),
    "answered": Count("id", filter=Q(score__isnull=False)),
    "satisfied": Count("id", filter=Q(score__gte=4)),
}


def csat_figures(
    workspace_id: int, since: datetime, until: datetime, channel_id: int | None = None
) -> CsatFigures:
    """The CSAT counts alone of the surveys sent in [since, until), in one query: what a
    period is compared with."""
    found = _sent_between(workspace_id, SurveyKind.CSAT, since, until, channel_id)
    return CsatFigures(**found.aggregate(**_CSAT_COUNTS))


def csat_summary(
    workspace_id: int,
    since: datetime,
    until: datetime,
    time_zone: str,
    channel_id: int | None = None,
) -> CsatSummary:
    """CSAT over the surveys sent in [since, until): overall, per day (of the sending, in
    ``time_zone``) and per agent who resolved the conversation; ``channel_id`` keeps the
    surveys of that channel's conversations. An answer given after the period still counts
    for the day its survey was sent, so the answer rate is of the same surveys. Three
    grouped counts."""
    zone = ZoneInfo(time_zone)
    found = _sent_between(workspace_id, SurveyKind.CSAT, since, until, channel_id)
    total = found.aggregate(**_CSAT_COUNTS, average=Avg("score"))
    days = [
        CsatDay(day=row["key"], **_counts(row))
        for row in _grouped(found, TruncDate("sent_at", tzinfo=zone), _CSAT_COUNTS)
    ]
    by_agent = _grouped(found, F("agent_id"), _CSAT_COUNTS)
    names = agent_names(workspace_id, {r["key"] for r in by_agent if r["key"]})
    agents = sorted(
        (
            CsatAgent(agent_id=row["key"], name=names.get(row["key"] or 0, ""), **_counts(row))
            for row in by_agent
        ),
        key=lambda a: (a.agent_id is None, a.name.lower(), a.agent_id or 0),
    )
    average = total["average"]
    return CsatSummary(
        since=since,
        until=until,
        sent=total["sent"],
        answered=total["answered"],
        satisfied=total["satisfied"],
        average=round(average, 2) if average is not None else None,
        days=days,
        agents=agents,
    )


@dataclass(frozen=True)
class NpsFigures:
    """``nps`` = % promoters (9-10) − % detractors (0-6) of the answers, from −100 to 100
    (``None`` with no answer)."""

    sent: int
    answered: int
    promoters: int
    detractors: int

    @property
    def passives(self) -> int:
        return self.answered - self.promoters - self.detractors

    @property
    def nps(self) -> int | None:
        if not self.answered:
            return None
        return round(100 * (self.promoters - self.detractors) / self.answered)

    @property
    def answer_rate(self) -> float | None:
        return _percent(self.answered, self.sent)


@dataclass(frozen=True)
class NpsDay(NpsFigures):
    day: date


@dataclass(frozen=True)
class NpsSummary(NpsFigures):
    since: datetime
    until: datetime
    days: list[NpsDay]


_NPS_COUNTS = {
    "sent": Count("id"),
    "answered": Count("id", filter=Q(score__isnull=False)),
    "promoters": Count("id", filter=Q(score__gte=9)),
    "detractors": Count("id", filter=Q(score__lte=6)),
}


def nps_summary(workspace_id: int, since: datetime, until: datetime, time_zone: str) -> NpsSummary:
    """NPS over the surveys sent in [since, until), overall and per day of the sending in
    ``time_zone``."""
    zone = ZoneInfo(time_zone)
    found = _sent_between(workspace_id, SurveyKind.NPS, since, until)
    total: dict[str, Any] = found.aggregate(**_NPS_COUNTS)
    days = [
        NpsDay(day=row["key"], **_counts(row))
        for row in _grouped(found, TruncDate("sent_at", tzinfo=zone), _NPS_COUNTS)
    ]
    return NpsSummary(since=since, until=until, days=days, **total)
