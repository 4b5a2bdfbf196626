"""Sending an agent's reply by email, threaded so the customer's answer comes back to it.

The reply carries ``In-Reply-To``/``References`` built from the conversation's Message-IDs
and ``[#<number>]`` in its subject, so a customer's mail client threads it and Sportello
threads the answer (by Message-ID, or by number when a client drops the headers). The
Message-ID is chosen and stored before the SMTP conversation starts, so every attempt of a
delivery sends the same one. Right before the SMTP DATA the attempt is noted as handing the
message over (``outbound.actions.hand_over``), so a restart after a crash knows whether the
server may have it.
"""

from __future__ import annotations

import html
import re
import smtplib
from email.utils import formataddr, make_msgid

from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.smtp import EmailBackend

from sportello.conversations.models import Conversation, Direction, Message
from sportello.conversations.queries import (
    external_ids_in_order,
    latest_inbound_data,
    message_data,
    started_to,
)
from sportello.core.errors import SportelloError
from sportello.customers.queries import first_identity_value
from sportello.outbound.actions import hand_over, set_provider_message_id
from sportello.outbound.errors import DeliveryError
from sportello.outbound.models import Delivery
from sportello.providers.common.storage import read_attachment
from sportello.providers.email.config import EmailChannelConfig, ServerConfig, read_config

SMTP_TIMEOUT = 30
MAX_REFERENCES = 20
_MESSAGE_ID = re.compile(r"^<[^<>\s@]+@[^<>\s@]+>$")
# Reply and forward prefixes of the languages our customers write in, repeated or not.
_PREFIXES = re.compile(
    r"^\s*(?:(?:re|r|aw|sv|vs|fw|fwd|i|inoltro|rif)\s*(?:\[\d+\])?\s*:\s*)+", re.IGNORECASE
)
_NUMBER_TAG = re.compile(r"\s*\[#\d+\]")


def single_line(value: str) -> str:
    """No CR, LF or other control characters: nothing can start a new header."""
    return " ".join("".join(c if c >= " " else " " for c in value).split())


def is_message_id(value: str | None) -> bool:
    """A Message-ID in ``<left@right>`` form (not a hash Sportello made up, nor another
    channel's id in a merged conversation)."""
    return bool(value and _MESSAGE_ID.match(value))


def reply_subject(subject: str, number: int) -> str:
    """``Re: <subject> [#<number>]``, whatever prefixes and tags the subject had."""
    base = _PREFIXES.sub("", _NUMBER_TAG.sub("", single_line(subject or "")))
    base = single_line(base)[:250]
    return f"Re: {base} [#{number}]" if base else f"Re: [#{number}]"


def new_message_id(address: str) -> str:
    domain = address.rpartition("@")[2] or "sportello.invalid"
    return make_msgid(idstring="sportello", domain=domain)


def recipient_for(conversation: Conversation, channel_id: int | None = None) -> str:
    """Where the customer wants answers: the Reply-To of their latest email, else its From,
    else their email address on file."""
    latest = latest_inbound_data(conversation.pk, channel_id)
    email = (latest or {}).get("email") or {}
    for address in [*(email.get("reply_to") or []), email.get("from") or ""]:
        if address and "@" in address:
            return single_line(address)
    started = started_to(conversation.pk)
    if started and "@" in started:
        return single_line(started)
    identity = first_identity_value(conversation.customer_id, "email")
    if identity is None:
        raise DeliveryError("the customer has no email address", permanent=True)
    return identity


def thread_headers(conversation: Conversation, reply: Message) -> dict[str, str]:
    """``In-Reply-To`` (the customer's latest email) and ``References`` (what that email
    referred to, then the conversation's messages), RFC 5322 §3.6.4."""
    rows = external_ids_in_order(conversation.pk, excluding=reply.pk)
    threaded = [(pk, ext, direction) for pk, ext, direction in rows if is_message_id(ext)]
    if not threaded:
        return {}
    ids = [external_id for _, external_id, _ in threaded]
    inbound = [(pk, ext) for pk, ext, direction in threaded if direction == Direction.INBOUND]
    parent_pk, parent_id = inbound[-1] if inbound else (None, ids[-1])
    parent_data = message_data(parent_pk) if parent_pk else None
    earlier = ((parent_data or {}).get("email") or {}).get("references") or []
    # Stored most recent first (see adapter.references_of); headers list the oldest first.
    chain = [r for r in reversed(earlier) if is_message_id(r)] + ids
    chain = list(dict.fromkeys(chain))
    if parent_id in chain:
        chain.remove(parent_id)
    chain.append(parent_id)
    if len(chain) > MAX_REFERENCES:
        chain = [chain[0], *chain[-(MAX_REFERENCES - 1) :]]
    return {"In-Reply-To": parent_id, "References": " ".join(chain)}


