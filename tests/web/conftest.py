from __future__ import annotations

from collections.abc import Callable
from itertools import count

import pytest
from django.test import Client

from sportello.accounts.models import Agent
from sportello.channels.models import Channel
from sportello.conversations.models import Conversation
from sportello.conversations.queries import get_conversation
from sportello.ingest.inbound import InboundMessage, Sender
from sportello.ingest.pipeline import ingest

_external_ids = count(1)

MakeConversation = Callable[..., Conversation]


@pytest.fixture
def agent_client(agent: Agent) -> Client:
    """A browser signed in as the ``agent`` fixture."""
    client = Client()
    client.force_login(agent.user)
    return client


@pytest.fixture
def customer_writes(api_channel: Channel) -> MakeConversation:
    """A customer message arrives through the ingest pipeline; returns its conversation.

    Each call is a different customer unless ``email`` is given."""

    def write(
        text: str = "Buongiorno, il mio ordine non è arrivato",
        *,
        subject: str = "",
        email: str | None = None,
        name: str = "Mario Rossi",
    ) -> Conversation:
        n = next(_external_ids)
        result = ingest(
            InboundMessage(
                workspace_id=api_channel.workspace_id,
                channel_id=api_channel.pk,
                sender=Sender(name=name, email=email or f"cliente{n}@example.it"),
                text=text,
                subject=subject,
                external_id=f"web-test-{n}",
            ),
            source="test",
        )
        return get_conversation(api_channel.workspace_id, result.conversation_id)

    return write


def htmx(target: str) -> dict[str, str]:
    """The headers htmx sends when it will swap the element with id ``target``."""
    return {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": target}
