"""A shop with an email channel on a real SMTP sink, surveys on, and a moving clock."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

import pytest

from sportello.accounts.models import Agent, Role
from sportello.conversations.actions import set_status
from sportello.conversations.models import Conversation
from sportello.feedback.actions import update_feedback_settings
from sportello.feedback.models import DEFAULT_CSAT_QUESTIONS, FeedbackSettings
from sportello.outbound.actions import send_reply
from sportello.providers.email.receive import receive_email
from tests.factories import AgentFactory
from tests.outbound.helpers import SHOP_ADDRESS, SmtpSink, make_email_channel, smtp_sink
from tests.sla.conftest import MovingClock, moving_clock

__all__ = ["moving_clock"]

ON: dict[str, Any] = {
    "csat_enabled": True,
    "csat_delay_minutes": 60,
    "csat_days_between": 7,
    "csat_question_it": DEFAULT_CSAT_QUESTIONS["it"],
    "csat_question_en": DEFAULT_CSAT_QUESTIONS["en"],
    "nps_enabled": False,
    "nps_recent_days": 30,
}
LINK = re.compile(r"https?://\S+/feedback/[\w-]+/([A-Za-z0-9_-]{32})/")


@pytest.fixture
def surveys_on(workspace) -> Callable[..., FeedbackSettings]:
    def turn_on(**changes: Any) -> FeedbackSettings:
        return update_feedback_settings(workspace.pk, **{**ON, **changes})

    turn_on()
    return turn_on


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with smtp_sink() as found:
        yield found


@pytest.fixture
def mailbox(workspace, sink):
    return make_email_channel(workspace.pk, smtp_port=sink.port)


@pytest.fixture
def giulia(workspace) -> Agent:
    return AgentFactory(workspace=workspace, display_name="Giulia Bianchi", role=Role.AGENT)


@pytest.fixture
def write(mailbox, moving_clock: MovingClock, django_capture_on_commit_callbacks):
    """A customer's email reaches the channel now; the handlers of its commit run."""
    counter = iter(range(1, 1000))

    def send(
        text: str = "Buongiorno, il mio ordine 4411 non è ancora arrivato. Potete controllare?",
        *,
        sender: str = "Mario Rossi <mario.rossi@example.it>",
        headers: dict[str, str] | None = None,
    ) -> Conversation:
        email = EmailMessage()
        email["From"] = sender
        email["To"] = SHOP_ADDRESS
        email["Subject"] = "Ordine 4411"
        email["Date"] = format_datetime(moving_clock.now)
        email["Message-ID"] = f"<msg-{next(counter)}@cliente.example.it>"
        for name, value in (headers or {}).items():
            email[name] = value
        email.set_content(text)
        with django_capture_on_commit_callbacks(execute=True):
            outcome = receive_email(mailbox, email.as_bytes(), source="test")
        assert outcome.conversation_id is not None, outcome
        return Conversation.objects.get(pk=outcome.conversation_id)

    return send


@pytest.fixture
def answer_and_resolve(django_capture_on_commit_callbacks):
    """An agent answers the conversation and resolves it; the handlers run."""

    def run(conversation: Conversation, agent: Agent, *, reply: bool = True) -> Conversation:
        with django_capture_on_commit_callbacks(execute=True):
            if reply:
                send_reply(conversation, agent, "Ecco il tracking: è in consegna oggi.")
        conversation.refresh_from_db()
        with django_capture_on_commit_callbacks(execute=True):
            set_status(conversation, agent, "resolved")
        conversation.refresh_from_db()
        return conversation

    return run


def token_in(text: str) -> str:
    found = LINK.search(text)
    assert found, text
    return found.group(1)
