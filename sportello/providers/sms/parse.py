"""What an SMS gateway posts, read. Pure: no database, no network.

The generic gateway's JSON (docs/architecture/phone.md, "SMS")::

    {"type": "message", "id": "m-1", "from": "+393471234567", "to": "+390212345678",
     "text": "Buongiorno", "sent_at": "2026-12-06T09:15:00Z"}
    {"type": "status", "id": "<the id our send got>", "status": "delivered",
     "error": "", "at": "2026-12-06T09:16:00Z"}

Two other shapes of inbound SMS are read as well, since many gateways forward them as
they are: Twilio's fields (``MessageSid``, ``From``, ``To``, ``Body``) and MessageBird's
(``originator``, ``recipient``, ``body``/``payload``, ``message_id``; an empty id is
replaced by a digest of the message, so that a redelivery is still one message).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

STATUSES = {
    "queued": "sent",
    "accepted": "sent",
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
    "failed": "failed",
    "undelivered": "failed",
    "rejected": "failed",
    "expired": "failed",
}
MAX_TEXT = 10_000


class NotAnSms(ValueError):
    """The body holds nothing an SMS channel takes: the reason says why."""


@dataclass(frozen=True)
class Sms:
    external_id: str
    sender: str
    recipient: str
    text: str
    sent_at: datetime | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StatusReport:
    external_id: str
    status: str  # one of outbound's receipts: sent, delivered, read, failed
    error: str = ""
    at: datetime | None = None


def read_body(raw: bytes, content_type: str) -> Any:
    """JSON, or a form (Twilio posts ``application/x-www-form-urlencoded``)."""
    text = raw.decode("utf-8")
    if content_type.startswith("application/x-www-form-urlencoded"):
        return dict(parse_qsl(text, keep_blank_values=True))
    return json.loads(text)


def _str(body: dict[str, Any], *names: str) -> str:
    for name in names:
        value = body.get(name)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()
    return ""


def _time(value: Any, name: str) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        when = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        raise NotAnSms(f"{name}: {value!r} is not an ISO 8601 time") from None
    if when.tzinfo is None:
        raise NotAnSms(f"{name}: {value!r} has no offset (add Z or +01:00)")
    return when


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def parse_sms(body: Any) -> Sms | StatusReport:
    """One message or delivery report, or ``NotAnSms`` with the reason."""
    if not isinstance(body, dict):
        raise NotAnSms("the body is not a JSON object")
    kind = body.get("type")
    if kind == "status":
        external_id = _str(body, "id")
        status = STATUSES.get(_str(body, "status").lower())
        if not external_id or status is None:
            raise NotAnSms(f"a status needs an id and a status ({', '.join(sorted(STATUSES))})")
        return StatusReport(
            external_id, status, _str(body, "error")[:500], _time(body.get("at"), "at")
        )
    if kind == "message":
        sms = Sms(
            external_id=_str(body, "id"),
            sender=_str(body, "from"),
            recipient=_str(body, "to"),
            text=_str(body, "text"),
            sent_at=_time(body.get("sent_at"), "sent_at"),
        )
    elif "MessageSid" in body or "SmsSid" in body:
        sms = Sms(
            external_id=_str(body, "MessageSid", "SmsSid"),
            sender=_str(body, "From"),
            recipient=_str(body, "To"),
            text=_str(body, "Body"),
            data={"format": "twilio", "segments": _str(body, "NumSegments")},
        )
    elif "originator" in body:
        text = _str(body, "body", "payload", "incomingMessage", "message")
        sender = _str(body, "originator")
        recipient = _str(body, "recipient", "receiver")
        when = _str(body, "createdDatetime", "currentTime")
        sms = Sms(
            external_id=_str(body, "message_id", "id")
            or "digest:" + _digest(sender, recipient, when, text),
            sender=sender,
            recipient=recipient,
            text=text,
            data={"format": "messagebird"},
        )
    else:
        raise NotAnSms(f"unknown type {kind!r}; use message or status")
    if not sms.external_id:
        raise NotAnSms("the message has no id")
    if not sms.sender:
        raise NotAnSms("the message has no sender number")
    if not sms.text:
        raise NotAnSms("the message has no text")
    if len(sms.text) > MAX_TEXT:
        raise NotAnSms(f"the text is longer than {MAX_TEXT} characters")
    return sms
