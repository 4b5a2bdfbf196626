"""What every channel adapter hands to the pipeline: a plain dataclass, no provider inside."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any


@dataclass
class Sender:
    """Who wrote. ``handles`` maps an identity kind (whatsapp, telegram...) to its value.

    ``email_as_written`` is the adapter's word that ``email`` comes from a header the
    customer's own mail program wrote, where an address that is not a valid one must not
    lose the message: the pipeline then keeps it as written, as an unverified identity."""

    name: str = ""
    email: str = ""
    phone: str = ""
    handles: dict[str, str] = field(default_factory=dict)
    email_as_written: bool = False

    def is_empty(self) -> bool:
        return not (self.email or self.phone or any(self.handles.values()))


# When a customer may have sent a message, by the sender's own clock: from 1970 (a date
# before is a bogus header, and near year 1 one no database converts to UTC) to a day
# ahead (clocks drift; a date further on would sort the message before all others).
EARLIEST_SENT_AT = datetime(1970, 1, 1, tzinfo=UTC)
SENT_AT_LEEWAY = timedelta(days=1)


def sent_at_refusal(sent_at: datetime, now: datetime) -> str | None:
    """Why ``sent_at`` cannot be a message's sending time, or None when it can."""
    if sent_at.tzinfo is None:
        return "sent_at needs a time zone (an offset such as +01:00, or Z)"
    try:
        sent_at.astimezone(UTC)
    except OverflowError:
        return "sent_at is out of range"
    if sent_at < EARLIEST_SENT_AT:
        return "sent_at is before 1970"
    if sent_at > now + SENT_AT_LEEWAY:
        return "sent_at is in the future"
    return None


@dataclass
class InboundMessage:
    """One customer message as a channel adapter read it.

    ``external_id`` is the channel's own id for the message (email Message-ID, WhatsApp
    wamid...): the pipeline stores a message once per (channel, external_id).
    ``references`` are external ids of earlier messages this one answers; ``conversation_number``
    is an explicit reference such as ``[#1042]`` in a subject. ``own_conversation`` opens a
    conversation for this message alone (a review is answered on its own, not threaded
    into the customer's open conversation).
    """

    workspace_id: int
    channel_id: int
    sender: Sender
    text: str
    external_id: str | None = None
    subject: str = ""
    html: str = ""
    sent_at: datetime | None = None
    references: list[str] = field(default_factory=list)
    conversation_number: int | None = None
    attachments: list[dict[str, Any]] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    raw: bytes | None = None
    own_conversation: bool = False

    def to_payload(self) -> dict[str, Any]:
        """A JSON-safe copy, kept with the raw record and with rejected messages for retry."""
        # Field by field rather than dataclasses.asdict, whose deep copy of every nested
        # value costs more than the rest of the raw record on the ingest hot path.
        sender = self.sender
        return {
            "workspace_id": self.workspace_id,
            "channel_id": self.channel_id,
            "sender": {
                "name": sender.name,
                "email": sender.email,
                "phone": sender.phone,
                "handles": dict(sender.handles),
                "email_as_written": sender.email_as_written,
            },
            "text": self.text,
            "external_id": self.external_id,
            "subject": self.subject,
            "html": self.html,
            "sent_at": self.sent_at.isoformat() if self.sent_at else None,
            "references": list(self.references),
            "conversation_number": self.conversation_number,
            "attachments": self.attachments,
            "data": self.data,
            "raw": base64.b64encode(self.raw).decode() if self.raw is not None else None,
            "own_conversation": self.own_conversation,
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> InboundMessage:
        data = dict(payload)
        data["sender"] = Sender(**data.get("sender") or {})
        if data.get("sent_at"):
            data["sent_at"] = datetime.fromisoformat(data["sent_at"])
        if data.get("raw") is not None:
            data["raw"] = base64.b64decode(data["raw"])
        return cls(**data)
