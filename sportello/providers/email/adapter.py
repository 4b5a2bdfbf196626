"""Raw email bytes → :class:`~sportello.ingest.inbound.InboundMessage`.

The adapter knows email and nothing of the pipeline's insides: it reads the message with the
MIME parser, stores the attachments' bytes, flags what must never be answered automatically
and turns email's threading (Message-ID, In-Reply-To, References, ``[#1042]`` in a subject)
into the pipeline's generic references. The one policy it applies is the channel's reopen
window, because it is an email setting: an answer to a conversation resolved long ago opens a
new conversation instead of reviving the old one.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings

from sportello.channels.models import Channel
from sportello.conversations.models import Status
from sportello.conversations.queries import conversation_for_reference
from sportello.core import clock
from sportello.core.errors import InvalidInput
from sportello.ingest.inbound import InboundMessage, Sender, sent_at_refusal
from sportello.providers.common.storage import store_attachment
from sportello.providers.email.config import DEFAULT_REOPEN_DAYS, read_config
from sportello.providers.email.parsing import ParsedEmail, safe_header_value

# "[#1042]" as Sportello writes it in the subjects of its replies.
SUBJECT_NUMBER = re.compile(r"\[#(\d{1,15})\]")
MAX_EXTERNAL_ID = 500
MAX_REFERENCES = 50
MAX_WARNINGS = 20
# Data keys that tell automations (acknowledgement, bot, rules) to stay silent.
NO_AUTO_RESPONSE = "no_auto_response"


def external_id_for(parsed: ParsedEmail, raw: bytes) -> str:
    """The message's Message-ID; without one, a hash of its bytes, so the same message
    fetched twice is still recognised."""
    message_id = (parsed.message_id or "").strip()
    if message_id and len(message_id) <= MAX_EXTERNAL_ID:
        return message_id
    source = message_id.encode() if message_id else raw
    return "sha256:" + hashlib.sha256(source).hexdigest()


def references_of(parsed: ParsedEmail) -> list[str]:
    """In-Reply-To first, then References from the most recent: the pipeline looks at the
    first 50, and the end of a long References chain is the part that matters."""
    ordered = [parsed.in_reply_to] if parsed.in_reply_to else []
    ordered += list(reversed(parsed.references or []))
    return [ref for ref in dict.fromkeys(ordered) if ref][:MAX_REFERENCES]


def conversation_number_in(subject: str) -> int | None:
    matches = SUBJECT_NUMBER.findall(subject or "")
    return int(matches[-1]) if matches else None


def email_addresses(value: Any) -> list[str]:
    """Addresses from whatever the parser gives for an address header."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if "@" in value else []
    if isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, str) for v in value):
        return email_addresses(value[1])
    if isinstance(value, Iterable):
        found: list[str] = []
        for item in value:
            found += email_addresses(getattr(item, "email", item))
        return found
    return email_addresses(getattr(value, "email", None))


# Local parts of addresses nobody reads: an answer to them is lost or bounces.
NO_REPLY_LOCAL_PART = re.compile(
    r"^(?:no[-_.]?reply|do[-_.]?not[-_.]?reply|non[-_.]?rispondere|mailer-daemon|postmaster)"
    r"(?:[-+._].*)?$",
    re.IGNORECASE,
)


def is_no_reply_address(address: str) -> bool:
    return bool(NO_REPLY_LOCAL_PART.match(address.strip().rpartition("@")[0]))


def automated_kinds(parsed: ParsedEmail) -> list[str]:
    kinds = []
    if parsed.is_auto_reply:
        kinds.append("auto_reply")
    if parsed.is_bounce:
        kinds.append("bounce")
    if parsed.is_mailing_list:
        kinds.append("mailing_list")
    return kinds


def sender_of(parsed: ParsedEmail) -> Sender:
    """Who wrote. A certified (PEC) message is read from inside its envelope by the parser;
    when the envelope had no readable message, the customer is the certificate's sender
    (``mittente``) or the envelope's Reply-To, not the provider's robot that sent it."""
    email = (parsed.from_email or "").strip()
    name = safe_header_value(parsed.from_name or "")
    pec = pec_of(parsed)
    if pec.get("type") in ("posta-certificata", "anomalia") and email == pec.get("envelope_from"):
        certified = str((pec.get("daticert") or {}).get("mittente") or "")
        email = (certified or parsed.reply_to or email).strip()
        name = re.sub(r"^\s*per conto di:?\s*", "", name, flags=re.IGNORECASE)
        if "@" in name:
            name = ""
    if not email or "@" not in email:
        raise InvalidInput("the message has no sender address")
    # A From header is what the customer's mail program wrote: an address in it that is
    # not a valid one is kept as written (an unverified identity) rather than refused.
    return Sender(name=name, email=email, email_as_written=True)


