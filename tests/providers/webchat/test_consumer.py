"""The visitor's websocket, through Channels' WebsocketCommunicator and the in-memory
layer: the origin check at the handshake, a message stored then echoed, an agent's reply
pushed live and delivered, and a reconnect that catches up on what it missed."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from sportello.conversations.models import Conversation
from sportello.outbound.actions import send_reply
from sportello.outbound.models import Delivery
from sportello.providers.webchat.routing import websocket_urlpatterns
from sportello.providers.webchat.visitors import new_token
from tests.providers.webchat.helpers import SHOP, make_webchat_channel

pytestmark = pytest.mark.django_db(transaction=True)

app = URLRouter(websocket_urlpatterns)


def communicator(channel: Any, token: str, origin: str = SHOP) -> WebsocketCommunicator:
    key = channel.config["webhook_key"]
    return WebsocketCommunicator(
        app, f"/ws/webchat/{key}/?token={token}", headers=[(b"origin", origin.encode())]
    )


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def test_handshake_from_a_site_not_allowed_is_refused(workspace):
    channel = make_webchat_channel(workspace.pk)

    async def scenario() -> tuple[Any, Any, Any]:
        stranger = communicator(channel, new_token(), origin="https://evil.example")
        refused = await stranger.connect()
        no_token = communicator(channel, "corto")
        unknown = await no_token.connect()
        good = communicator(channel, new_token())
        accepted = await good.connect()
        await good.disconnect()
        return refused, unknown, accepted

    refused, unknown, accepted = run(scenario())
    assert refused == (False, 4403)
    assert unknown == (False, 4401)
    assert accepted[0] is True


def test_message_reply_and_reconnect_lose_nothing(workspace, agent):
    channel = make_webchat_channel(workspace.pk)
    token = new_token()

    def reply(text: str) -> int:
        conversation = Conversation.objects.get(channel=channel)
        sent = send_reply(conversation, agent, text)
        # outside a test transaction the reply commits and its handlers run (push, send)
        return sent.message.pk

    async def scenario() -> dict[str, Any]:
        seen: dict[str, Any] = {}
        socket = communicator(channel, token)
        assert (await socket.connect())[0]
        await socket.send_json_to(
            {"type": "message", "text": "Ciao, siete aperti?", "client_id": "a1"}
        )
        seen["sent"] = await socket.receive_json_from(timeout=10)
        first_reply = await sync_to_async(reply)("Sì, fino alle 19")
        seen["pushed"] = await socket.receive_json_from(timeout=10)
        seen["first_reply"] = first_reply
        await socket.disconnect()
        # While the socket is down the agent writes again; the reconnect asks from its last id.
        await sync_to_async(reply)("Le serve altro?")
        again = communicator(channel, token)
        assert (await again.connect())[0]
        await again.send_json_to({"type": "hello", "after": seen["pushed"]["message"]["id"]})
        seen["caught_up"] = await again.receive_json_from(timeout=10)
        await again.send_json_to({"type": "read", "until": seen["caught_up"]["last_id"]})
        await again.send_json_to({"type": "nonsense"})
        seen["error"] = await again.receive_json_from(timeout=10)
        await again.disconnect()
        return seen

    seen = run(scenario())
    assert (
        seen["sent"]["type"] == "sent" and seen["sent"]["message"]["text"] == "Ciao, siete aperti?"
    )
    pushed = seen["pushed"]
    assert pushed["type"] == "message"
    assert (
        pushed["message"]["author"] == "agent" and pushed["message"]["text"] == "Sì, fino alle 19"
    )
    assert [m["text"] for m in seen["caught_up"]["messages"]] == ["Le serve altro?"]
    assert seen["error"]["status"] == 400
    deliveries = Delivery.objects.order_by("pk")
    assert all(d.status == "sent" and d.delivered_at for d in deliveries)
    assert all(d.read_at for d in deliveries)


def test_a_push_crosses_processes_through_the_redis_layer(workspace, agent, settings):
    """With SPORTELLO_REDIS_URL the layer is Redis: a reply stored by one process (here,
    the test's thread, as a web or job process would) reaches a socket held by another
    (the consumer's event loop), through Redis only."""
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/12"
    try:
        redis.Redis.from_url(url).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": settings.REDIS_CHANNEL_LAYER,
            "CONFIG": {"hosts": [url], "prefix": f"webchat-test-{new_token()[:8]}"},
        }
    }
    channel_layers.backends = {}
    assert type(channel_layers["default"]).__name__ == "RedisPubSubChannelLayer"
    channel = make_webchat_channel(workspace.pk)
    token = new_token()

    def reply() -> None:
        conversation = Conversation.objects.get(channel=channel)
        send_reply(conversation, agent, "Risposta via Redis")

    async def scenario() -> dict[str, Any]:
        socket = communicator(channel, token)
        assert (await socket.connect())[0]
        await socket.send_json_to({"type": "message", "text": "Ciao", "client_id": "r1"})
        await socket.receive_json_from(timeout=10)
        await sync_to_async(reply, thread_sensitive=False)()
        # The visitor's own message may come back too (pushed to every tab of the visitor,
        # without waiting): the widget shows each id once.
        pushed = await socket.receive_json_from(timeout=10)
        while pushed["message"]["author"] != "agent":
            pushed = await socket.receive_json_from(timeout=10)
        await socket.disconnect()
        return pushed

    try:
        pushed = run(scenario())
    finally:
        channel_layers.backends = {}
    assert pushed["message"]["text"] == "Risposta via Redis"


