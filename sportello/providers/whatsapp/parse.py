"""A WhatsApp Cloud API webhook body, read into what Sportello takes from it.

One POST can carry several entries, each several changes, each several messages and
statuses (Meta batches under load). Reading is pure: no database, no network, so the
corpus tests run every real payload through it. What is read:

- ``messages`` from a customer: text, media (image, audio, video, document, sticker: the
  attachment is noted with its Graph media id and fetched later by a job), location,
  contacts, reactions, button and list replies (with the payload the business gave the
  button, in ``data.whatsapp.payload``), flow answers, orders, ads referrals, and
  a quote (``context.id``) as a reference that threads the answer;
- edits and deletions (``edit``, ``revoke``) of an earlier message, for its timeline;
- ``statuses`` of Sportello's own replies: sent, delivered, read, failed with Meta's error;
- everything else (account, template and number updates, group events, calls, echoes of
  messages sent from the WhatsApp Business app, system notices) is ``ignored`` with the
  reason, which the webhook records.

The message id (``wamid...``) is the ``external_id``: Meta retries a webhook until it is
answered, and the pipeline stores a message once per id.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sportello.core import clock
from sportello.ingest.inbound import sent_at_refusal

MEDIA_TYPES = ("image", "audio", "video", "document", "sticker")
_EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "audio/ogg": "ogg",
    "audio/mpeg": "mp3",
    "audio/aac": "aac",
    "audio/mp4": "m4a",
    "video/mp4": "mp4",
    "video/3gpp": "3gp",
    "application/pdf": "pdf",
}
STATUSES = ("sent", "delivered", "read", "failed")


@dataclass
class CustomerMessage:
    """A customer's message, still without a channel (the change's ``phone_number_id``
    chooses it)."""

    external_id: str
    wa_id: str
    name: str
    text: str
    sent_at: datetime | None
    references: list[str] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    # A business-scoped user id, for a customer who hides their number behind a username.
    user_id: str = ""


@dataclass
class Revision:
    """An edit or a deletion of an earlier customer message."""

    external_id: str
    original_id: str
    action: str  # "edited" or "deleted"
    text: str = ""


@dataclass
class StatusUpdate:
    """What Meta says about one of Sportello's replies (``external_id`` is its wamid)."""

    external_id: str
    status: str
    at: datetime | None
    error: str = ""


@dataclass
class Change:
    """One change of one entry: its business number and what it holds."""

    phone_number_id: str
    messages: list[CustomerMessage] = field(default_factory=list)
    revisions: list[Revision] = field(default_factory=list)
    statuses: list[StatusUpdate] = field(default_factory=list)
    ignored: list[tuple[str, Any]] = field(default_factory=list)


class NotWhatsApp(ValueError):
    """The body is JSON but not a WhatsApp Business webhook."""


def read_body(raw: bytes) -> dict[str, Any]:
    """The JSON object of a webhook body (``ValueError`` when it is not one)."""
    payload = json.loads(raw)
    if not isinstance(payload, dict):
        raise NotWhatsApp("the body is not a JSON object")
    return payload


def parse_payload(payload: dict[str, Any]) -> list[Change]:
    """Every change of a webhook body, read. ``NotWhatsApp`` for another object kind."""
    kind = payload.get("object")
    if kind not in (None, "whatsapp_business_account"):
        raise NotWhatsApp(f"object {str(kind)[:60]!r} is not whatsapp_business_account")
    entries = payload.get("entry")
    if not isinstance(entries, list):
        raise NotWhatsApp("the body has no entry list")
    changes = []
    for entry in entries:
        for change in (entry or {}).get("changes") or [] if isinstance(entry, dict) else []:
            if isinstance(change, dict):
                changes.append(_change(change))
    return changes


def _change(change: dict[str, Any]) -> Change:
    value = change.get("value")
    field_name = str(change.get("field") or "")
    if not isinstance(value, dict):
        return Change("", ignored=[(f"change {field_name!r} has no value", change)])
    metadata = value.get("metadata") if isinstance(value.get("metadata"), dict) else {}
    result = Change(str((metadata or {}).get("phone_number_id") or ""))
    if field_name != "messages":
        result.ignored.append((f"event {field_name or 'without a field'!r} is not handled", value))
        return result
    names = _profile_names(value.get("contacts"))
    for message in value.get("messages") or []:
        if isinstance(message, dict) and not message.get("from") and len(names) >= 1:
            # A contact request names its sender only in the change's contacts.
            contacts = [c for c in value.get("contacts") or [] if isinstance(c, dict)]
            if len(contacts) == 1 and not message.get("from_user_id"):
                message = {
                    **message,
                    "from": contacts[0].get("wa_id") or "",
                    "from_user_id": contacts[0].get("user_id") or "",
                }
        _message(result, message, names)
    for status in value.get("statuses") or []:
        _status(result, status)
    for key in value:
        if key not in ("messaging_product", "metadata", "contacts", "messages", "statuses"):
            result.ignored.append((f"{key!r} in a messages change is not handled", value[key]))
    return result


