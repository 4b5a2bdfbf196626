"""A small shop whose figures are known: conversations written through ingest and answered
through the actions, on a clock the test moves (Europe/Rome)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from itertools import count
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from sportello.accounts.models import Agent, Role
from sportello.channels.models import Channel
from sportello.conversations.actions import assign, reply, set_status
from sportello.conversations.models import Conversation
from sportello.conversations.queries import get_conversation
from sportello.core.models import Workspace
from sportello.ingest.inbound import InboundMessage, Sender
from sportello.ingest.pipeline import ingest
from tests.factories import AgentFactory, ChannelFactory, WorkspaceFactory
from tests.sla.conftest import MovingClock, moving_clock  # noqa: F401

ROME = ZoneInfo("Europe/Rome")
_ids = count(1)


def rome(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=ROME)


@dataclass
class Shop:
    workspace: Workspace
    email: Channel
    chat: Channel
    giulia: Agent
    marco: Agent
    supervisor: Agent


@pytest.fixture
def shop(db) -> Shop:
    workspace = WorkspaceFactory(time_zone="Europe/Rome")
    return Shop(
        workspace=workspace,
        email=ChannelFactory(workspace=workspace, name="Email"),
        chat=ChannelFactory(workspace=workspace, name="Chat"),
        giulia=AgentFactory(workspace=workspace, display_name="Giulia Bianchi"),
        marco=AgentFactory(workspace=workspace, display_name="Marco Ferri"),
        supervisor=AgentFactory(
            workspace=workspace, display_name="Sara Colombo", role=Role.SUPERVISOR
        ),
    )


Write = Callable[..., Conversation]


@pytest.fixture
def write(moving_clock, django_capture_on_commit_callbacks) -> Write:  # noqa: F811
    """A customer's message on ``channel`` at ``at`` (Rome), the handlers of its commit
    run (the SLA clocks); a new customer unless ``email`` is given."""

    def send(channel: Channel, at: datetime, text: str = "", *, email: str = "") -> Conversation:
        moving_clock.now = at
        n = next(_ids)
        with django_capture_on_commit_callbacks(execute=True):
            result = ingest(
                InboundMessage(
                    workspace_id=channel.workspace_id,
                    channel_id=channel.pk,
                    sender=Sender(name=f"Cliente {n}", email=email or f"c{n}@example.it"),
                    text=text or f"Buongiorno, domanda numero {n} sul mio ordine",
                    external_id=f"insights-{n}",
                ),
                source="test",
            )
        return get_conversation(channel.workspace_id, result.conversation_id)

    return send


Answer = Callable[..., None]


@pytest.fixture
def answer(moving_clock, django_capture_on_commit_callbacks) -> Answer:  # noqa: F811
    """``agent`` replies at ``at`` (assigned first), the handlers of the commit run (the
    SLA's met or breached)."""

    def send(conversation: Conversation, agent: Agent, at: datetime) -> None:
        moving_clock.now = at
        with django_capture_on_commit_callbacks(execute=True):
            if conversation.assignee_id != agent.pk:
                assign(conversation, agent, assignee=agent)
            reply(get_conversation(conversation.workspace_id, conversation.pk), agent, "Eccomi")

    return send


Resolve = Callable[..., None]


@pytest.fixture
def resolve(moving_clock, django_capture_on_commit_callbacks) -> Resolve:  # noqa: F811
    def send(conversation: Conversation, agent: Agent, at: datetime) -> None:
        moving_clock.now = at
        with django_capture_on_commit_callbacks(execute=True):
            set_status(
                get_conversation(conversation.workspace_id, conversation.pk), agent, "resolved"
            )

    return send


def signed_in(agent: Agent) -> Client:
    client = Client()
    client.force_login(agent.user)
    return client
