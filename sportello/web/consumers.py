"""The agent pages' websocket: live notifications, catch-up, presence and typing.

A signed-in agent's page opens ``/ws/agent/`` (``?conversation=<id>`` on a conversation
page). The socket joins its workspace's group, and the conversation's group for presence.
What the client may send, as JSON:

- ``{"type": "resume", "after": <id>}``: what changed after timeline entry ``id`` (the last
  it saw); answered ``{"type": "catchup", "last_id", "conversations": [...], "complete"}``.
- ``{"type": "typing"}``: the agent is typing in the conversation (a client sends it at
  most every few seconds while keys are pressed).

What the server sends: ``hello`` (with ``last_id``, where counting starts), the workspace's
notifications (``web.live``), ``presence`` (``here``/``left`` with an agent's id and name)
and ``typing``. The socket is a notification path only: a page reads what changed by URL.

On a web chat conversation the socket also joins the widget's agents group
(``webchat.agents.c<id>``): the visitor's typing arrives as ``{"type": "typing", "visitor":
true, "name"}`` and their read receipts as a ``delivery.changed`` event; the agent's own
typing goes to the visitor's widget (``webchat.c<id>``) with the agent's display name only.
While any socket of a workspace is open, ``realtime.mark_online`` keeps its presence record
fresh, so the widget can say whether anybody is there (docs/architecture/webchat.md).
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import parse_qs

from asgiref.sync import sync_to_async
from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from sportello.accounts.models import Agent
from sportello.accounts.queries import agent_for_user
from sportello.conversations.queries import changed_since, latest_timeline_id
from sportello.core import realtime
from sportello.core.realtime import bind_loop, conversation_group, workspace_group
from sportello.providers.webchat import presence as webchat_presence
from sportello.providers.webchat import push as webchat_push

# Close codes in the 4000-4999 range an application may choose: the client does not retry.
NOT_SIGNED_IN = 4401
NOT_AN_AGENT = 4403
NOT_FOUND = 4404

# Messages from the groups: handled on the event loop without touching the database.
_LOOP_ONLY = frozenset(
    {
        "live.event",
        "presence.join",
        "presence.here",
        "presence.left",
        "presence.typing",
        "chat.event",
    }
)


def _agent(user: Any) -> Agent | None:
    return agent_for_user(user) if user is not None and user.is_authenticated else None


def _conversation_in(workspace_id: int, conversation_id: int) -> tuple[str, str] | None:
    """The conversation's channel kind and customer's name, if it is in the workspace."""
    from sportello.conversations.models import Conversation

    found = (
        Conversation.objects.filter(pk=conversation_id, workspace_id=workspace_id)
        .values_list("channel__kind", "customer__name")
        .first()
    )
    return None if found is None else (str(found[0] or ""), str(found[1] or ""))


class AgentConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    agent: Agent | None = None
    conversation_id: int | None = None
    # On a web chat conversation: the visitor's name for the typing notice ("" if none).
    webchat: bool = False
    visitor_name: str = ""
    groups_joined: list[str]
    heartbeat: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        self.groups_joined = []
        bind_loop(asyncio.get_running_loop())
        agent = await database_sync_to_async(_agent)(self.scope.get("user"))
        if agent is None:
            await self.close(code=NOT_SIGNED_IN if not _signed_in(self.scope) else NOT_AN_AGENT)
            return
        self.agent = agent
        conversation_id = _conversation_param(self.scope)
        if conversation_id is not None:
            found = await database_sync_to_async(_conversation_in)(
                agent.workspace_id, conversation_id
            )
            if found is None:
                await self.close(code=NOT_FOUND)
                return
            self.conversation_id = conversation_id
            self.webchat = found[0] == "webchat"
            self.visitor_name = found[1]
        await self._join(workspace_group(agent.workspace_id))
        if self.conversation_id is not None:
            await self._join(conversation_group(self.conversation_id))
            if self.webchat:
                await self._join(webchat_push.agents_group(self.conversation_id))
        await self.accept()
        self.heartbeat = asyncio.ensure_future(self._keep_online(agent.workspace_id))
        last_id = await database_sync_to_async(latest_timeline_id)()
        await self.send_json({"type": "hello", "last_id": last_id, "agent": agent.pk})
        if self.conversation_id is not None:
            await self._to_conversation({"type": "presence.join", **self._me()})

    async def _keep_online(self, workspace_id: int) -> None:
        """Refresh the workspace's presence record while the socket is open: one cache
        write every ``ONLINE_REFRESH`` seconds; it expires by itself after the last one."""
        mark = sync_to_async(realtime.mark_online, thread_sensitive=False)
        while True:
            await mark(workspace_id)
            await asyncio.sleep(realtime.ONLINE_REFRESH)

    async def disconnect(self, code: int) -> None:
        if self.heartbeat is not None:
            self.heartbeat.cancel()
        if self.agent is not None and self.conversation_id is not None:
            await self._to_conversation({"type": "presence.left", **self._me()})
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if self.agent is None or not isinstance(content, dict):
            return
        kind = content.get("type")
        if kind == "resume":
            after = content.get("after")
            if not isinstance(after, int) or isinstance(after, bool) or after < 0:
                await self.send_json({"type": "error", "error": "after must be an id"})
                return
            changes = await database_sync_to_async(changed_since)(self.agent.workspace_id, after)
            await self.send_json(
                {
                    "type": "catchup",
                    "last_id": changes.last_id,
                    "conversations": changes.conversation_ids,
                    "complete": changes.complete,
                }
            )
        elif kind == "typing" and self.conversation_id is not None:
            await self._to_conversation({"type": "presence.typing", **self._me()})
            if self.webchat:
                await self._typing_to_visitor(self.conversation_id, self.agent.display_name)

    async def _typing_to_visitor(self, conversation_id: int, name: str) -> None:
        """The widget shows "<name> is typing": live on its socket, and kept a few seconds
        in the cache for a widget that polls."""
        await sync_to_async(webchat_presence.agent_types, thread_sensitive=False)(
            conversation_id, name
        )
        event = {"type": "typing", "name": name}
        await self.channel_layer.group_send(
            webchat_push.visitors_group(conversation_id), {"type": "chat.event", "event": event}
        )

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels closes stale database connections before every message, a hop to its
        one database thread: with 50 pages open that is 50 hops an event, queued behind the
        web threads (1.3 s p50 from POST to socket in ``bench/realtime.py``). Group messages
        need no database, so they skip it; what does (``resume``) goes through
        ``database_sync_to_async``, which closes them itself."""
        if message["type"] in _LOOP_ONLY:
            await getattr(self, get_handler_name(message))(message)
        else:
            await super().dispatch(message)

    # Messages from the groups (``type`` with "." as "_").

    async def live_event(self, message: dict[str, Any]) -> None:
        await self.send_json({"type": "event", **message["event"]})

    async def presence_join(self, message: dict[str, Any]) -> None:
        if message["channel"] == self.channel_name:
            return
        await self.send_json(_presence("here", message))
        # Tell the newcomer who is already here.
        await self.channel_layer.send(message["channel"], {"type": "presence.here", **self._me()})

    async def presence_here(self, message: dict[str, Any]) -> None:
        await self.send_json(_presence("here", message))

    async def presence_left(self, message: dict[str, Any]) -> None:
        if message["channel"] != self.channel_name:
            await self.send_json(_presence("left", message))

    async def presence_typing(self, message: dict[str, Any]) -> None:
        if message["channel"] != self.channel_name:
            await self.send_json(
                {"type": "typing", "agent": message["agent"], "name": message["name"]}
            )

    async def chat_event(self, message: dict[str, Any]) -> None:
        """What the widget tells the agents of its conversation (``webchat.push``)."""
        event = message.get("event") or {}
        if event.get("type") == "visitor.typing":
            await self.send_json({"type": "typing", "visitor": True, "name": self.visitor_name})
        elif event.get("type") == "visitor.read":
            # The thread shows delivery states: a read receipt moved some.
            await self.send_json(
                {"type": "event", "event": "delivery.changed", "conversation": self.conversation_id}
            )
        # A visitor's message arrives as ``message.received`` on the workspace group.

    async def _join(self, group: str) -> None:
        await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined.append(group)

    async def _to_conversation(self, message: dict[str, Any]) -> None:
        assert self.conversation_id is not None
        await self.channel_layer.group_send(conversation_group(self.conversation_id), message)

    def _me(self) -> dict[str, Any]:
        assert self.agent is not None
        return {
            "channel": self.channel_name,
            "agent": self.agent.pk,
            "name": self.agent.display_name,
        }


def _presence(state: str, message: dict[str, Any]) -> dict[str, Any]:
    return {"type": "presence", "state": state, "agent": message["agent"], "name": message["name"]}


def _signed_in(scope: dict[str, Any]) -> bool:
    user = scope.get("user")
    return bool(user is not None and user.is_authenticated)


def _conversation_param(scope: dict[str, Any]) -> int | None:
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    values = query.get("conversation") or []
    if values and values[0].isdigit() and len(values[0]) < 19:
        return int(values[0])
    return None
