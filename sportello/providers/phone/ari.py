"""Asterisk ARI events read into Sportello's call events. Pure: no database, no network.

ARI (the Asterisk REST Interface) sends, over its websocket, an event per change of a
channel in a Stasis application. A call is the caller's channel (its ``id`` is the call
id); the caller's number is ``channel.caller.number`` and the number dialled
``channel.dialplan.exten``:

| ARI event | call event |
|---|---|
| ``StasisStart`` | started (and answered when the channel is already ``Up``) |
| ``ChannelStateChange`` to ``Ring``/``Ringing`` | ringing |
| ``ChannelStateChange`` to ``Up`` | answered |
| ``ChannelHangupRequest``, ``ChannelDestroyed``, ``StasisEnd`` | ended |
| ``CallBroadcast`` (a call offered to agents) | ringing (its ``caller``, ``called``) |
| anything else (``PlaybackStarted``, ``ChannelDtmfReceived``...) | ignored, with the reason |

Whether an ended call was missed is the receiver's decision (it knows whether it was
answered): the same rule as for the generic webhook.
"""

from __future__ import annotations

from typing import Any

from sportello.providers.phone.parse import CallEvent, NotACallEvent, read_time

ENDED = frozenset({"ChannelHangupRequest", "ChannelDestroyed", "StasisEnd"})
RINGING_STATES = frozenset({"Ring", "Ringing"})


def _channel(body: dict[str, Any]) -> dict[str, Any]:
    channel = body.get("channel")
    if not isinstance(channel, dict) or not isinstance(channel.get("id"), str):
        raise NotACallEvent(f"ARI {body.get('type')}: no channel with an id")
    return channel


def _number(part: Any) -> str:
    value = part.get("number") if isinstance(part, dict) else None
    return value.strip() if isinstance(value, str) else ""


def _event(name: str, body: dict[str, Any], channel: dict[str, Any], **more: Any) -> CallEvent:
    dialplan = channel.get("dialplan")
    if not isinstance(dialplan, dict):
        dialplan = {}
    fields: dict[str, Any] = {
        "caller": _number(channel.get("caller")),
        "called": str(dialplan.get("exten") or "").strip(),
        "at": read_time(body.get("timestamp"), "timestamp"),
    }
    fields.update(more)
    return CallEvent(event=name, call_id=channel["id"], direction="inbound", **fields)


def parse_ari_event(body: Any) -> list[CallEvent]:
    """The call events one ARI event means, or ``NotACallEvent`` with the reason."""
    if not isinstance(body, dict) or not isinstance(body.get("type"), str):
        raise NotACallEvent("not an ARI event: no type")
    kind = body["type"]
    if kind == "StasisStart":
        channel = _channel(body)
        events = [_event("started", body, channel)]
        if channel.get("state") == "Up":
            events.append(_event("answered", body, channel))
        return events
    if kind == "ChannelStateChange":
        channel = _channel(body)
        state = channel.get("state")
        if state in RINGING_STATES:
            return [_event("ringing", body, channel)]
        if state == "Up":
            return [_event("answered", body, channel)]
        raise NotACallEvent(f"ARI ChannelStateChange to {state!r}: no call event")
    if kind in ENDED:
        return [_event("ended", body, _channel(body))]
    if kind == "CallBroadcast":
        channel = _channel(body)
        caller = body.get("caller") if isinstance(body.get("caller"), str) else None
        called = body.get("called") if isinstance(body.get("called"), str) else None
        more = {k: v for k, v in (("caller", caller), ("called", called)) if v}
        return [_event("ringing", body, channel, **more)]
    raise NotACallEvent(f"ARI {kind}: not a change of a call")