def with_signature(text: str, signature: str) -> str:
    signature = (signature or "").strip()
    return f"{text}\n\n-- \n{signature}" if signature else text


def with_html_signature(body: str, signature: str) -> str:
    signature = (signature or "").strip()
    if not signature:
        return body
    return f"{body}<br><br>-- <br>{html.escape(signature).replace(chr(10), '<br>')}"


def build_reply(
    reply: Message, config: EmailChannelConfig, message_id: str
) -> EmailMultiAlternatives:
    """The email for an agent's reply, ready to send (no connection attached)."""
    conversation = reply.conversation
    signature = reply.sender_agent.signature if reply.sender_agent else ""
    threading = thread_headers(conversation, reply)
    subject = reply_subject(conversation.subject, conversation.number)
    if not threading and started_to(conversation.pk):
        # The first email of a conversation an agent started: not a reply to anything.
        subject = subject.removeprefix("Re: ")
    email = EmailMultiAlternatives(
        subject=subject,
        body=with_signature(reply.text, signature),
        from_email=formataddr((single_line(config.from_name), config.address)),
        to=[recipient_for(conversation, reply.channel_id)],
        headers={
            "Message-ID": message_id,
            **threading,
            "X-Sportello-Conversation": str(conversation.number),
            # RFC 3834: a reply the system wrote (an acknowledgement) says so, and asks
            # Exchange not to answer it, so two robots never write to each other forever.
            **(
                {"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"}
                if (reply.data or {}).get("automatic")
                else {}
            ),
        },
    )
    if reply.html:
        email.attach_alternative(with_html_signature(reply.html, signature), "text/html")
    for attachment in reply.attachments or []:
        if attachment.get("path") and not attachment.get("dropped"):
            email.attach(
                single_line(attachment.get("filename") or "allegato"),
                read_attachment(attachment["path"]),
                attachment.get("content_type") or "application/octet-stream",
            )
    return email


def smtp_connection(smtp: ServerConfig) -> EmailBackend:
    """A connection to the channel's own SMTP server (never the installation's default)."""
    return EmailBackend(
        host=smtp.host,
        port=smtp.port,
        username=smtp.user or None,
        password=smtp.password or None,
        use_tls=smtp.starttls,
        use_ssl=smtp.ssl,
        timeout=SMTP_TIMEOUT,
        fail_silently=False,
    )


def _hand_over_before_data(connection: EmailBackend, delivery: Delivery) -> None:
    """Note the hand-over when smtplib starts the DATA command, after the server accepted
    the sender and the recipients: a crash before it cannot have sent anything, one after
    it may have. ``hand_over`` raises when the attempt was superseded, and smtplib's DATA
    never starts."""
    smtp = connection.connection
    if smtp is None:
        raise DeliveryError("the SMTP connection did not open")
    data = smtp.data

    def data_once_noted(message: bytes | str) -> tuple[int, bytes]:
        hand_over(delivery)
        return data(message)

    smtp.data = data_once_noted  # type: ignore[method-assign,assignment]


def send_email(delivery: Delivery) -> str:
    """The email channel's sender (``Provider.send``, registered in ``apps``): returns the
    Message-ID; raises :class:`DeliveryError`, permanent when retrying cannot help."""
    try:
        config = read_config(delivery.channel)
    except SportelloError as exc:
        raise DeliveryError(f"the channel's configuration: {exc.message}", permanent=True) from exc
    if config.smtp is None:
        raise DeliveryError("the channel has no SMTP server configured", permanent=True)
    reply = delivery.message
    message_id = delivery.provider_message_id or reply.external_id or ""
    if not is_message_id(message_id):
        message_id = new_message_id(config.address)
    if delivery.provider_message_id != message_id:
        set_provider_message_id(delivery, message_id)
    try:
        email = build_reply(reply, config, message_id)
    except SportelloError as exc:
        raise DeliveryError(exc.message, permanent=True) from exc
    try:
        with smtp_connection(config.smtp) as connection:
            _hand_over_before_data(connection, delivery)
            connection.send_messages([email])
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryError(f"the recipient was refused: {exc.recipients}", permanent=True) from exc
    except smtplib.SMTPResponseException as exc:
        error = exc.smtp_error
        text = error.decode("utf-8", "replace") if isinstance(error, bytes) else str(error)
        permanent = 500 <= exc.smtp_code < 600 and not isinstance(
            exc, smtplib.SMTPAuthenticationError
        )
        raise DeliveryError(f"SMTP {exc.smtp_code}: {text}", permanent=permanent) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc
    return message_id