def test_a_visitor_waiting_quietly_with_the_page_open_is_still_here(workspace, monkeypatch):
    """A reply goes by email only to a visitor who has left: one who wrote and then waits
    with the page open, longer than a poll's mark lasts, is still here, and stays so as
    long as the socket is open (its process renews the mark); closing it is leaving."""
    import time

    from sportello.providers.webchat import presence
    from sportello.providers.webchat.visitors import handle_of

    channel = make_webchat_channel(workspace.pk)
    token = new_token()
    handle = handle_of(token)
    shift = {"by": 0.0}
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + shift["by"])
    is_here = sync_to_async(presence.is_here, thread_sensitive=False)

    async def scenario() -> tuple[bool, bool, bool]:
        socket = communicator(channel, token)
        assert (await socket.connect())[0]
        await socket.send_json_to({"type": "message", "text": "Aspetto qui", "client_id": "q1"})
        while (await socket.receive_json_from(timeout=10))["type"] != "sent":
            pass
        shift["by"] = presence.SEEN_FOR + 5  # a quiet wait, longer than a poll's mark
        after_wait = await is_here(handle)
        shift["by"] = presence.CONNECTED_FOR - 5
        await sync_to_async(presence.refresh_sockets, thread_sensitive=False)()
        shift["by"] = presence.CONNECTED_FOR + presence.SEEN_FOR
        after_renewal = await is_here(handle)
        await socket.disconnect()
        return after_wait, after_renewal, await is_here(handle)

    assert run(scenario()) == (True, True, False)


def test_closing_one_of_two_tabs_is_not_leaving(workspace):
    from sportello.providers.webchat import presence
    from sportello.providers.webchat.visitors import handle_of

    channel = make_webchat_channel(workspace.pk)
    token = new_token()
    is_here = sync_to_async(presence.is_here, thread_sensitive=False)

    async def scenario() -> tuple[bool, bool]:
        first, second = communicator(channel, token), communicator(channel, token)
        assert (await first.connect())[0] and (await second.connect())[0]
        await first.disconnect()
        one_left = await is_here(handle_of(token))
        await second.disconnect()
        return one_left, await is_here(handle_of(token))

    assert run(scenario()) == (True, False)
