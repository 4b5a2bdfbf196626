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
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from sportello.accounts.models import Agent
from sportello.accounts.queries import agent_for_user
from sportello.conversations.queries import changed_since, latest_timeline_id
from sportello.core.realtime import bind_loop, conversation_group, workspace_group

# Close codes in the 4000-4999 range an application may choose: the client does not retry.
NOT_SIGNED_IN = 4401
NOT_AN_AGENT = 4403
NOT_FOUND = 4404

# Messages from the groups: handled on the event loop without touching the database.
_LOOP_ONLY = frozenset(
    {"live.event", "presence.join", "presence.here", "presence.left", "presence.typing"}
)


def _agent(user: Any) -> Agent | None:
    return agent_for_user(user) if user is not None and user.is_authenticated else None


def _conversation_in(workspace_id: int, conversation_id: int) -> bool:
    from sportello.conversations.models import Conversation

    return Conversation.objects.filter(pk=conversation_id, workspace_id=workspace_id).exists()


class AgentConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    agent: Agent | None = None
    conversation_id: int | None = None
    groups_joined: list[str]

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
            if not found:
                await self.close(code=NOT_FOUND)
                return
            self.conversation_id = conversation_id
        await self._join(workspace_group(agent.workspace_id))
        if self.conversation_id is not None:
            await self._join(conversation_group(self.conversation_id))
        await self.accept()
        last_id = await database_sync_to_async(latest_timeline_id)()
        await self.send_json({"type": "hello", "last_id": last_id, "agent": agent.pk})
        if self.conversation_id is not None:
            await self._to_conversation({"type": "presence.join", **self._me()})

    async def disconnect(self, code: int) -> None:
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
