"""Messenger and Instagram: one Messenger Platform, two channel kinds.

Both post ``{"object": "page"|"instagram", "entry": [{"id": <page>, "messaging": [...]}]}``
signed like WhatsApp (``meta.py``), name people by page-scoped ids (PSID, IGSID: a
person's id for this page only, kept as an identity of the channel's kind) and answer
``POST {graph_url}/{page_id}/messages``. The two provider packages hold their kind, label
and registration; what they share is here, written once.

What a ``messaging`` (or ``standby``, the same events for a page that is not the thread's
owner) event becomes:
- ``message``: the customer's message (text, attachments by URL, location, a quick reply,
  a reply to a message or to a story, a story mention): ingested, once per ``mid``;
- ``message`` with ``is_echo``: what the page sent. An echo of Sportello's own reply
  names a delivery and changes nothing; one sent from Meta's own apps (Business Suite,
  the Instagram app) is recorded once on the customer's open conversation
  (``sent_elsewhere``), never as a customer's message;
- ``message_edit``, ``is_deleted`` (and Instagram's ``is_unsent``): timeline events;
- ``reaction``: the emoji as a message threaded to the message reacted to;
- ``postback``: the button's title as the customer's message;
- ``delivery`` (mids) and ``read`` (a watermark, or Instagram's mid): the replies' receipts;
- anything else (opt-ins, referrals, handover, policy, comments and mentions in the feed):
  recorded and ignored.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.csrf import csrf_exempt

from sportello.channels.models import Channel
from sportello.channels.queries import channel_for_webhook_key
from sportello.channels.registry import ConfigField
from sportello.conversations.actions import record_event
from sportello.conversations.models import Conversation
from sportello.conversations.queries import (
    active_conversation_for,
    last_inbound_on,
    message_replied_to,
)
from sportello.core import clock
from sportello.core.errors import InvalidInput, SportelloError
from sportello.customers.queries import first_identity_value, identity_owners
from sportello.ingest.inbound import InboundMessage, Sender, sent_at_refusal
from sportello.ingest.pipeline import IngestFailed, ingest
from sportello.outbound.actions import (
    hand_over,
    record_read_until,
    record_receipt,
    set_provider_message_id,
)
from sportello.outbound.errors import DeliveryError
from sportello.outbound.models import Delivery
from sportello.providers.common import http
from sportello.providers.common.meta import (
    SIGNATURE_HEADER,
    graph_error_text,
    signature_matches,
    subscription_answer,
)
from sportello.providers.common.webhooks import ignore, refuse

DEFAULT_GRAPH_URL = "https://graph.facebook.com/v21.0"
SECRET_KEYS = frozenset({"page_access_token", "app_secret", "webhook_key"})
_REQUIRED = ("page_id", "page_access_token", "app_secret", "verify_token")
_OPTIONAL = ("graph_url", "webhook_key")
_PAGE_ID = re.compile(r"^\d{3,25}$")
WEBHOOK_KEY = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
WINDOW = timedelta(hours=24)
MAX_TEXT = 2000
OBJECTS = {"messenger": "page", "instagram": "instagram"}


# --- config ---------------------------------------------------------------------------


def validate_config(config: Any) -> dict[str, Any]:
    """The page's settings from Meta's dashboard, the Graph API's base URL, the webhook key."""
    if not isinstance(config, dict):
        raise InvalidInput("config must be an object")
    unknown = sorted(set(config) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        raise InvalidInput(
            f"config: unknown key {unknown[0]!r}; use {', '.join(_REQUIRED + _OPTIONAL)}"
        )
    cleaned = {}
    for key in _REQUIRED:
        value = config.get(key)
        if isinstance(value, int) and key == "page_id":
            value = str(value)
        if not isinstance(value, str) or not value.strip() or len(value) > 1000:
            raise InvalidInput(f"config.{key}: required, a non-empty string")
        cleaned[key] = value.strip()
    if not _PAGE_ID.match(cleaned["page_id"]):
        raise InvalidInput("config.page_id: the digits of the Page ID (or Instagram account ID)")
    url = config.get("graph_url") or DEFAULT_GRAPH_URL
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("config.graph_url: an http(s) URL such as " + DEFAULT_GRAPH_URL)
    cleaned["graph_url"] = url.strip().rstrip("/")
    key = config.get("webhook_key") or secrets.token_urlsafe(24)
    if not isinstance(key, str) or not WEBHOOK_KEY.match(key):
        raise InvalidInput("config.webhook_key: 20-64 letters, digits, '-' or '_'")
    cleaned["webhook_key"] = key
    return cleaned


def webhook_path(kind: str) -> Callable[[dict[str, Any]], str | None]:
    def path(config: dict[str, Any]) -> str | None:
        key = config.get("webhook_key") if isinstance(config, dict) else None
        if isinstance(key, str) and WEBHOOK_KEY.match(key):
            return f"/hooks/{kind}/{key}/"
        return None

    return path


# --- reading a webhook body ------------------------------------------------------------


@dataclass
class PageEvents:
    """What one webhook body holds for Sportello, by kind of event."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    echoes: list[dict[str, Any]] = field(default_factory=list)
    revisions: list[dict[str, Any]] = field(default_factory=list)
    delivered: list[str] = field(default_factory=list)
    read_mids: list[str] = field(default_factory=list)
    read_until: list[tuple[str, datetime]] = field(default_factory=list)
    ignored: list[tuple[str, Any]] = field(default_factory=list)


class NotMessaging(ValueError):
    pass


def event_time(value: Any) -> datetime | None:
    """Meta's milliseconds since the epoch (or an ISO time, in some test payloads)."""
    at: datetime | None
    try:
        at = datetime.fromtimestamp(int(value) / 1000, tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        try:
            at = datetime.fromisoformat(str(value).replace("+0000", "+00:00"))
        except ValueError:
            return None
    if at.tzinfo is None or sent_at_refusal(at, clock.now()):
        return None
    return at


def parse_body(raw: bytes, kind: str) -> PageEvents:
    """The events of a webhook body (``ValueError`` for one that is not JSON or not this
    kind's object)."""
    payload = json.loads(raw)
    if not isinstance(payload, dict) or not isinstance(payload.get("entry"), list):
        raise NotMessaging("the body is not a Messenger Platform webhook")
    expected = OBJECTS[kind]
    if payload.get("object") not in (None, expected):
        raise NotMessaging(f"object {str(payload.get('object'))[:40]!r} is not {expected!r}")
    events = PageEvents()
    for entry in payload["entry"]:
        if not isinstance(entry, dict):
            continue
        for name in ("messaging", "standby"):
            for event in entry.get(name) or []:
                if isinstance(event, dict):
                    _event(events, event)
        for change in entry.get("changes") or []:
            what = change.get("field") if isinstance(change, dict) else None
            events.ignored.append((f"{kind} change {str(what)!r} is not handled", change))
    return events


def _event(events: PageEvents, event: dict[str, Any]) -> None:
    found = event.get("sender")
    who: dict[str, Any] = found if isinstance(found, dict) else {}
    sender = str(who.get("id") or "")
    if not sender and who.get("user_ref"):
        # A guest of the website's chat plugin, known by a reference until they log in.
        sender = f"user_ref:{who['user_ref']}"
    recipient = str((event.get("recipient") or {}).get("id") or "")
    at = event_time(event.get("timestamp"))
    message = event.get("message")
    if isinstance(message, dict):
        mid = str(message.get("mid") or "")
        if message.get("is_echo"):
            events.echoes.append({"mid": mid, "psid": recipient, "text": _text_of(message)})
        elif message.get("is_deleted") or message.get("is_unsent"):
            events.revisions.append({"mid": mid, "action": "deleted", "text": ""})
        elif not mid or not sender:
            events.ignored.append(("a message without an id or a sender", event))
        else:
            events.messages.append(_customer_message(sender, mid, at, message))
        return
    if isinstance(event.get("message_edit"), dict):
        edit = event["message_edit"]
        events.revisions.append(
            {
                "mid": str(edit.get("mid") or ""),
                "action": "edited",
                "text": str(edit.get("text") or ""),
            }
        )
        return
    if not sender and any(k in event for k in ("reaction", "postback")):
        events.ignored.append(("an event without a sender", event))
        return
    if isinstance(event.get("reaction"), dict):
        reaction = event["reaction"]
        if reaction.get("action") != "react" or not reaction.get("emoji"):
            events.ignored.append(("a reaction was removed", event))
            return
        original = str(reaction.get("mid") or "")
        events.messages.append(
            {
                "psid": sender,
                "mid": f"reaction:{original}:{sender}:{event.get('timestamp')}",
                "text": str(reaction["emoji"]),
                "sent_at": at,
                "references": [original] if original else [],
                "attachments": [],
                "data": {"reaction": reaction},
            }
        )
        return
    if isinstance(event.get("postback"), dict):
        postback = event["postback"]
        mid = str(postback.get("mid") or f"postback:{sender}:{event.get('timestamp')}")
        events.messages.append(
            {
                "psid": sender,
                "mid": mid,
                "text": str(postback.get("title") or postback.get("payload") or "[postback]"),
                "sent_at": at,
                "references": [],
                "attachments": [],
                "data": {"postback": postback},
            }
        )
        return
    if isinstance(event.get("delivery"), dict):
        events.delivered.extend(str(m) for m in event["delivery"].get("mids") or [])
        return
    if isinstance(event.get("read"), dict):
        read = event["read"]
        if read.get("mid"):
            events.read_mids.append(str(read["mid"]))
        elif read.get("watermark") is not None:
            until = event_time(read["watermark"])
            if until is not None:
                events.read_until.append((sender, until))
        return
    kinds = sorted(k for k in event if k not in ("sender", "recipient", "timestamp"))
    events.ignored.append((f"event {', '.join(kinds) or 'without a kind'} is not handled", event))


def _text_of(message: dict[str, Any]) -> str:
    return str(message.get("text") or "")


def _customer_message(
    psid: str, mid: str, at: datetime | None, message: dict[str, Any]
) -> dict[str, Any]:
    texts = [str(message["text"])] if message.get("text") else []
    attachments: list[dict[str, Any]] = []
    data: dict[str, Any] = {}
    references: list[str] = []
    for attachment in message.get("attachments") or []:
        if not isinstance(attachment, dict):
            continue
        kind = str(attachment.get("type") or "")
        payload = attachment.get("payload") if isinstance(attachment.get("payload"), dict) else {}
        url = str((payload or {}).get("url") or "")
        if kind == "location":
            point = (payload or {}).get("coordinates") or {}
            texts.append(
                f"📍 https://www.openstreetmap.org/?mlat={point.get('lat')}&mlon={point.get('long')}"
            )
        elif kind == "story_mention":
            # Stored text, not interface: the same words whatever the request's language.
            texts.append("[story mention]")
            data["story_mention"] = url
        elif kind in ("image", "video", "audio", "file") and url:
            attachments.append(
                {"filename": kind, "content_type": "", "url": url, "kind": kind, "pending": True}
            )
        else:
            texts.append(f"[{kind or 'attachment'}: {attachment.get('title') or url}]".strip())
            data.setdefault("attachments", []).append(attachment)
    reply_to = message.get("reply_to") if isinstance(message.get("reply_to"), dict) else {}
    if reply_to and reply_to.get("mid"):
        references.append(str(reply_to["mid"]))
    if reply_to and isinstance(reply_to.get("story"), dict):
        data["story_reply"] = reply_to["story"]
    if isinstance(message.get("quick_reply"), dict):
        data["quick_reply"] = message["quick_reply"]
    if message.get("is_unsupported"):
        texts.append("[unsupported]")
    text = "\n".join(t for t in texts if t) or ("" if attachments else "[message]")
    return {
        "psid": psid,
        "mid": mid,
        "text": text,
        "sent_at": at,
        "references": references,
        "attachments": attachments,
        "data": data,
    }


# --- the webhook ------------------------------------------------------------------------


def channel_for_key(kind: str, key: str) -> Channel | None:
    if not WEBHOOK_KEY.match(key):
        return None
    return channel_for_webhook_key(kind, key)


def customer_conversation(channel: Channel, psid: str) -> Conversation | None:
    owners = identity_owners(channel.workspace_id, [(channel.kind, psid)])
    if not owners:
        return None
    return active_conversation_for(owners[0].customer_id, channel.pk)


def make_webhook(kind: str) -> Callable[[HttpRequest, str], HttpResponse]:
    """The ``/hooks/<kind>/<webhook key>/`` view of a Messenger Platform kind; it answers
    each case as WhatsApp's does (docs/architecture/meta-messaging.md)."""

    @csrf_exempt
    def webhook(request: HttpRequest, key: str) -> HttpResponse:
        channel = channel_for_key(kind, key)
        if channel is None:
            return JsonResponse({"detail": "not found"}, status=404)
        if request.method == "GET":
            return subscription_answer(request, str(channel.config.get("verify_token") or ""))
        if request.method != "POST":
            return JsonResponse({"detail": "use GET or POST"}, status=405)
        raw = request.body
        where = {"workspace_id": channel.workspace_id, "channel_id": channel.pk}
        secret = str(channel.config.get("app_secret") or "")
        if not signature_matches(raw, request.META.get(SIGNATURE_HEADER), secret):
            reason = "the X-Hub-Signature-256 header is missing or does not match the app secret"
            return refuse(source=kind, reason=reason, raw=raw, **where)
        try:
            events = parse_body(raw, kind)
        except ValueError as exc:
            ignore(source=kind, reason=f"not taken: {exc}", raw=raw, **where)
            return JsonResponse({"ignored": str(exc)[:200]})
        return JsonResponse(take_events(channel, events))

    return webhook


def take_events(channel: Channel, events: PageEvents) -> dict[str, int]:
    taken = dict.fromkeys(
        ("messages", "duplicates", "echoes", "revisions", "receipts", "ignored"), 0
    )
    kind = channel.kind

    def skip(reason: str, payload: Any = None) -> None:
        ignore(
            source=kind,
            reason=reason,
            payload=payload if isinstance(payload, dict | list) else None,
            workspace_id=channel.workspace_id,
            channel_id=channel.pk,
        )
        taken["ignored"] += 1

    for reason, fragment in events.ignored:
        skip(reason, fragment)
    for message in events.messages:
        inbound = InboundMessage(
            workspace_id=channel.workspace_id,
            channel_id=channel.pk,
            sender=Sender(handles={kind: message["psid"]}),
            text=message["text"],
            external_id=message["mid"][:500],
            sent_at=message["sent_at"],
            references=message["references"],
            attachments=message["attachments"],
            data={kind: {"psid": message["psid"], **message["data"]}},
        )
        try:
            result = ingest(inbound, source=kind, channel=channel)
        except IngestFailed:
            taken["ignored"] += 1
            continue
        taken["duplicates" if result.duplicate else "messages"] += 1
        if not result.duplicate and message["attachments"]:
            from sportello.providers.common.meta_jobs import fetch_page_attachments

            fetch_page_attachments(result.message_id)
    for echo in events.echoes:
        if echo["mid"] and record_receipt(channel.pk, echo["mid"], "sent") is not None:
            continue  # Sportello's own reply, already on the timeline
        conversation = customer_conversation(channel, echo["psid"])
        if conversation is None:
            skip("a message sent from Meta's apps to a customer with no open conversation", echo)
            continue
        record_event(
            conversation.pk, "sent_elsewhere", once_on="mid", mid=echo["mid"], text=echo["text"]
        )
        taken["echoes"] += 1
    for revision in events.revisions:
        original = message_replied_to(channel.workspace_id, [revision["mid"]])
        if original is None:
            skip(f"a message was {revision['action']}, but Sportello never received it", revision)
            continue
        record_event(
            original.conversation_id,
            f"message_{revision['action']}",
            once_on="revision",
            revision=f"{revision['mid']}:{revision['action']}:{revision['text']}",
            message_id=original.pk,
            text=revision["text"],
        )
        taken["revisions"] += 1
    for mid in events.delivered:
        taken["receipts"] += record_receipt(channel.pk, mid, "delivered") is not None
    for mid in events.read_mids:
        taken["receipts"] += record_receipt(channel.pk, mid, "read") is not None
    for psid, until in events.read_until:
        owners = identity_owners(channel.workspace_id, [(kind, psid)])
        if owners:
            taken["receipts"] += record_read_until(channel.pk, owners[0].customer_id, until)
    return taken


# --- sending ------------------------------------------------------------------------------


def send_page_message(delivery: Delivery) -> str:
    """A reply through ``POST {graph_url}/{page_id}/messages`` to the customer's page-scoped
    id (``messaging_type: RESPONSE``, within the 24-hour window); returns Meta's mid."""
    channel = delivery.channel
    try:
        config = validate_config(channel.config)
    except SportelloError as exc:
        raise DeliveryError(f"the channel's configuration: {exc.message}", permanent=True) from exc
    reply = delivery.message
    psid = first_identity_value(reply.conversation.customer_id, channel.kind)
    if psid is None:
        raise DeliveryError(f"the customer has no {channel.kind} id", permanent=True)
    text = (reply.text or "").strip()
    if not text:
        raise DeliveryError("the reply has no text", permanent=True)
    response = http.call(
        "POST",
        f"{config['graph_url']}/{config['page_id']}/messages",
        token=config["page_access_token"],
        json={
            "recipient": {"id": psid},
            "messaging_type": "RESPONSE",
            "message": {"text": text[:MAX_TEXT]},
        },
        error_text=graph_error_text,
        before_send=lambda: hand_over(delivery),
    )
    try:
        mid = str(response.json()["message_id"])
    except (ValueError, KeyError, TypeError) as exc:
        raise DeliveryError(f"Meta's answer has no message id: {response.text[:200]}") from exc
    set_provider_message_id(delivery, mid)
    return mid


def reply_refusal(conversation: Conversation, channel: Any = None) -> str | None:
    """Meta's standard messaging window: 24 hours after the customer's last message (on
    ``channel``, in a conversation merged from several)."""
    last = last_inbound_on(conversation, channel.pk if channel is not None else None)
    if last is None or clock.now() - last > WINDOW:
        return _(
            "More than 24 hours have passed since the customer's last message on this "
            "channel: Meta does not deliver a reply now. Answer on another channel, or wait "
            "for the customer to write again."
        )
    return None


# The settings page's form (``channels.registry.ConfigField``), for both kinds.
CONFIG_FIELDS: tuple[ConfigField, ...] = (
    ConfigField(
        "page_id",
        _lazy("Page ID"),
        required=True,
        help=_lazy("The Facebook Page ID (or the Instagram account ID)."),
    ),
    ConfigField("page_access_token", _lazy("Page access token"), "secret", required=True),
    ConfigField("app_secret", _lazy("App secret"), "secret", required=True),
    ConfigField(
        "verify_token",
        _lazy("Verify token"),
        "secret",
        required=True,
        help=_lazy("Any phrase; type the same in Meta's webhook settings."),
    ),
    ConfigField(
        "graph_url", _lazy("Graph API address"), "url", help=_lazy("Leave empty for Meta's.")
    ),
)
