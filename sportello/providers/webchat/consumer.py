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
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from sportello.channels.models import Channel
from sportello.core.errors import SportelloError
from sportello.providers.webchat import chat, limits, presence, push
from sportello.providers.webchat.config import WebchatConfig, read_config
from sportello.providers.webchat.views import channel_for_widget
from sportello.providers.webchat.visitors import TOKEN, conversation_ids, handle_of


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

    async def connect(self) -> None:
        key = str(self.scope["url_route"]["kwargs"].get("key") or "")
        found = await database_sync_to_async(self._load)(key)
        if found is None:
            await self.close(code=4404)
            return
        self.channel, self.config = found
        if not self.config.allows(_header(self.scope, b"origin")):
            await self.close(code=4403)
            return
        query = parse_qs(bytes(self.scope.get("query_string") or b"").decode())
        token = (query.get("token") or [""])[0]
        if not TOKEN.match(token):
            await self.close(code=4401)
            return
        self.token, self.handle = token, handle_of(token)
        self.groups_joined = set()
        # Join before accepting: once the widget sees the socket open, nothing pushed to
        # its conversations can slip past it.
        await self._join_conversations()
        await self.accept()
        presence.seen(self.handle, seconds=presence.CONNECTED_FOR)

    def _load(self, key: str) -> tuple[Channel, WebchatConfig] | None:
        channel = channel_for_widget(key)
        if channel is None:
            return None
        try:
            return channel, read_config(channel.config)
        except SportelloError:
            return None

    async def _join_conversations(self) -> list[int]:
        ids = await database_sync_to_async(conversation_ids, thread_sensitive=False)(
            self.channel.workspace_id, self.channel.pk, self.handle
        )
        for pk in ids:
            group = push.visitors_group(pk)
            if group not in self.groups_joined:
                await self.channel_layer.group_add(group, self.channel_name)
                self.groups_joined.add(group)
        return ids

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "groups_joined", set()):
            await self.channel_layer.group_discard(group, self.channel_name)
        if getattr(self, "handle", ""):
            presence.gone(self.handle)

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
                answer = await database_sync_to_async(chat.catch_up, thread_sensitive=False)(
                    self.channel, self.token, after
                )
                presence.seen(self.handle, seconds=presence.CONNECTED_FOR)
                await self.send_json({"type": "messages", **answer})
            elif kind == "message":
                if limits.spent(f"msg-visitor:{self.token}", limits.MESSAGES_PER_VISITOR):
                    raise chat.BadRequest("too many messages: wait a minute")
                line = await database_sync_to_async(chat.write, thread_sensitive=False)(
                    self.channel, self.config, self.token, content, []
                )
                # A first message opens a conversation: listen to it from now on.
                await self._join_conversations()
                await self.send_json({"type": "sent", "message": line})
            elif kind == "typing":
                await database_sync_to_async(chat.visitor_typing)(self.channel, self.token)
            elif kind == "read":
                await database_sync_to_async(chat.mark_read)(
                    self.channel, self.token, content.get("until")
                )
            else:
                raise chat.BadRequest("type: hello, message, typing or read")
        except SportelloError as exc:
            await self._error(exc.message, exc.status_code)

    async def _error(self, detail: str, status: int) -> None:
        await self.send_json({"type": "error", "detail": detail, "status": status})

    async def chat_event(self, message: dict[str, Any]) -> None:
        """A push from a group (``push._send``): handed to the widget as it is."""
        event = message["event"]
        line = event.get("message") or {}
        if event.get("type") == "message" and line.get("author") == "agent":
            await database_sync_to_async(chat.delivered_one)(self.channel, int(line["id"]))
        await self.send_json(event)
