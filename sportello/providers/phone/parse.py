"""A call event as Sportello's generic webhook receives it, read into ``CallEvent``.

The JSON an integrator sends (docs/architecture/phone.md)::

    {"event": "missed", "call_id": "c-1042", "direction": "inbound",
     "caller": "+39 347 123 4567", "called": "+39 02 1234 5678",
     "at": "2026-12-06T09:15:00+01:00", "duration": 0,
     "recording_url": "", "agent": ""}

Pure: no database, no network. The Asterisk connector (``ari.py``) makes the same
``CallEvent`` from ARI's own events.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

EVENTS = ("started", "ringing", "answered", "ended", "missed")
DIRECTIONS = ("inbound", "outbound")
MAX_ID = 200


class NotACallEvent(ValueError):
    """The body holds no call event Sportello can take: the reason says why."""


@dataclass(frozen=True)
class CallEvent:
    event: str
    call_id: str
    direction: str = "inbound"
    caller: str = ""  # as the switchboard wrote them; normalised by the receiver
    called: str = ""
    at: datetime | None = None
    duration: int | None = None  # seconds of conversation (answered to ended)
    recording_url: str = ""
    agent: str = ""

    @property
    def key(self) -> str:
        """What makes an event once: a call's same event told twice is one."""
        return f"{self.call_id}:{self.event}"


def read_time(value: Any, field: str) -> datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise NotACallEvent(f"{field}: an ISO 8601 time with its offset")
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        try:  # ARI writes "2014-05-20T13:15:27.131-0500"
            when = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z")
        except ValueError:
            raise NotACallEvent(f"{field}: {value!r} is not an ISO 8601 time") from None
    if when.tzinfo is None:
        raise NotACallEvent(f"{field}: {value!r} has no offset (add Z or +01:00)")
    return when


def _text(body: dict[str, Any], field: str, limit: int = MAX_ID) -> str:
    value = body.get(field)
    if value in (None, ""):
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or len(value) > limit:
        raise NotACallEvent(f"{field}: text of at most {limit} characters")
    return value.strip()


def parse_call_event(body: Any) -> CallEvent:
    """One event of the generic webhook, or ``NotACallEvent`` with the reason."""
    if not isinstance(body, dict):
        raise NotACallEvent("the body is not a JSON object")
    event = body.get("event")
    if event not in EVENTS:
        raise NotACallEvent(f"unknown event {event!r}; use one of {', '.join(EVENTS)}")
    call_id = _text(body, "call_id")
    if not call_id:
        raise NotACallEvent("call_id is missing")
    direction = body.get("direction") or "inbound"
    if direction not in DIRECTIONS:
        raise NotACallEvent(f"direction: {', '.join(DIRECTIONS)}")
    duration = body.get("duration")
    if duration is not None and (
        isinstance(duration, bool) or not isinstance(duration, int) or duration < 0
    ):
        raise NotACallEvent("duration: whole seconds, 0 or more")
    recording = _text(body, "recording_url", 2000)
    if recording and urlsplit(recording).scheme not in ("http", "https"):
        raise NotACallEvent("recording_url: an http(s) URL")
    return CallEvent(
        event=event,
        call_id=call_id,
        direction=direction,
        caller=_text(body, "caller", 64),
        called=_text(body, "called", 64),
        at=read_time(body.get("at"), "at"),
        duration=duration,
        recording_url=recording,
        agent=_text(body, "agent"),
    )


def read_body(raw: bytes) -> Any:
    """The body as JSON (``ValueError`` when it is not)."""
    return json.loads(raw.decode("utf-8"))
