"""CSAT and NPS figures on a small known data set, through the query the reports page
calls and through the API, and who may read them."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from sportello.accounts.actions import issue_token
from sportello.accounts.models import Role
from sportello.feedback.models import SurveyStatus
from sportello.feedback.queries import csat_summary, nps_summary
from tests.conftest import ApiClient
from tests.factories import AgentFactory, ChannelFactory, WorkspaceFactory
from tests.feedback.helpers import conversation, sent_survey

pytestmark = pytest.mark.django_db

ROME = ZoneInfo("Europe/Rome")
SINCE = datetime(2026, 12, 1, tzinfo=ROME)
UNTIL = datetime(2026, 12, 3, tzinfo=ROME)
PERIOD = "since=2026-12-01T00:00:00%2B01:00&until=2026-12-03T00:00:00%2B01:00"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=ROME)


@pytest.fixture
def known(workspace, api_channel):
    """Six CSAT surveys sent on 1 and 2 December (Rome), five answered; six NPS surveys,
    five answered; and what must not count: a survey skipped, one before the period,
    one of another shop."""
    giulia = AgentFactory(workspace=workspace, display_name="Giulia Bianchi")
    marco = AgentFactory(workspace=workspace, display_name="Marco Verdi")
    for sent_at, score, agent in [
        (at(1, 9), 5, giulia),
        (at(1, 11), 4, giulia),
        (at(1, 15), 2, marco),
        (at(2, 0, 30), 5, marco),  # the 2nd in Rome, 23:30 on the 1st in UTC
        (at(2, 10), 3, marco),
        (at(2, 16), None, giulia),
        (at(3, 0, 5), 1, giulia),  # after the period
    ]:
        sent_survey(conversation(api_channel), sent_at=sent_at, score=score, agent_id=agent.pk)
    skipped, _ = sent_survey(conversation(api_channel), sent_at=at(1, 12), score=None)
    skipped.status = SurveyStatus.SKIPPED
    skipped.save()
    for sent_at, score in [
        (at(1, 10), 10),
        (at(1, 10), 9),
        (at(1, 10), 9),
        (at(2, 10), 7),
        (at(2, 10), 3),
        (at(2, 10), None),
    ]:
        sent_survey(conversation(api_channel), kind="nps", sent_at=sent_at, score=score)
    other = WorkspaceFactory()
    sent_survey(
        conversation(ChannelFactory(workspace=other, slug="api-beta")), sent_at=at(1, 9), score=1
    )
    return giulia, marco


def test_csat_summary_overall_per_day_and_per_agent(workspace, known):
    giulia, marco = known
    found = csat_summary(workspace.pk, SINCE, UNTIL, "Europe/Rome")
    assert (found.sent, found.answered, found.satisfied) == (6, 5, 3)
    assert found.csat == 60.0 and found.answer_rate == 83.3 and found.average == 3.8
    assert [(d.day.isoformat(), d.sent, d.answered, d.satisfied, d.csat) for d in found.days] == [
        ("2026-12-01", 3, 3, 2, 66.7),
        ("2026-12-02", 3, 2, 1, 50.0),
    ]
    assert [(a.agent_id, a.name, a.sent, a.answered, a.csat) for a in found.agents] == [
        (giulia.pk, "Giulia Bianchi", 3, 2, 100.0),
        (marco.pk, "Marco Verdi", 3, 3, 33.3),
    ]
    # Days are the time zone's: in UTC the one sent at 00:30 in Rome is on the 1st.
    in_utc = csat_summary(workspace.pk, SINCE, UNTIL, "UTC")
    assert [(d.day.isoformat(), d.sent) for d in in_utc.days] == [
        ("2026-12-01", 4),
        ("2026-12-02", 2),
    ]


def test_nothing_answered_is_no_figure_rather_than_zero(workspace):
    found = csat_summary(workspace.pk, SINCE, UNTIL, "Europe/Rome")
    assert (found.sent, found.csat, found.answer_rate, found.average) == (0, None, None, None)
    assert nps_summary(workspace.pk, SINCE, UNTIL, "Europe/Rome").nps is None


def test_nps_is_promoters_minus_detractors(workspace, known):
    found = nps_summary(workspace.pk, SINCE, UNTIL, "Europe/Rome")
    assert (found.sent, found.answered) == (6, 5)
    assert (found.promoters, found.passives, found.detractors) == (3, 1, 1)
    assert found.nps == 40 and found.answer_rate == 83.3
    assert [(d.day.isoformat(), d.nps) for d in found.days] == [
        ("2026-12-01", 100),
        ("2026-12-02", -50),
    ]


def api_as(workspace, role: str) -> ApiClient:
    return ApiClient(issue_token(AgentFactory(workspace=workspace, role=role)))


def test_reports_api_gives_the_same_figures_to_supervisors_only(workspace, known):
    supervisor = api_as(workspace, Role.SUPERVISOR)
    body = supervisor.get(f"/api/v1/reports/csat?{PERIOD}").json()
    assert (body["sent"], body["answered"], body["csat"], body["answer_rate"]) == (6, 5, 60.0, 83.3)
    assert body["days"][0] == {
        "day": "2026-12-01",
        "sent": 3,
        "answered": 3,
        "satisfied": 2,
        "csat": 66.7,
        "answer_rate": 100.0,
    }
    assert [a["name"] for a in body["agents"]] == ["Giulia Bianchi", "Marco Verdi"]
    nps = supervisor.get(f"/api/v1/reports/nps?{PERIOD}").json()
    assert (nps["nps"], nps["promoters"], nps["passives"], nps["detractors"]) == (40, 3, 1, 1)

    agent = api_as(workspace, Role.AGENT)
    assert agent.get(f"/api/v1/reports/csat?{PERIOD}").status_code == 403
    assert agent.get(f"/api/v1/reports/nps?{PERIOD}").status_code == 403
    assert ApiClient(None).get("/api/v1/reports/csat").status_code == 401


@pytest.mark.parametrize(
    "query",
    [
        "since=2026-12-03T00:00:00Z&until=2026-12-01T00:00:00Z",
        "since=2024-01-01T00:00:00Z&until=2026-01-01T00:00:00Z",
        "since=2026-12-01T00:00:00&until=2026-12-03T00:00:00",
        "since=ieri",
    ],
)
def test_a_bad_period_is_a_422(workspace, query):
    supervisor = api_as(workspace, Role.SUPERVISOR)
    assert supervisor.get(f"/api/v1/reports/csat?{query}").status_code == 422


def test_answers_api_lists_a_conversations_answers_of_the_workspace_only(
    workspace, api_channel, moving_clock
):
    mine = conversation(api_channel)
    sent_survey(mine, sent_at=moving_clock.now, score=4, comment="Bene")
    sent_survey(conversation(api_channel), sent_at=moving_clock.now)  # not answered
    other = WorkspaceFactory()
    theirs = conversation(ChannelFactory(workspace=other, slug="api-beta"))
    sent_survey(theirs, sent_at=moving_clock.now, score=1)

    agent = api_as(workspace, Role.AGENT)
    (answer,) = agent.get(f"/api/v1/feedback?conversation={mine.pk}").json()
    assert (answer["kind"], answer["score"], answer["comment"]) == ("csat", 4, "Bene")
    assert answer["conversation_id"] == mine.pk and answer["customer_id"] == mine.customer_id
    assert len(agent.get("/api/v1/feedback").json()) == 1
    assert (
        agent.get(f"/api/v1/feedback?customer={mine.customer_id}").json()[0]["id"] == answer["id"]
    )
    assert agent.get(f"/api/v1/feedback?conversation={theirs.pk}").json() == []
    for bad in ("conversation=abc", "conversation=0", "kind=ces", "limit=0", "limit=100000"):
        assert agent.get(f"/api/v1/feedback?{bad}").status_code == 422, bad


def test_settings_api_is_for_admins_and_refuses_nonsense(workspace):
    admin = api_as(workspace, Role.ADMIN)
    assert admin.get("/api/v1/feedback/settings").json()["csat_enabled"] is False
    good = {
        "csat_enabled": True,
        "csat_delay_minutes": 0,
        "csat_days_between": 14,
        "csat_question_it": "Com'è andata?",
        "csat_question_en": "How did we do?",
        "nps_enabled": True,
        "nps_recent_days": 60,
        "nps_question_it": "Ci consiglieresti?",
        "nps_question_en": "Would you recommend us?",
    }
    assert admin.put("/api/v1/feedback/settings", good).json() == good
    for change in (
        {"csat_delay_minutes": -1},
        {"csat_days_between": 10_000},
        {"csat_question_it": "   "},
        {"csat_question_en": "x" * 301},
        {"nps_recent_days": 0},
    ):
        assert admin.put("/api/v1/feedback/settings", {**good, **change}).status_code == 422, change
    supervisor = api_as(workspace, Role.SUPERVISOR)
    assert supervisor.get("/api/v1/feedback/settings").status_code == 403
    assert supervisor.put("/api/v1/feedback/settings", good).status_code == 403
    assert supervisor.post("/api/v1/feedback/nps/send").status_code == 403


def test_the_figures_and_the_answers_keep_their_query_budgets(
    workspace, known, django_assert_max_num_queries
):
    """Grouped counts, not a query per day or per agent: the budgets hold whatever the
    number of surveys."""
    with django_assert_max_num_queries(4):  # totals, days, agents, the agents' names
        csat_summary(workspace.pk, SINCE, UNTIL, "Europe/Rome")
    with django_assert_max_num_queries(2):  # totals, days
        nps_summary(workspace.pk, SINCE, UNTIL, "Europe/Rome")
    agent = api_as(workspace, Role.AGENT)
    with django_assert_max_num_queries(6):  # the token, the agent, the answers
        assert agent.get("/api/v1/feedback?limit=200").status_code == 200
