"""What the widget's endpoints and socket do, apart from HTTP: open a session, take a
visitor's message through the ingest pipeline, catch up, mark replies delivered and read.

Both transports (``views`` over HTTP, ``consumer`` over a websocket) call these, so a
visitor gets the same answers whichever way their browser can talk.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from sportello.channels.models import Channel
from sportello.conversations.attachments import Upload, store_uploads
from sportello.core import clock, realtime
from sportello.core.errors import InvalidInput, SportelloError
from sportello.core.models import Workspace
from sportello.ingest.inbound import InboundMessage, Sender
from sportello.ingest.pipeline import IngestFailed, ingest
from sportello.knowledge.search import search
from sportello.outbound.actions import record_receipt
from sportello.outbound.models import Delivery
from sportello.providers.webchat import presence, push
from sportello.providers.webchat.config import SOURCE, WebchatConfig
from sportello.providers.webchat.visitors import (
    CLIENT_ID,
    TOKEN,
    conversation_ids,
    external_id,
    handle_of,
    latest_lines,
    line_of,
    line_of_stored,
    lines_after,
    new_token,
)

MAX_TEXT = 4000
MAX_NAME = 100
# Images and PDFs only, sniffed from their bytes (conversations.attachments).
MAX_FILE_BYTES = 5 * 1024 * 1024
FILE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"})
MESSAGE_FIELDS = ("text", "client_id", "name", "email")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class BadRequest(SportelloError):
    status_code = 400


class TooLarge(SportelloError):
    status_code = 413


class NotStoredYet(SportelloError):
    """The pipeline failed: the message is kept for a retry, and the widget sends it again
    (with the same client id, so it is stored once)."""

    status_code = 503


def provider_id(message_id: int) -> str:
    """The delivery id of an agent's reply shown in the widget (its receipts name it)."""
    return f"webchat:{message_id}"


def widget_settings(channel: Channel, config: WebchatConfig, lang: str) -> dict[str, Any]:
    """What the widget shows before anyone writes: its look, the greeting, and whether an
    answer comes now or when (``reply_expected_at``, from the workspace's calendar).
    Within business hours it is online only while an agent of the workspace has a page
    open (``realtime.agents_online``); otherwise the widget asks for an email."""
    opens_at = presence.next_opening(channel.workspace_id)
    online = opens_at is None and realtime.agents_online(channel.workspace_id)
    greeting = config.greeting.get(lang) or _("Hi! How can we help you?")
    offline = config.offline_text.get(lang) or _(
        "We are away right now. Leave your email and we will answer you there."
    )
    return {
        "color": config.color,
        "position": config.position,
        "greeting": greeting,
        "online": online,
        "offline_text": "" if online else offline,
        "reply_expected_at": opens_at.isoformat() if opens_at else None,
        "max_file_bytes": MAX_FILE_BYTES,
        "help_search": config.help_search,
    }


MAX_QUESTION = 200
HELP_RESULTS = 5


def help_articles(channel: Channel, question: str, lang: str) -> list[dict[str, str]]:
    """The public help center's best articles for a visitor's question, in the page's
    language when an article has it: title, snippet and the article's path (the widget
    opens it in a new tab). Only published articles that are not internal."""
    question = " ".join(question.split())[:MAX_QUESTION]
    if not question:
        return []
    hits, _written_in = search(
        channel.workspace_id, question, language=lang, include_internal=False, limit=HELP_RESULTS
    )
    slug = Workspace.objects.filter(pk=channel.workspace_id).values_list("slug", flat=True)[0]
    found = []
    for hit in hits:
        try:
            path = reverse(
                "portal:article",
                args=[slug, hit.article.language, hit.article.pk, hit.article.slug],
            )
        except NoReverseMatch:  # a slug the portal's address cannot carry: no link
            continue
        found.append({"title": hit.article.title, "snippet": hit.snippet[:240], "path": path})
    return found


def open_session(channel: Channel, token: str) -> dict[str, Any]:
    """A returning visitor's history, or a new token for a new one."""
    if not TOKEN.match(token or ""):
        return {"token": new_token(), "messages": [], "last_id": 0}
    handle = handle_of(token)
    ids = conversation_ids(channel.workspace_id, channel.pk, handle)
    lines = latest_lines(channel.workspace_id, ids)
    _delivered(channel, lines)
    presence.seen(handle)
    return {
        "token": token,
        "messages": [line.as_json() for line in lines],
        "last_id": lines[-1].id if lines else 0,
    }


def catch_up(channel: Channel, token: str, after: int) -> dict[str, Any]:
    """The messages after ``after`` in the visitor's conversations (a poll, or a socket
    that reconnected); the replies among them are now delivered."""
    handle = handle_of(token)
    presence.seen(handle)
    ids = conversation_ids(channel.workspace_id, channel.pk, handle)
    lines = lines_after(channel.workspace_id, ids, after)
    _delivered(channel, lines)
    return {
        "messages": [line.as_json() for line in lines],
        "last_id": lines[-1].id if lines else after,
        "typing": presence.agent_typing(ids),
    }


