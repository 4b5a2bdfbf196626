"""The agent pages' websocket: sign-in, workspace isolation, notifications, catch-up,
presence and typing, through the real ASGI application (session cookie, origin check)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.test import Client, override_settings

from sportello.accounts.models import Agent
from sportello.conversations import actions
from sportello.conversations.models import Conversation
from sportello.core import realtime
from tests.factories import AgentFactory, ChannelFactory, WorkspaceFactory
from tests.websockets import WebsocketCommunicator

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://testserver")


def _application() -> Any:
    from sportello.config.asgi import application

    return application


def _cookie(agent: Agent) -> tuple[bytes, bytes]:
    client = Client()
    client.force_login(agent.user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    return (b"cookie", f"{settings.SESSION_COOKIE_NAME}={session}".encode())


_COOKIES: dict[int, tuple[bytes, bytes]] = {}


def _socket(agent: Agent | None, query: str = "", origin: bytes = ORIGIN[1]):
    headers = [(b"origin", origin)]
    if agent is not None:
        headers.append(_COOKIES[agent.pk])
    path = "/ws/agent/" + (f"?{query}" if query else "")
    return WebsocketCommunicator(_application(), path, headers=headers)


def run(test: Callable[[], Awaitable[None]], *agents: Agent) -> None:
    """Run ``test`` on an event loop, with ``agents`` signed in (a session each)."""
    for agent in agents:
        _COOKIES[agent.pk] = _cookie(agent)
    asyncio.run(test())


async def _connect(communicator: WebsocketCommunicator) -> dict[str, Any]:
    connected, code = await communicator.connect()
    assert connected, code
    hello = await communicator.receive_json_from()
    assert hello["type"] == "hello"
    return hello


async def _events(communicator: WebsocketCommunicator, count: int) -> list[dict[str, Any]]:
    return [await communicator.receive_json_from(timeout=3) for _ in range(count)]


@pytest.fixture
def other_agent(workspace) -> Agent:
    return AgentFactory(workspace=workspace, display_name="Marco Verdi")


@pytest.fixture
def stranger() -> Agent:
    """An agent of another workspace."""
    return AgentFactory(workspace=WorkspaceFactory(), display_name="Anna Neri")


def test_anonymous_socket_is_refused(workspace):
    async def scenario():
        communicator = _socket(None)
        connected, code = await communicator.connect()
        assert not connected
        assert code == 4401

    run(scenario)


def test_socket_from_a_foreign_origin_is_refused(agent):
    async def scenario():
        communicator = _socket(agent, origin=b"https://evil.example")
        connected, _ = await communicator.connect()
        assert not connected

    run(scenario, agent)


def test_conversation_of_another_workspace_is_refused(agent, stranger, customer_writes):
    conversation = customer_writes()

    async def scenario():
        communicator = _socket(stranger, f"conversation={conversation.pk}")
        connected, code = await communicator.connect()
        assert not connected
        assert code == 4404

    run(scenario, stranger)


def test_inbound_message_reaches_the_workspace_and_never_another(agent, stranger, customer_writes):
    """GIVEN an agent of workspace A and one of workspace B connected
    WHEN a customer writes to A and B's own channel gets a message
    THEN A's socket hears A's conversation only, and B's socket B's only."""

    async def scenario():
        mine, theirs = _socket(agent), _socket(stranger)
        await _connect(mine)
        await _connect(theirs)
        conversation = await database_sync_to_async(customer_writes)()
        opened, received = await _events(mine, 2)
        assert opened["event"] == "conversation.opened"
        assert opened["conversation"] == conversation.pk
        assert opened["number"] == conversation.number
        assert received["event"] == "message.received"
        assert received["conversation"] == conversation.pk
        assert isinstance(received["id"], int)
        assert await theirs.receive_nothing(timeout=0.3)

        other_channel = await database_sync_to_async(ChannelFactory)(
            workspace_id=stranger.workspace_id, slug="b-api"
        )
        await database_sync_to_async(_write_to)(other_channel)
        event = (await _events(theirs, 2))[0]
        assert event["event"] == "conversation.opened"
        assert await mine.receive_nothing(timeout=0.3)
        await mine.disconnect()
        await theirs.disconnect()

    run(scenario, agent, stranger)


def _write_to(channel) -> Conversation:
    from sportello.ingest.inbound import InboundMessage, Sender
    from sportello.ingest.pipeline import ingest

    ingest(
        InboundMessage(
            workspace_id=channel.workspace_id,
            channel_id=channel.pk,
            sender=Sender(name="Luca", email="luca@example.it"),
            text="Ciao",
            external_id="b-1",
        ),
        source="test",
    )
    return Conversation.objects.get(workspace_id=channel.workspace_id)


def test_replies_notes_and_triage_are_told(agent, other_agent, customer_writes):
    conversation = customer_writes()

    async def scenario():
        page = _socket(other_agent)
        await _connect(page)
        await database_sync_to_async(actions.add_note)(conversation, agent, "Controllo io")
        await database_sync_to_async(actions.assign)(conversation, agent, assignee=other_agent)
        await database_sync_to_async(actions.set_status)(conversation, agent, "pending")
        events = await _events(page, 3)
        assert [e["event"] for e in events] == [
            "note.added",
            "conversation.assigned",
            "conversation.updated",
        ]
        assert events[1]["assignee"] == other_agent.pk
        assert {e["conversation"] for e in events} == {conversation.pk}
        await page.disconnect()

    run(scenario, other_agent)


def test_reconnected_page_catches_up_on_what_it_missed(agent, customer_writes):
    """GIVEN a page that saw entries up to ``last_id`` and lost its socket
    WHEN two conversations change meanwhile, and it reconnects asking from ``last_id``
    THEN the answer lists both conversations and the new last id; asking again from that
    id lists nothing."""
    first = customer_writes()

    async def scenario():
        page = _socket(agent)
        last_id = (await _connect(page))["last_id"]
        await page.disconnect()

        second = await database_sync_to_async(customer_writes)()
        await database_sync_to_async(actions.add_note)(first, agent, "nota")

        page = _socket(agent)
        await _connect(page)
        await page.send_json_to({"type": "resume", "after": last_id})
        catchup = await page.receive_json_from()
        assert catchup["type"] == "catchup"
        assert catchup["complete"] is True
        assert set(catchup["conversations"]) == {first.pk, second.pk}
        assert catchup["last_id"] > last_id

        await page.send_json_to({"type": "resume", "after": catchup["last_id"]})
        again = await page.receive_json_from()
        assert again["conversations"] == []
        assert again["last_id"] == catchup["last_id"]

        await page.send_json_to({"type": "resume", "after": "yesterday"})
        assert (await page.receive_json_from())["type"] == "error"
        await page.disconnect()

    run(scenario, agent)


def test_catch_up_never_lists_another_workspace(agent, stranger, customer_writes):
    async def catchup_only():
        page = _socket(stranger)
        await _connect(page)
        await page.send_json_to({"type": "resume", "after": 0})
        answer = await page.receive_json_from()
        assert answer["conversations"] == []
        await page.disconnect()

    customer_writes()
    run(catchup_only, stranger)


def test_presence_and_typing_on_a_conversation(agent, other_agent, customer_writes):
    conversation = customer_writes()
    query = f"conversation={conversation.pk}"

    async def scenario():
        giulia = _socket(agent, query)
        await _connect(giulia)
        marco = _socket(other_agent, query)
        await _connect(marco)
        # Giulia learns Marco came; Marco learns Giulia was there.
        assert await giulia.receive_json_from() == {
            "type": "presence",
            "state": "here",
            "agent": other_agent.pk,
            "name": "Marco Verdi",
        }
        here = await marco.receive_json_from()
        assert (here["state"], here["name"]) == ("here", "Giulia Bianchi")

        await marco.send_json_to({"type": "typing"})
        assert await giulia.receive_json_from() == {
            "type": "typing",
            "agent": other_agent.pk,
            "name": "Marco Verdi",
        }
        assert await marco.receive_nothing(timeout=0.2)  # not echoed to the typist

        await marco.disconnect()
        left = await giulia.receive_json_from()
        assert (left["state"], left["name"]) == ("left", "Marco Verdi")
        await giulia.disconnect()

    run(scenario, agent, other_agent)


def _redis_url() -> str | None:
    url = os.environ.get("SPORTELLO_TEST_REDIS_URL", "redis://127.0.0.1:6379/1")
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except Exception:
        return None
    return url


def test_fan_out_over_the_redis_layer(agent, stranger, customer_writes):
    """The same fan-out through Channels' Redis layer, as several web processes share it."""
    url = _redis_url()
    if url is None:
        pytest.skip("Redis does not answer")
    layers = {
        "default": {
            "BACKEND": settings.REDIS_CHANNEL_LAYER,
            "CONFIG": {"hosts": [url], "prefix": "sportello-test-live"},
        }
    }
    from channels.layers import channel_layers

    async def scenario():
        mine, theirs = _socket(agent), _socket(stranger)
        await _connect(mine)
        await _connect(theirs)
        conversation = await database_sync_to_async(customer_writes)()
        opened, received = await _events(mine, 2)
        assert (opened["event"], received["event"]) == ("conversation.opened", "message.received")
        assert received["conversation"] == conversation.pk
        assert await theirs.receive_nothing(timeout=0.3)
        await mine.disconnect()
        await theirs.disconnect()

    with override_settings(CHANNEL_LAYERS=layers):
        channel_layers.backends.clear()
        try:
            run(scenario, agent, stranger)
        finally:
            channel_layers.backends.clear()
            realtime.bind_loop(None)


def test_delivery_state_is_told_to_the_conversation(agent, other_agent, workspace):
    """A reply's delivery is queued, then fails (the email channel's server refuses the
    address for good): the open pages are told each change, with the reply's id."""
    from sportello.outbound.actions import send_reply
    from tests.outbound.helpers import customer_email, make_email_channel, smtp_sink

    with smtp_sink() as sink:
        sink.rcpt_answer = "550 5.1.1 no such mailbox"
        conversation = customer_email(make_email_channel(workspace.pk, smtp_port=sink.port))

        async def scenario():
            page = _socket(other_agent)
            await _connect(page)
            sent = await database_sync_to_async(send_reply)(conversation, agent, "Eccoci")
            events = await _events(page, 3)
            assert [e["event"] for e in events] == [
                "message.sent",
                "delivery.changed",
                "delivery.changed",
            ]
            assert {e["id"] for e in events} == {sent.message.pk}
            assert {e["conversation"] for e in events} == {conversation.pk}
            await page.disconnect()

        run(scenario, other_agent)
