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