def _delivered(channel: Channel, lines: list[Any]) -> None:
    for line in lines:
        if line.author == "agent":
            record_receipt(channel.pk, provider_id(line.id), "delivered")


def delivered_one(channel: Channel, message_id: int) -> None:
    record_receipt(channel.pk, provider_id(message_id), "delivered")


def _text(value: Any, name: str, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(f"{name}: a text")
    value = _CONTROL.sub("", value).strip()
    if len(value) > limit:
        raise InvalidInput(f"{name}: at most {limit} characters")
    return value


def _email(value: Any) -> str:
    email = _text(value, "email", 254)
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise InvalidInput(_("This email address is not valid.")) from exc
    return email.lower()


def _files(channel: Channel, files: list[tuple[str, bytes]]) -> list[dict[str, Any]]:
    if len(files) > 1:
        raise InvalidInput("one file a message")
    if any(len(content) > MAX_FILE_BYTES for _name, content in files):
        raise TooLarge(_("The file is too large (at most 5 MB)."))
    stored = store_uploads(channel.workspace_id, [Upload(n, c) for n, c in files])
    if any(f["content_type"] not in FILE_TYPES for f in stored):
        raise InvalidInput(_("Only images and PDF files can be sent."))
    return stored


@dataclass(frozen=True)
class Written:
    """A visitor's message once stored: the line the widget shows, and its conversation
    (a socket joins that conversation's group without asking the database)."""

    line: dict[str, Any]
    conversation_id: int


def write(
    channel: Channel,
    config: WebchatConfig,
    token: str,
    fields: dict[str, Any],
    files: list[tuple[str, bytes]],
) -> dict[str, Any]:
    """Store a visitor's message through the pipeline, then push it; the stored line."""
    return store(channel, config, token, fields, files).line


def store(
    channel: Channel,
    config: WebchatConfig,
    token: str,
    fields: dict[str, Any],
    files: list[tuple[str, bytes]],
) -> Written:
    """``write``, with the conversation the message went to."""
    text = _text(fields.get("text"), "text", MAX_TEXT)
    client_id = str(fields.get("client_id") or "")
    if not CLIENT_ID.match(client_id):
        raise InvalidInput("client_id: 1-64 letters, digits, '-' or '_' (the widget's id)")
    name = _text(fields.get("name"), "name", MAX_NAME)
    email = _email(fields.get("email"))
    attachments = _files(channel, files) if files else []
    if not text and not attachments:
        raise InvalidInput(_("Write a message or attach a file."))
    handle = handle_of(token)
    details: dict[str, Any] = {"visitor": handle}
    if email:
        details["email"] = email
    if name:
        details["name"] = name
    data: dict[str, Any] = {"webchat": details}
    if email:
        # Where a reply goes once the visitor has left (send.py, through an email channel).
        data["email"] = {"from": email}
    inbound = InboundMessage(
        workspace_id=channel.workspace_id,
        channel_id=channel.pk,
        # Only the token's handle identifies: an email typed in a form proves nothing.
        sender=Sender(name=name, handles={"webchat": handle}),
        text=text,
        external_id=external_id(handle, client_id),
        sent_at=clock.now(),
        attachments=attachments,
        data=data,
    )
    try:
        result = ingest(inbound, source=SOURCE, channel=channel)
    except IngestFailed as exc:
        raise NotStoredYet("the message could not be stored yet; send it again") from exc
    presence.seen(handle)
    stored = (
        line_of_stored(result.message)
        if result.message is not None
        else line_of(channel.workspace_id, result.message_id)
    )
    line: dict[str, Any] = stored.as_json() if stored else {"id": result.message_id}
    line["client_id"] = client_id
    if not result.duplicate:
        push.to_visitors(result.conversation_id, {"type": "message", "message": line})
        push.to_agents(result.conversation_id, {"type": "visitor.message", "message": line})
    return Written(line, result.conversation_id)


def mark_read(channel: Channel, token: str, until: Any) -> dict[str, Any]:
    """The visitor saw every reply up to message ``until``: read receipts."""
    if not isinstance(until, int) or isinstance(until, bool) or until < 0:
        raise InvalidInput("until: the id of the last message the visitor saw")
    handle = handle_of(token)
    ids = conversation_ids(channel.workspace_id, channel.pk, handle)
    unread = Delivery.objects.filter(
        workspace_id=channel.workspace_id,
        channel_id=channel.pk,
        message__conversation_id__in=ids,
        message_id__lte=until,
        read_at__isnull=True,
    ).values_list("provider_message_id", flat=True)
    marked = sum(record_receipt(channel.pk, pid, "read") is not None for pid in list(unread) if pid)
    for conversation_id in ids:
        push.to_agents(conversation_id, {"type": "visitor.read", "until": until})
    return {"marked": marked}


def visitor_typing(channel: Channel, token: str) -> None:
    ids = conversation_ids(channel.workspace_id, channel.pk, handle_of(token))
    if ids:
        push.to_agents(ids[-1], {"type": "visitor.typing", "at": _now_iso()})


def _now_iso() -> str:
    now: datetime = clock.now()
    return now.isoformat()