def pec_of(parsed: ParsedEmail) -> dict[str, Any]:
    """The parser's PEC facts (an envelope or a receipt), or an empty dict."""
    return dict(parsed.pec or {})


def aware(moment: datetime | None) -> datetime | None:
    """The Date header as an aware time, or None when it cannot be one (year 1 with an
    offset, a date years ahead): the message is kept all the same, without it."""
    if moment is None:
        return None
    moment = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return None if sent_at_refusal(moment, clock.now()) else moment


def stored_attachments(workspace_id: int, parsed: ParsedEmail) -> list[dict[str, Any]]:
    """Write each attachment's bytes to its file; the message keeps the metadata."""
    found = []
    for attachment in parsed.attachments:
        meta: dict[str, Any] = {
            "filename": attachment.filename,
            "content_type": attachment.content_type,
            "size": attachment.size,
            "content_id": attachment.content_id,
            "inline": attachment.is_inline,
        }
        if getattr(attachment, "dropped", False):
            meta["dropped"] = True
        else:
            meta["sha256"], meta["path"] = store_attachment(workspace_id, attachment.content)
        found.append(meta)
    return found


def reopen_window_passed(
    channel: Channel, references: list[str], number: int | None, reopen_days: int | None
) -> int | None:
    """The number of the conversation referred to when it was resolved or closed more than
    ``reopen_days`` ago: the answer must then open a new conversation."""
    if reopen_days is None or not (references or number):
        return None
    conversation = conversation_for_reference(channel.workspace_id, references, number)
    if conversation is None or conversation.status not in (Status.RESOLVED, Status.CLOSED):
        return None
    ended = conversation.resolved_at or conversation.last_message_at
    if ended is None or clock.now() - ended <= timedelta(days=reopen_days):
        return None
    return conversation.number


def inbound_settings(channel: Channel) -> tuple[str, int | None]:
    """The channel's address and reopen window. A mistake elsewhere in the configuration
    (a wrong SMTP port) must not turn incoming mail away, so this falls back to the raw
    values when the whole configuration does not validate."""
    try:
        config = read_config(channel)
    except InvalidInput:
        raw = channel.config if isinstance(channel.config, dict) else {}
        return str(raw.get("address") or "").strip().lower(), DEFAULT_REOPEN_DAYS
    return config.address, config.reopen_days


def to_inbound(channel: Channel, raw: bytes, parsed: ParsedEmail) -> InboundMessage:
    """The InboundMessage for an ordinary email (PEC receipts are handled apart)."""
    address, reopen_days = inbound_settings(channel)
    sender = sender_of(parsed)
    subject = safe_header_value(parsed.subject or "")
    references = references_of(parsed)
    number = conversation_number_in(subject)
    data: dict[str, Any] = {
        "email": {
            "from": sender.email,
            "reply_to": email_addresses(parsed.reply_to),
            "to": email_addresses(parsed.to),
            "cc": email_addresses(parsed.cc),
            "references": references,
            "full_text": parsed.text or "",
            "warnings": list(parsed.warnings or [])[:MAX_WARNINGS],
        }
    }
    automated = automated_kinds(parsed)
    if sender.email.strip().lower() == address:
        automated.append("from_self")
    answers_to = (email_addresses(parsed.reply_to) or [sender.email])[0]
    if is_no_reply_address(answers_to):
        automated.append("no_reply")
    if automated:
        data["automated"] = automated
        data[NO_AUTO_RESPONSE] = True
    if parsed.pec:
        data["pec"] = parsed.pec
    previous = reopen_window_passed(channel, references, number, reopen_days)
    if previous is not None:
        data["follows_conversation"] = previous
        references, number = [], None
    return InboundMessage(
        workspace_id=channel.workspace_id,
        channel_id=channel.pk,
        sender=sender,
        text=parsed.visible_text or parsed.text or "",
        html=parsed.html_sanitized or "",
        subject=subject,
        external_id=external_id_for(parsed, raw),
        sent_at=aware(parsed.date),
        references=references,
        conversation_number=number,
        attachments=stored_attachments(channel.workspace_id, parsed),
        data=data,
        # The raw bytes travel with the stored record; a message larger than the limit keeps
        # its parsed form only (its over-budget parts were dropped by the parser anyway).
        raw=raw if len(raw) <= settings.MAX_EMAIL_BYTES else None,
    )
