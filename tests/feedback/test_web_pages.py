"""The agent UI: the surveys' settings page (admins), the answers on the conversation's
side panel and on the customer's page."""

from __future__ import annotations

import pytest
from django.test import Client

from sportello.accounts.models import Role
from sportello.audit.models import AuditEntry
from sportello.feedback.actions import answer_survey
from sportello.feedback.queries import feedback_settings
from tests.factories import AgentFactory
from tests.feedback.helpers import conversation, sent_survey

pytestmark = pytest.mark.django_db

FORM = {
    "csat_enabled": "on",
    "csat_delay_minutes": "30",
    "csat_days_between": "14",
    "csat_question_it": "Ti abbiamo aiutato?",
    "csat_question_en": "Did we help?",
    "nps_recent_days": "45",
    "nps_question_it": "Ci consiglieresti a un amico?",
    "nps_question_en": "Would you recommend us to a friend?",
}


def signed_in(workspace, role: str, language: str = "it") -> Client:
    client = Client()
    client.force_login(AgentFactory(workspace=workspace, role=role, language=language).user)
    return client


def test_an_admin_turns_surveys_on_and_it_is_audited(workspace):
    admin = signed_in(workspace, Role.ADMIN)
    page = admin.get("/settings/feedback/")
    assert page.status_code == 200
    assert "Soddisfazione dopo una conversazione (CSAT)" in page.content.decode()
    assert admin.post("/settings/feedback/", FORM).status_code == 302
    saved = feedback_settings(workspace.pk)
    assert (saved.csat_enabled, saved.csat_delay_minutes, saved.csat_days_between) == (
        True,
        30,
        14,
    )
    assert (saved.csat_question_it, saved.nps_enabled, saved.nps_recent_days) == (
        "Ti abbiamo aiutato?",
        False,
        45,
    )
    assert saved.question("nps", "it") == "Ci consiglieresti a un amico?"
    assert saved.question("nps", "en") == "Would you recommend us to a friend?"
    entry = AuditEntry.objects.get(action="feedback.settings_changed")
    assert "csat_enabled" in entry.detail["changed"]


@pytest.mark.parametrize(
    "change",
    [
        {"csat_delay_minutes": "-5"},
        {"csat_delay_minutes": "molti"},
        {"csat_days_between": "100000"},
        {"csat_question_it": ""},
        {"csat_question_en": "x" * 301},
        {"nps_recent_days": "0"},
    ],
)
def test_a_bad_value_is_refused_on_the_form(workspace, change):
    admin = signed_in(workspace, Role.ADMIN)
    response = admin.post("/settings/feedback/", {**FORM, **change})
    assert response.status_code == 422
    assert feedback_settings(workspace.pk).pk is None  # nothing saved


def test_agents_and_supervisors_may_not_change_the_surveys(workspace):
    for role in (Role.AGENT, Role.SUPERVISOR):
        client = signed_in(workspace, role)
        assert client.get("/settings/feedback/").status_code == 403
        assert client.post("/settings/feedback/", FORM).status_code == 403
        assert client.post("/settings/feedback/nps/").status_code == 403


def test_sending_nps_now_while_off_says_to_turn_it_on(workspace):
    admin = signed_in(workspace, Role.ADMIN, language="en")
    page = admin.post("/settings/feedback/nps/", follow=True).content.decode()
    assert "Turn the NPS survey on first." in page


def test_the_answer_is_on_the_conversation_and_the_customer_page(
    workspace, api_channel, moving_clock, django_capture_on_commit_callbacks
):
    on = conversation(api_channel)
    survey, _ = sent_survey(on, sent_at=moving_clock.now)
    with django_capture_on_commit_callbacks(execute=True):
        answer_survey(survey, score=4, comment="Veloci & gentili <3")
    agent = signed_in(workspace, Role.AGENT)
    page = agent.get(f"/c/{on.number}/").content.decode()
    assert "Opinioni del cliente" in page and "CSAT 4/5" in page
    assert "Veloci &amp; gentili &lt;3" in page  # escaped, never markup
    assert "Il cliente ha dato 4/5" in page  # the timeline's line
    customer = agent.get(f"/customers/{on.customer_id}/").content.decode()
    assert "CSAT 4/5" in customer and f"#{on.number}" in customer


def test_an_answer_tells_the_open_agent_pages(
    workspace, api_channel, moving_clock, monkeypatch, django_capture_on_commit_callbacks
):
    from sportello.web import live

    told: list[tuple[int, dict]] = []
    monkeypatch.setattr(
        live, "notify", lambda workspace_id, event: told.append((workspace_id, event))
    )
    on = conversation(api_channel)
    survey, _ = sent_survey(on, sent_at=moving_clock.now)
    with django_capture_on_commit_callbacks(execute=True):
        answer_survey(survey, score=5)
    assert (workspace.pk, {"event": "conversation.updated", "conversation": on.pk}) in told