def _profile_names(contacts: Any) -> dict[str, str]:
    names = {}
    for contact in contacts or []:
        if not isinstance(contact, dict):
            continue
        name = str(((contact.get("profile") or {}).get("name")) or "")
        for key in ("wa_id", "user_id"):
            if contact.get(key):
                names[str(contact[key])] = name
    return names


def timestamp(value: Any) -> datetime | None:
    """Meta's seconds since the epoch as an aware time; None when unreadable or absurd."""
    try:
        at = datetime.fromtimestamp(int(value), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None
    return None if sent_at_refusal(at, clock.now()) else at


def _message(result: Change, message: Any, names: dict[str, str]) -> None:
    if not isinstance(message, dict) or not message.get("id"):
        result.ignored.append(("a message without an id", message))
        return
    kind = str(message.get("type") or "")
    if message.get("group_id"):
        result.ignored.append(("messages in WhatsApp groups are not handled", message))
        return
    wa_id = str(message.get("from") or "")
    user_id = str(message.get("from_user_id") or "")
    if not wa_id and not user_id:
        result.ignored.append(("a message without a sender", message))
        return
    if kind in ("edit", "revoke"):
        _revision(result, message, kind)
        return
    if kind == "system":
        system = message.get("system") or {}
        reason = f"system notice {system.get('type') or ''}: {system.get('body') or ''}".strip()
        result.ignored.append((reason, message))
        return
    context = message.get("context") or {}
    read = CustomerMessage(
        external_id=str(message["id"]),
        wa_id=wa_id,
        user_id=user_id,
        name=names.get(wa_id) or names.get(user_id) or "",
        text="",
        sent_at=timestamp(message.get("timestamp")),
        data={"whatsapp": {"type": kind, "wa_id": wa_id}},
    )
    if isinstance(context, dict) and context.get("id"):
        read.references.append(str(context["id"]))
        read.data["whatsapp"]["quoted"] = str(context["id"])
    if isinstance(context, dict) and context.get("forwarded"):
        read.data["whatsapp"]["forwarded"] = True
    if message.get("referral"):
        read.data["whatsapp"]["referral"] = message["referral"]
    if not _content(read, kind, message):
        result.ignored.append(("a reaction was removed", message))
        return
    if not read.text and not read.attachments:
        # Nothing readable (WhatsApp's own error, a kind without content): still the
        # customer's message, kept so that nobody waits in silence.
        read.text = f"[{kind or 'message'}]"
        read.data["whatsapp"]["unsupported"] = True
    result.messages.append(read)


def _content(read: CustomerMessage, kind: str, message: dict[str, Any]) -> bool:
    """Fill the message's text, attachments and data from its ``kind``; False when there
    is nothing to take (a reaction removed)."""
    body = message.get(kind)
    body = body if isinstance(body, dict) else {}
    details = read.data["whatsapp"]
    if kind == "text":
        read.text = str(body.get("body") or "")
    elif kind in MEDIA_TYPES:
        read.text = str(body.get("caption") or "")
        read.attachments.append(media_attachment(kind, body))
        if body.get("voice"):
            details["voice"] = True
    elif kind == "location":
        read.text = location_text(body)
        details["location"] = body
    elif kind == "contacts":
        contacts = message.get("contacts") or []
        read.text = contacts_text(contacts)
        details["contacts"] = contacts
    elif kind == "reaction":
        emoji = str(body.get("emoji") or "")
        if not emoji:
            return False
        read.text = emoji
        if body.get("message_id"):
            read.references.append(str(body["message_id"]))
        details["reaction"] = body
    elif kind == "button":
        # A quick-reply button of a template: its text, and the payload it was sent with
        # (the button's text again when the template was sent without one).
        read.text = str(body.get("text") or body.get("payload") or "")
        details["button"] = body
        if body.get("payload"):
            details["payload"] = str(body["payload"])[:256]
    elif kind == "interactive":
        read.text = interactive_text(body)
        details["interactive"] = body
        answer = body.get(str(body.get("type") or ""))
        if isinstance(answer, dict) and body.get("type") in ("button_reply", "list_reply"):
            # The id the business gave the reply button or list row: its payload.
            details["payload"] = str(answer.get("id") or "")[:256]
    elif kind == "order":
        read.text = order_text(body)
        details["order"] = body
    else:
        errors = message.get("errors") or []
        title = (errors[0] or {}).get("title") if errors and isinstance(errors[0], dict) else ""
        read.text = f"[{kind or 'unknown'}: {title or 'not shown by WhatsApp'}]"
        details["unsupported"] = errors or True
    return True


def media_attachment(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    """The attachment of a media message, to be fetched through the Graph API by its id."""
    content_type = str(body.get("mime_type") or "application/octet-stream").replace("\\/", "/")
    content_type = content_type.split(";")[0].strip()
    extension = _EXTENSIONS.get(content_type, content_type.rpartition("/")[2][:8] or "bin")
    return {
        "filename": str(body.get("filename") or f"{kind}.{extension}")[:255],
        "content_type": content_type,
        "media_id": str(body.get("id") or ""),
        "kind": kind,
        "pending": bool(body.get("id")),
    }


def location_text(body: dict[str, Any]) -> str:
    place = ", ".join(str(body[k]) for k in ("name", "address") if body.get(k))
    latitude, longitude = body.get("latitude"), body.get("longitude")
    where = ""
    if latitude is not None and longitude is not None:
        where = f"https://www.openstreetmap.org/?mlat={latitude}&mlon={longitude}"
    return "\n".join(part for part in ("📍 " + place if place else "📍", where) if part)


def contacts_text(contacts: Any) -> str:
    lines = []
    for contact in contacts if isinstance(contacts, list) else []:
        if not isinstance(contact, dict):
            continue
        name = str((contact.get("name") or {}).get("formatted_name") or "")
        phones = [str(p.get("phone") or "") for p in contact.get("phones") or [] if p]
        emails = [str(e.get("email") or "") for e in contact.get("emails") or [] if e]
        lines.append("👤 " + " · ".join(v for v in (name, *phones, *emails) if v))
    return "\n".join(lines)


def interactive_text(body: dict[str, Any]) -> str:
    kind = str(body.get("type") or "")
    found = body.get(kind)
    reply: dict[str, Any] = found if isinstance(found, dict) else {}
    if kind == "nfm_reply":
        return str(reply.get("body") or reply.get("name") or "")
    parts = [str(reply.get(k)) for k in ("title", "description") if reply.get(k)]
    if not parts and reply:
        # Answers without a title (a call permission: "accept"): the kind and the answer.
        parts = [f"[{kind}: {reply.get('response') or reply.get('id') or ''}]"]
    return " — ".join(parts)


def order_text(body: dict[str, Any]) -> str:
    lines = [str(body.get("text") or "")] if body.get("text") else []
    for item in body.get("product_items") or []:
        if isinstance(item, dict):
            lines.append(
                f"🛒 {item.get('quantity', '?')} × {item.get('product_retailer_id', '?')}"
                f" ({item.get('item_price', '?')} {item.get('currency', '')})".rstrip()
            )
    return "\n".join(lines)


def _revision(result: Change, message: dict[str, Any], kind: str) -> None:
    body = message.get(kind) or {}
    original = str(body.get("original_message_id") or "") if isinstance(body, dict) else ""
    if not original:
        result.ignored.append((f"a {kind} without the original message's id", message))
        return
    text = ""
    if kind == "edit":
        edited = body.get("message") or {}
        edited_kind = str(edited.get("type") or "")
        inner = edited.get(edited_kind) or {}
        text = (
            str(inner.get("body") or inner.get("caption") or "") if isinstance(inner, dict) else ""
        )
    result.revisions.append(
        Revision(
            external_id=str(message["id"]),
            original_id=original,
            action="edited" if kind == "edit" else "deleted",
            text=text,
        )
    )


def _status(result: Change, status: Any) -> None:
    if not isinstance(status, dict) or not status.get("id"):
        result.ignored.append(("a status without a message id", status))
        return
    name = str(status.get("status") or "")
    if name not in STATUSES:
        result.ignored.append((f"status {name!r} is not tracked", status))
        return
    errors = status.get("errors") or []
    error = ""
    if errors and isinstance(errors[0], dict):
        first = errors[0]
        details = (first.get("error_data") or {}).get("details") or ""
        error = f"WhatsApp {first.get('code', '')}: {first.get('title') or first.get('message')}"
        if details:
            error += f" ({details})"
    result.statuses.append(
        StatusUpdate(
            external_id=str(status["id"]),
            status=name,
            at=timestamp(status.get("timestamp")),
            error=error,
        )
    )
