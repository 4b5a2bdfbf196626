"""The breach scanner's warnings and breaches read as sentences on the conversation page,
in the agent's language, with the due time in the workspace's zone."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from sportello.core import clock
from sportello.sla.actions import escalate_due

pytestmark = pytest.mark.django_db

ROME = ZoneInfo("Europe/Rome")


@pytest.fixture
def breached(monkeypatch, customer_writes):
    moment = {"now": datetime(2026, 12, 2, 10, 0, tzinfo=ROME)}
    monkeypatch.setattr(clock, "now", lambda: moment["now"])
    conversation = customer_writes()
    moment["now"] += timedelta(minutes=50)
    escalate_due()
    moment["now"] += timedelta(minutes=15)
    escalate_due()
    return conversation


def test_italian_agent_reads_the_warning_and_the_breach_in_italian(agent_client, breached):
    page = agent_client.get(f"/c/{breached.number}/").content.decode()
    assert "Prima risposta entro" in page and "l&#x27;obiettivo sta per essere mancato" in page
    assert "Prima risposta: obiettivo mancato (scadenza" in page and "11:00" in page
    assert "sla warning" not in page and "sla breached" not in page


def test_english_agent_reads_them_in_english(agent, agent_client, breached):
    agent.language = "en"
    agent.save(update_fields=["language"])
    page = agent_client.get(f"/c/{breached.number}/").content.decode()
    assert "First reply due" in page and "the target is about to be missed" in page
    assert "First reply target missed (due" in page


def test_the_details_show_the_due_time_and_whether_it_was_met(agent_client, breached):
    page = agent_client.get(f"/c/{breached.number}/").content.decode()
    assert "Prima risposta entro" in page
    assert 'class="sla sla-breached"' in page and "Violato" in page
