"""Feedback (``/api/v1/feedback``): the customers' answers to the CSAT and NPS surveys and
the survey settings; the figures are reports (``/api/v1/reports/csat``, ``/nps``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from pydantic import StrictBool, StrictInt

from sportello.accounts.models import Agent
from sportello.api.auth import current_agent
from sportello.api.routers.reports import PeriodQuery, period_bounds, supervisor_of
from sportello.api.schemas import Error, ValidationErrorOut
from sportello.core.errors import PermissionDenied
from sportello.feedback import actions, queries
from sportello.feedback.models import DEFAULT_NPS_QUESTIONS, FeedbackSettings, Survey

router = Router(tags=["feedback"])
reports = Router(tags=["reports"])

MAX_LIMIT = 200


class SurveyAnswerOut(Schema):
    id: int
    kind: str = Field(description="csat (1-5) or nps (0-10)")
    score: int
    comment: str
    conversation_id: int
    customer_id: int
    channel_id: int
    agent_id: int | None = Field(description="The agent who resolved the conversation (CSAT)")
    language: str
    sent_at: datetime | None
    answered_at: datetime


class AnswersQuery(Schema):
    conversation: int | None = Field(None, ge=1, description="A conversation's id")
    customer: int | None = Field(None, ge=1, description="A customer's id")
    kind: Literal["csat", "nps"] | None = None
    limit: int = Field(50, ge=1, le=MAX_LIMIT)


def _answer(survey: Survey) -> dict[str, Any]:
    return {
        "id": survey.pk,
        "kind": survey.kind,
        "score": survey.score,
        "comment": survey.comment,
        "conversation_id": survey.conversation_id,
        "customer_id": survey.customer_id,
        "channel_id": survey.channel_id,
        "agent_id": survey.agent_id,
        "language": survey.language,
        "sent_at": survey.sent_at,
        "answered_at": survey.answered_at,
    }


@router.get("", response={200: list[SurveyAnswerOut], 401: Error, 422: ValidationErrorOut})
def list_answers(request: HttpRequest, filters: Query[AnswersQuery]):  # type: ignore[no-untyped-def]
    """The customers' answers, the latest first: of a conversation, of a customer, of one
    kind. Every agent of the workspace."""
    agent = current_agent(request)
    found = queries.answers(
        agent.workspace_id,
        conversation_id=filters.conversation,
        customer_id=filters.customer,
        kind=filters.kind,
        limit=filters.limit,
    )
    return [_answer(s) for s in found]


class FeedbackSettingsIn(Schema):
    csat_enabled: StrictBool
    csat_delay_minutes: StrictInt = Field(ge=0, le=actions.MAX_DELAY_MINUTES)
    csat_days_between: StrictInt = Field(ge=0, le=actions.MAX_DAYS_BETWEEN)
    csat_question_it: str = Field(max_length=actions.MAX_QUESTION)
    csat_question_en: str = Field(max_length=actions.MAX_QUESTION)
    nps_enabled: StrictBool
    nps_recent_days: StrictInt = Field(ge=1, le=actions.MAX_DAYS_BETWEEN)
    nps_question_it: str = Field(
        DEFAULT_NPS_QUESTIONS["it"], max_length=actions.MAX_QUESTION, description="Default: ours"
    )
    nps_question_en: str = Field(
        DEFAULT_NPS_QUESTIONS["en"], max_length=actions.MAX_QUESTION, description="Default: ours"
    )


class FeedbackSettingsOut(FeedbackSettingsIn):
    pass


def _admin(request: HttpRequest) -> Agent:
    agent = current_agent(request)
    if not agent.can_configure:
        raise PermissionDenied("only admins change the surveys")
    return agent


def _settings(settings: FeedbackSettings) -> dict[str, Any]:
    return {name: getattr(settings, name) for name in FeedbackSettingsIn.model_fields}


@router.get("/settings", response={200: FeedbackSettingsOut, 401: Error, 403: Error})
def get_settings(request: HttpRequest):  # type: ignore[no-untyped-def]
    """The surveys' settings (admins); off until an admin turns them on."""
    return _settings(queries.feedback_settings(_admin(request).workspace_id))


@router.put(
    "/settings",
    response={200: FeedbackSettingsOut, 401: Error, 403: Error, 422: ValidationErrorOut},
)
def put_settings(request: HttpRequest, payload: FeedbackSettingsIn):  # type: ignore[no-untyped-def]
    """Set the surveys (admins): CSAT on or off, the minutes after resolving, the days
    between two surveys to a customer, the question in Italian and English; NPS on or
    off and how recent a customer's conversation must be. Audited."""
    agent = _admin(request)
    return _settings(actions.update_feedback_settings(agent.workspace_id, **payload.model_dump()))


