"""The widget's websocket: ``/ws/webchat/<public key>/?token=<visitor token>``.

The handshake is refused (closed with 4403) when the ``Origin`` header is not one of the
channel's allowed origins, and with 4401 without a valid visitor token. Once open, the
socket joins the groups of the visitor's conversations (``push``) and relays:

from the widget            to the widget
``{"type": "hello", "after": id}``  ``{"type": "messages", "messages": [...], "last_id": id}``
``{"type": "message", ...}``        ``{"type": "message", "message": {...}}``
``{"type": "typing"}``              ``{"type": "typing", "name": "Marco"}``
``{"type": "read", "until": id}``   ``{"type": "error", "detail": ..., "status": 4xx}``

A message is stored through the same ``chat.write`` as over HTTP (the ingest pipeline)
before anything is pushed; a socket that reconnects sends ``hello`` with the last id it
saw and gets what it missed, so a dropped connection loses nothing.

Everything that reads or writes (the database, the cache: Redis when scaled out) runs in
the event loop's thread pool (``_io``, ``thread_sensitive=False``), never on the loop and
never on Channels' one shared database thread: that thread made every socket of a process
wait in one queue, and at 1,000 sockets the queue was tens of seconds long
(docs/performance.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from sportello.channels.models import Channel
from sportello.core.errors import SportelloError
from sportello.core.realtime import bind_loop
from sportello.providers.webchat import chat, limits, presence, push
from sportello.providers.webchat.config import WebchatConfig, read_config
from sportello.providers.webchat.views import channel_for_widget
from sportello.providers.webchat.visitors import TOKEN, conversation_ids, handle_of

T = TypeVar("T")


def _io(function: Callable[..., T]) -> Callable[..., Any]:
    """``function`` run in the loop's thread pool, any thread (see the module's doc)."""
    wrapped: Callable[..., Any] = database_sync_to_async(function, thread_sensitive=False)
    return wrapped


def _header(scope: dict[str, Any], name: bytes) -> str:
    for key, value in scope.get("headers") or []:
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return ""


class VisitorConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    channel: Channel
    config: WebchatConfig
    token: str
    handle: str
    groups_joined: set[str]
    marked = False  # the visitor's presence mark is this socket's to drop

    async def connect(self) -> None:
        loop = asyncio.get_running_loop()
        bind_loop(loop)  # where pushes from the pool are sent
        presence.keep_sockets_marked(loop)
        key = str(self.scope["url_route"]["kwargs"].get("key") or "")
        query = parse_qs(bytes(self.scope.get("query_string") or b"").decode())
        token = (query.get("token") or [""])[0]
        opened = await _io(self._open)(key, _header(self.scope, b"origin"), token)
        if isinstance(opened, int):
            await self.close(code=opened)
            return
        self.channel, self.config, self.handle, conversations = opened
        self.token = token
        self.groups_joined = set()
        # Join before accepting: once the widget sees the socket open, nothing pushed to
        # its conversations can slip past it.
        for pk in conversations:
            await self._join(pk)
        await self.accept()
        self.marked = True
        await _io(presence.socket_opened)(self.handle)

    def _open(
        self, key: str, origin: str, token: str
    ) -> int | tuple[Channel, WebchatConfig, str, list[int]]:
        """The channel, its settings, the visitor's handle and conversations, or the close
        code that refuses the socket: one trip to the pool for all the handshake reads."""
        channel = channel_for_widget(key)
        if channel is None:
            return 4404
        try:
            config = read_config(channel.config)
        except SportelloError:
            return 4404
        if not config.allows(origin):
            return 4403
        if not TOKEN.match(token):
            return 4401
        handle = handle_of(token)
        return channel, config, handle, conversation_ids(channel.workspace_id, channel.pk, handle)

    async def _join(self, conversation_id: int) -> None:
        group = push.visitors_group(conversation_id)
        if group not in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups_joined.add(group)

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "groups_joined", set()):
            await self.channel_layer.group_discard(group, self.channel_name)
        if self.marked:
            await _io(presence.socket_closed)(self.handle)

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Every event, straight to its handler. Channels' own ``dispatch`` first closes
        stale database connections with a hop to its one shared database thread, for each
        frame, push and handshake of every socket, all queued on that thread: at 1,000
        widgets 4,560 hops in 30 s (``bench/chat.py --profile``). It closed that thread's
        connection only, which this consumer never uses: its database work runs in the
        pool through ``_io`` (``DatabaseSyncToAsync``), which closes stale connections
        around each call on the thread that makes it."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            await self._error("a JSON object", 400)
            return
        kind = content.get("type")
        try:
            if kind == "hello":
                after = content.get("after") or 0
                if not isinstance(after, int) or after < 0:
                    raise chat.BadRequest("after: a message id")
                answer = await _io(chat.catch_up)(self.channel, self.token, after)
                await self.send_json({"type": "messages", **answer})
            elif kind == "message":
                written = await _io(self._write)(content)
                # A first message opens a conversation: listen to it from now on.
                await self._join(written.conversation_id)
                await self.send_json({"type": "sent", "message": written.line})
            elif kind == "typing":
                await _io(chat.visitor_typing)(self.channel, self.token)
            elif kind == "read":
                await _io(chat.mark_read)(self.channel, self.token, content.get("until"))
            else:
                raise chat.BadRequest("type: hello, message, typing or read")
        except SportelloError as exc:
            await self._error(exc.message, exc.status_code)

    def _write(self, content: dict[str, Any]) -> chat.Written:
        if limits.spent(f"msg-visitor:{self.token}", limits.MESSAGES_PER_VISITOR):
            raise chat.BadRequest("too many messages: wait a minute")
        return chat.store(self.channel, self.config, self.token, content, [])

    async def _error(self, detail: str, status: int) -> None:
        await self.send_json({"type": "error", "detail": detail, "status": status})

    async def chat_event(self, message: dict[str, Any]) -> None:
        """A push from a group (``push._send``): handed to the widget as it is."""
        event = message["event"]
        line = event.get("message") or {}
        if event.get("type") == "message" and line.get("author") == "agent":
            await _io(chat.delivered_one)(self.channel, int(line["id"]))
        await self.send_json(event)
