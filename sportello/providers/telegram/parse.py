"""A Telegram ``Update``, read into what Sportello takes from it.

Reading is pure (no database, no network), so the corpus tests run every real payload
through it. Sportello talks to customers in private chats with the bot; what is read:

- ``message``: text, photo (the largest size), document, voice, audio, video, video
  note, animation and sticker (each noted with its ``file_id`` and fetched later by a
  job), location and venue, contact, poll and dice as text; ``reply_to_message`` is the
  quote, a reference that threads the answer onto the quoted message;
- ``edited_message``: an edit of an earlier message, for its timeline;
- everything else is ``ignored`` with the reason, which the webhook records: messages in
  groups and channels (``channel_post``: a channel is the business's own broadcast, not a
  customer writing), service messages (members joining, titles changing, pinned
  messages), and the update kinds a care desk does not handle (inline queries, callback
  queries, payments, reactions, chat member changes, business connections...).

A message's ``external_id`` is ``<chat id>:<message id>`` (message ids count per chat):
Telegram redelivers an update until it is answered, and a polling bot may read one
twice, and the pipeline stores a message once per id. The agent's replies get ids of the
same shape, so a customer quoting a reply threads onto it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sportello.core import clock
from sportello.ingest.inbound import sent_at_refusal

# Message fields holding a file, with the content type when Telegram gives none.
MEDIA_KINDS = {
    "photo": "image/jpeg",
    "document": "application/octet-stream",
    "voice": "audio/ogg",
    "audio": "audio/mpeg",
    "video": "video/mp4",
    "video_note": "video/mp4",
    "animation": "video/mp4",
    "sticker": "image/webp",
}
_EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "audio/ogg": "ogg",
    "audio/mpeg": "mp3",
    "video/mp4": "mp4",
    "video/webm": "webm",
    "application/pdf": "pdf",
    "application/x-tgsticker": "tgs",
}
# Update kinds that are not a customer's message, named in the reason they are ignored.
_CONTENT_FIELDS = ("text", *MEDIA_KINDS, "location", "venue", "contact", "poll", "dice")


@dataclass
class CustomerMessage:
    external_id: str
    chat_id: str
    user_id: str
    name: str
    text: str
    sent_at: datetime | None
    username: str = ""
    references: list[str] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Revision:
    """An edit of an earlier customer message (``update_id`` makes it once-only)."""

    update_id: str
    original_id: str
    text: str


@dataclass
class Update:
    update_id: str
    messages: list[CustomerMessage] = field(default_factory=list)
    revisions: list[Revision] = field(default_factory=list)
    ignored: list[tuple[str, Any]] = field(default_factory=list)


class NotTelegram(ValueError):
    """The body is JSON but not a Telegram update."""


def read_body(raw: bytes) -> dict[str, Any]:
    """The JSON object of a webhook body (``ValueError`` when it is not one)."""
    payload = json.loads(raw)
    if not isinstance(payload, dict):
        raise NotTelegram("the body is not a JSON object")
    return payload


def external_id(chat_id: Any, message_id: Any) -> str:
    return f"{chat_id}:{message_id}"


def timestamp(value: Any) -> datetime | None:
    """Telegram's seconds since the epoch as an aware time; None when unreadable or absurd."""
    try:
        at = datetime.fromtimestamp(int(value), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None
    return None if sent_at_refusal(at, clock.now()) else at


def parse_update(payload: dict[str, Any]) -> Update:
    """One update, read. ``NotTelegram`` when it has no ``update_id``."""
    update_id = payload.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        raise NotTelegram("the body has no update_id")
    update = Update(update_id=str(update_id))
    kinds = [k for k in payload if k != "update_id"]
    if "message" in payload:
        _message(update, payload["message"])
    elif "edited_message" in payload:
        _edit(update, payload["edited_message"])
    elif kinds:
        main = next((k for k in kinds if isinstance(payload[k], dict)), kinds[0])
        update.ignored.append((f"update kind {main!r} is not handled", payload[main]))
    else:
        update.ignored.append(("an update without content", payload))
    return update


def _private_chat(update: Update, message: Any, what: str) -> dict[str, Any] | None:
    """The message's chat when it is a customer's private chat with the bot, else None
    (and the reason is noted)."""
    if not isinstance(message, dict) or "message_id" not in message:
        update.ignored.append((f"{what} without a message_id", message))
        return None
    chat = message.get("chat")
    if not isinstance(chat, dict) or "id" not in chat:
        update.ignored.append((f"{what} without a chat", message))
        return None
    kind = str(chat.get("type") or "")
    if kind != "private":
        update.ignored.append(
            (f"{what} in a {kind or 'unknown'} chat: only private chats are handled", message)
        )
        return None
    sender = message.get("from")
    if isinstance(sender, dict) and sender.get("is_bot"):
        update.ignored.append((f"{what} from a bot", message))
        return None
    return chat


def _name(person: dict[str, Any]) -> str:
    return " ".join(str(person[k]) for k in ("first_name", "last_name") if person.get(k)).strip()


def _message(update: Update, message: Any) -> None:
    chat = _private_chat(update, message, "a message")
    if chat is None:
        return
    sender = message.get("from") if isinstance(message.get("from"), dict) else chat
    chat_id = str(chat["id"])
    read = CustomerMessage(
        external_id=external_id(chat_id, message["message_id"]),
        chat_id=chat_id,
        user_id=str(sender.get("id") or chat_id),
        name=_name(sender),
        username=str(sender.get("username") or ""),
        text="",
        sent_at=timestamp(message.get("date")),
        data={"telegram": {"chat_id": chat_id, "update_id": update.update_id}},
    )
    details = read.data["telegram"]
    if read.username:
        details["username"] = read.username
    quoted = message.get("reply_to_message")
    if isinstance(quoted, dict) and "message_id" in quoted:
        read.references.append(external_id(chat_id, quoted["message_id"]))
        details["quoted"] = {
            "message_id": quoted["message_id"],
            "text": str(quoted.get("text") or quoted.get("caption") or "")[:500],
        }
    if message.get("forward_origin") or message.get("forward_from"):
        details["forwarded"] = True
    kind = next((k for k in _CONTENT_FIELDS if k in message), "")
    if not kind:
        service = next((k for k in message if k not in _ENVELOPE), "nothing")
        update.ignored.append((f"message kind {service!r} is not handled", message))
        return
    details["type"] = kind
    _content(read, kind, message)
    if not read.text and not read.attachments:
        read.text = f"[{kind}]"
    update.messages.append(read)


# What every message carries besides its content.
_ENVELOPE = frozenset(
    {
        "message_id",
        "message_thread_id",
        "from",
        "sender_chat",
        "chat",
        "date",
        "edit_date",
        "reply_to_message",
        "forward_origin",
        "forward_from",
        "forward_date",
        "is_topic_message",
        "is_automatic_forward",
        "has_protected_content",
        "author_signature",
        "entities",
        "caption_entities",
        "link_preview_options",
        "via_bot",
    }
)


def _content(read: CustomerMessage, kind: str, message: dict[str, Any]) -> None:
    body = message.get(kind)
    details = read.data["telegram"]
    caption = str(message.get("caption") or "")
    if kind == "text":
        read.text = str(body or "")
    elif kind in MEDIA_KINDS:
        read.text = caption
        attachment = media_attachment(kind, body)
        if attachment is not None:
            read.attachments.append(attachment)
        if kind == "sticker" and isinstance(body, dict) and body.get("emoji"):
            read.text = read.text or str(body["emoji"])
    elif kind in ("location", "venue"):
        read.text = location_text(message)
        details[kind] = body
    elif kind == "contact":
        read.text = contact_text(body if isinstance(body, dict) else {})
        details["contact"] = body
    elif kind == "poll" and isinstance(body, dict):
        options = [str(o.get("text") or "") for o in body.get("options") or [] if o]
        read.text = "📊 " + str(body.get("question") or "") + "".join(f"\n- {o}" for o in options)
    elif kind == "dice" and isinstance(body, dict):
        read.text = f"{body.get('emoji') or '🎲'} {body.get('value', '')}".strip()


def media_attachment(kind: str, body: Any) -> dict[str, Any] | None:
    """The attachment of a media message, to be fetched with ``getFile`` by its file id."""
    if kind == "photo":
        sizes = [s for s in body or [] if isinstance(s, dict)] if isinstance(body, list) else []
        if not sizes:
            return None
        # Telegram lists every size it made; the largest is the customer's photo.
        body = max(sizes, key=lambda s: (int(s.get("file_size") or 0), int(s.get("width") or 0)))
    if not isinstance(body, dict):
        return None
    content_type = str(body.get("mime_type") or "")
    if not content_type and kind == "sticker":
        if body.get("is_animated"):
            content_type = "application/x-tgsticker"
        elif body.get("is_video"):
            content_type = "video/webm"
    content_type = content_type or MEDIA_KINDS[kind]
    extension = _EXTENSIONS.get(content_type, content_type.rpartition("/")[2][:8] or "bin")
    file_id = str(body.get("file_id") or "")
    return {
        "filename": str(body.get("file_name") or f"{kind}.{extension}")[:255],
        "content_type": content_type,
        "file_id": file_id,
        "size": int(body.get("file_size") or 0),
        "kind": kind,
        "pending": bool(file_id),
    }


def location_text(message: dict[str, Any]) -> str:
    found = message.get("venue")
    venue: dict[str, Any] = found if isinstance(found, dict) else {}
    where = venue.get("location") or message.get("location")
    where = where if isinstance(where, dict) else {}
    place = ", ".join(str(venue[k]) for k in ("title", "address") if venue.get(k))
    latitude, longitude = where.get("latitude"), where.get("longitude")
    link = ""
    if latitude is not None and longitude is not None:
        link = f"https://www.openstreetmap.org/?mlat={latitude}&mlon={longitude}"
    return "\n".join(part for part in ("📍 " + place if place else "📍", link) if part)


def contact_text(contact: dict[str, Any]) -> str:
    values = (_name(contact), str(contact.get("phone_number") or ""))
    return "👤 " + " · ".join(v for v in values if v)


def _edit(update: Update, message: Any) -> None:
    chat = _private_chat(update, message, "an edited message")
    if chat is None:
        return
    update.revisions.append(
        Revision(
            update_id=update.update_id,
            original_id=external_id(chat["id"], message["message_id"]),
            text=str(message.get("text") or message.get("caption") or ""),
        )
    )