class NpsRunOut(Schema):
    sent: int
    skipped: int


@router.post("/nps/send", response={200: NpsRunOut, 401: Error, 403: Error})
def send_nps(request: HttpRequest):  # type: ignore[no-untyped-def]
    """Send the NPS survey now (admins) to the customers it is due to, as the daily job
    does; nothing when NPS is off. Audited."""
    agent = _admin(request)
    run = actions.send_nps_surveys(agent.workspace_id, by=agent.pk)
    return {"sent": run.sent, "skipped": run.skipped}


# --- reports --------------------------------------------------------------------------


def _period(request: HttpRequest, period: PeriodQuery) -> tuple[Agent, datetime, datetime]:
    agent = supervisor_of(request)
    return (agent, *period_bounds(period))


class CsatFiguresOut(Schema):
    sent: int = Field(description="Surveys sent in the period")
    answered: int = Field(description="Of those, the ones answered (by now)")
    satisfied: int = Field(description="Answers of 4 or 5")
    csat: float | None = Field(description="satisfied / answered, in percent; null: no answer")
    answer_rate: float | None = Field(description="answered / sent, in percent")


class CsatDayOut(CsatFiguresOut):
    day: date = Field(description="The day the surveys were sent, in the workspace's time zone")


class CsatAgentOut(CsatFiguresOut):
    agent_id: int | None = Field(description="The agent who resolved; null: nobody known")
    name: str


class CsatOut(CsatFiguresOut):
    since: datetime
    until: datetime
    average: float | None = Field(description="The mean score, 1-5")
    days: list[CsatDayOut]
    agents: list[CsatAgentOut]


def _csat_figures(figures: queries.CsatFigures) -> dict[str, Any]:
    return {
        "sent": figures.sent,
        "answered": figures.answered,
        "satisfied": figures.satisfied,
        "csat": figures.csat,
        "answer_rate": figures.answer_rate,
    }


@reports.get("/csat", response={200: CsatOut, 401: Error, 403: Error, 422: ValidationErrorOut})
def csat_report(request: HttpRequest, period: Query[PeriodQuery]):  # type: ignore[no-untyped-def]
    """CSAT of the surveys sent in the period: the share of answers that were 4 or 5,
    the answer rate and the mean score, overall, per day and per agent who resolved.
    At most a year at a time."""
    agent, since, until = _period(request, period)
    found = queries.csat_summary(agent.workspace_id, since, until, agent.workspace.time_zone)
    return {
        **_csat_figures(found),
        "since": since,
        "until": until,
        "average": found.average,
        "days": [{"day": d.day, **_csat_figures(d)} for d in found.days],
        "agents": [
            {"agent_id": a.agent_id, "name": a.name, **_csat_figures(a)} for a in found.agents
        ],
    }


class NpsFiguresOut(Schema):
    sent: int
    answered: int
    promoters: int = Field(description="Answers of 9 or 10")
    passives: int = Field(description="Answers of 7 or 8")
    detractors: int = Field(description="Answers from 0 to 6")
    nps: int | None = Field(description="% promoters - % detractors, -100..100; null: no answer")
    answer_rate: float | None


class NpsDayOut(NpsFiguresOut):
    day: date


class NpsOut(NpsFiguresOut):
    since: datetime
    until: datetime
    days: list[NpsDayOut]


def _nps_figures(figures: queries.NpsFigures) -> dict[str, Any]:
    return {
        "sent": figures.sent,
        "answered": figures.answered,
        "promoters": figures.promoters,
        "passives": figures.passives,
        "detractors": figures.detractors,
        "nps": figures.nps,
        "answer_rate": figures.answer_rate,
    }


@reports.get("/nps", response={200: NpsOut, 401: Error, 403: Error, 422: ValidationErrorOut})
def nps_report(request: HttpRequest, period: Query[PeriodQuery]):  # type: ignore[no-untyped-def]
    """NPS of the surveys sent in the period, overall and per day. At most a year."""
    agent, since, until = _period(request, period)
    found = queries.nps_summary(agent.workspace_id, since, until, agent.workspace.time_zone)
    return {
        **_nps_figures(found),
        "since": since,
        "until": until,
        "days": [{"day": d.day, **_nps_figures(d)} for d in found.days],
    }
