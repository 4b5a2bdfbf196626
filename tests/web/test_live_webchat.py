"""The chat widget joined to the agents' live layer, through the real ASGI application: an
agent's socket and a visitor's socket in the same test. The agent's typing reaches the
widget (with the agent's display name only), the visitor's typing reaches the agent's
page, and the widget's ``config`` says whether any agent of the workspace is online."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.core.cache import cache
from django.test import Client

from sportello.accounts.models import Agent
from sportello.conversations.models import Conversation
from sportello.core import realtime
from sportello.providers.webchat.presence import agent_typing
from tests.factories import AgentFactory, WorkspaceFactory
from tests.providers.webchat.helpers import SHOP, Widget, make_webchat_channel
from tests.websockets import WebsocketCommunicator

pytestmark = pytest.mark.django_db(transaction=True)


def _application() -> Any:
    from sportello.config.asgi import application

    return application


def _cookie(agent: Agent) -> tuple[bytes, bytes]:
    client = Client()
    client.force_login(agent.user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    return (b"cookie", f"{settings.SESSION_COOKIE_NAME}={session}".encode())


def _agent_socket(cookie: tuple[bytes, bytes], conversation: int | None = None) -> Any:
    path = "/ws/agent/" + (f"?conversation={conversation}" if conversation else "")
    return WebsocketCommunicator(
        _application(), path, headers=[(b"origin", b"http://testserver"), cookie]
    )


def _visitor_socket(widget: Widget, key: str) -> Any:
    return WebsocketCommunicator(
        _application(),
        f"/ws/webchat/{key}/?token={widget.token}",
        headers=[(b"origin", SHOP.encode())],
    )


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def chat(workspace):
    """A web chat channel and a visitor who already wrote (so a conversation exists)."""
    channel = make_webchat_channel(workspace.pk)
    widget = Widget(channel)
    widget.open()
    assert widget.say("Buongiorno, avete la taglia 42?", name="Lucia Bianchi").status_code == 201
    conversation = Conversation.objects.get(channel=channel)
    return channel, widget, conversation


async def _hello(communicator: Any) -> dict[str, Any]:
    connected, code = await communicator.connect()
    assert connected, code
    hello = await communicator.receive_json_from(timeout=3)
    assert hello["type"] == "hello"
    return hello


async def _next(communicator: Any, kind: str) -> dict[str, Any]:
    """The next message of type ``kind``, skipping live notifications about other things."""
    for _ in range(10):
        message = await communicator.receive_json_from(timeout=3)
        if message["type"] == kind:
            return message
    raise AssertionError(f"no {kind} message")


def test_agent_typing_reaches_the_widget_and_the_visitors_reaches_the_agent(chat, workspace):
    channel, widget, conversation = chat
    agent = AgentFactory(workspace=workspace, display_name="Marco Verdi")
    cookie = _cookie(agent)
    key = channel.config["webhook_key"]

    async def scenario() -> None:
        page = _agent_socket(cookie, conversation.pk)
        await _hello(page)
        visitor = _visitor_socket(widget, key)
        assert (await visitor.connect())[0]

        await page.send_json_to({"type": "typing"})
        typing = await _next(visitor, "typing")
        # The widget learns the agent's display name, nothing else.
        assert typing == {"type": "typing", "name": "Marco Verdi"}
        # A widget that polls instead reads the same from the cache.
        name = await database_sync_to_async(agent_typing)([conversation.pk])
        assert name == "Marco Verdi"

        await visitor.send_json_to({"type": "typing"})
        seen = await _next(page, "typing")
        assert seen == {"type": "typing", "visitor": True, "name": "Lucia Bianchi"}

        await visitor.disconnect()
        await page.disconnect()

    asyncio.run(scenario())


def test_typing_stays_in_its_conversation_and_workspace(chat, workspace):
    """An agent on another conversation, or of another workspace, hears no visitor typing;
    a visitor of another conversation does not see the agent typing."""
    channel, widget, conversation = chat
    agent = AgentFactory(workspace=workspace, display_name="Marco Verdi")
    other_page_agent = AgentFactory(workspace=workspace, display_name="Anna Neri")
    stranger = AgentFactory(workspace=WorkspaceFactory(), display_name="Piero Blu")
    cookies = {a.pk: _cookie(a) for a in (agent, other_page_agent, stranger)}
    other_visitor = Widget(channel, ip="203.0.113.8")
    other_visitor.open()
    assert other_visitor.say("Spedite in Svizzera?").status_code == 201
    other_conversation = Conversation.objects.exclude(pk=conversation.pk).get(channel=channel)
    key = channel.config["webhook_key"]

    async def scenario() -> None:
        page = _agent_socket(cookies[agent.pk], conversation.pk)
        elsewhere = _agent_socket(cookies[other_page_agent.pk], other_conversation.pk)
        foreign = _agent_socket(cookies[stranger.pk])
        for socket in (page, elsewhere, foreign):
            await _hello(socket)
        visitor = _visitor_socket(widget, key)
        bystander = _visitor_socket(other_visitor, key)
        assert (await visitor.connect())[0]
        assert (await bystander.connect())[0]

        await visitor.send_json_to({"type": "typing"})
        assert (await _next(page, "typing"))["visitor"] is True
        await page.send_json_to({"type": "typing"})
        assert (await _next(visitor, "typing"))["name"] == "Marco Verdi"

        assert await elsewhere.receive_nothing(timeout=0.3)
        assert await foreign.receive_nothing(timeout=0.3)
        assert await bystander.receive_nothing(timeout=0.3)
        for socket in (visitor, bystander, page, elsewhere, foreign):
            await socket.disconnect()

    asyncio.run(scenario())


def test_agent_typing_on_a_conversation_of_another_channel_is_not_pushed(workspace, chat):
    """A non-chat conversation page keeps typing among agents: no widget group joined."""
    _channel, _widget, conversation = chat
    agent = AgentFactory(workspace=workspace, display_name="Marco Verdi")
    cookie = _cookie(agent)
    Conversation.objects.filter(pk=conversation.pk).update(channel=_other_channel(workspace))

    async def scenario() -> None:
        page = _agent_socket(cookie, conversation.pk)
        await _hello(page)
        await page.send_json_to({"type": "typing"})
        await page.disconnect()

    asyncio.run(scenario())
    assert agent_typing([conversation.pk]) == ""


def _other_channel(workspace: Any) -> Any:
    from tests.factories import ChannelFactory

    channel = ChannelFactory(workspace_id=workspace.pk, slug="not-chat")
    assert channel.kind != "webchat"
    return channel


def test_widget_says_nobody_online_until_an_agent_socket_is_open(workspace):
    channel = make_webchat_channel(workspace.pk)
    widget = Widget(channel)
    agent = AgentFactory(workspace=workspace)
    cookie = _cookie(agent)
    stranger_cookie = _cookie(AgentFactory(workspace=WorkspaceFactory()))

    nobody = widget.get("config").json()
    assert nobody["online"] is False
    assert nobody["offline_text"]

    async def open_socket(cookie: tuple[bytes, bytes]) -> dict[str, Any]:
        page = _agent_socket(cookie)
        await _hello(page)
        answer = await database_sync_to_async(lambda: widget.get("config").json())()
        await page.disconnect()
        return answer

    # An agent of another workspace online changes nothing here.
    assert asyncio.run(open_socket(stranger_cookie))["online"] is False
    online = asyncio.run(open_socket(cookie))
    assert online["online"] is True
    assert online["offline_text"] == ""
    # The record expires by itself (a server that died leaves no one "online" for good).
    cache.delete(f"realtime:online:{workspace.pk}")
    assert widget.get("config").json()["online"] is False
    assert realtime.ONLINE_FOR > realtime.ONLINE_REFRESH
