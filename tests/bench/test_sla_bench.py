"""The SLA bench arms the clocks it claims, and its scan warns exactly the due ones."""

from __future__ import annotations

import pytest

from bench.sla import run
from sportello.conversations.models import Conversation, Kind, Message


@pytest.mark.django_db
def test_the_scan_warns_the_due_conversations_and_nothing_else(workspace):
    figures = run(300, due=25, idle_scans=2)
    assert figures["conversations"] == figures["open"] == 300
    assert figures["warned"] == 25 and figures["breached"] == 0
    assert figures["scan_seconds"] > 0 and figures["idle_scan_seconds"] > 0
    assert Conversation.objects.filter(first_reply_sla="warned").count() == 25
    assert Message.objects.filter(kind=Kind.EVENT, event="sla_warning").count() == 25


@pytest.mark.django_db
def test_a_calendar_change_is_followed_by_every_open_clock_and_they_are_armed_again(workspace):
    figures = run(120, due=10, idle_scans=1, follow=True)
    assert figures["followed"] == figures["open"] == 120
    assert figures["follow_seconds"] > 0
    # Armed again as before the change: the same ten warnings due.
    assert Conversation.objects.filter(first_reply_sla="running").count() == 120
