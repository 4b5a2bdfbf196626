"""The LMTP receiver: the local mail server (Postfix, Exim…) hands Sportello its mail.

``sportello run`` starts it when ``SPORTELLO_LMTP_PORT`` is set. It answers like a
mailbox that keeps its promises: ``250`` for a recipient only once the message is stored
(ingested, or kept as a rejected record), ``550`` for an address no email channel owns or a
message that can never be stored (unreadable, no sender address: kept as a rejected record
with the reason), ``552`` for a message over ``SPORTELLO_MAX_EMAIL_BYTES``, ``500`` for one
with a line over ``MAX_LINE_BYTES``, and ``451`` only when another delivery could succeed
(the database is down, the pipeline broke), so the mail server keeps it and tries again.
LMTP answers DATA once per recipient, refusals included: a message to two channels is
ingested once in each.

Lines: SMTP's limit of 1,000 octets a line (RFC 5321 4.5.3.1.6) is one real mail breaks
(HTML written on one line, unfolded headers), and a mail server that folds them alters the
message. So a line may be up to ``MAX_LINE_BYTES`` (1 MiB, CRLF included); the whole message
is still held to ``SPORTELLO_MAX_EMAIL_BYTES``.

It binds to loopback by default and has no authentication: whoever can reach the port can
hand it mail, like a local delivery agent.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, AnyStr

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from django.conf import settings
from django.db import close_old_connections

from sportello.channels.models import Channel
from sportello.customers.identities import normalize_email
from sportello.ingest import rejections
from sportello.providers.email.receive import FAILED, REFUSED, receive_email

log = logging.getLogger(__name__)

# How long one line of a message may be, CRLF included: generous, far beyond RFC 5321's
# 1,000 octets, yet a bound on what one read holds in memory before the line ends.
MAX_LINE_BYTES = 1024 * 1024

OK = "250 2.0.0 Ok: stored"
NOT_OURS = "550 5.1.1 <{address}>: no such mailbox here"
UNREADABLE = "550 5.6.0 Message refused: {reason}"
TRY_LATER = "451 4.3.0 Message could not be stored, try again later"
LINE_TOO_LONG = "500 5.6.0 Message refused: a line is longer than {limit} bytes"
TOO_LARGE = "552 5.3.4 Message refused: larger than {limit} bytes"
# What aiosmtpd answers DATA when it threw the message away while reading it.
_AIOSMTPD_LINE_TOO_LONG = "500 Line too long"
_AIOSMTPD_TOO_MUCH_DATA = "552 Error: Too much mail data"


def channel_for_address(address: str) -> Channel | None:
    """The active email channel whose configured address is ``address``."""
    try:
        wanted = normalize_email(address)
    except Exception:
        return None
    return (
        Channel.objects.filter(kind="email", is_active=True, config__address__iexact=wanted)
        .order_by("pk")
        .first()
    )


def _in_thread(function: Any, *args: Any) -> Any:
    """Run ORM code in a worker thread (the event loop must not touch the database), with
    the connection hygiene Django's request cycle would give it."""

    def run() -> Any:
        close_old_connections()
        try:
            return function(*args)
        finally:
            close_old_connections()

    return asyncio.to_thread(run)


def deliver(raw: bytes, recipients: list[str]) -> list[str]:
    """Store ``raw`` for each recipient's channel; one LMTP status line per recipient."""
    by_channel: dict[int, str] = {}
    statuses = []
    for address in recipients:
        channel = channel_for_address(address)
        if channel is None:
            statuses.append(NOT_OURS.format(address=address))
            continue
        if channel.pk not in by_channel:
            by_channel[channel.pk] = _store(channel, raw)
        statuses.append(by_channel[channel.pk])
    return statuses


def _store(channel: Channel, raw: bytes) -> str:
    try:
        outcome = receive_email(channel, raw, source="lmtp")
    except Exception:
        log.exception("LMTP: storing a message for channel %s failed", channel.pk)
        return TRY_LATER
    if outcome.status == FAILED:
        return TRY_LATER
    if outcome.status == REFUSED:
        return UNREADABLE.format(reason=" ".join(outcome.reason.split())[:200])
    return OK


def record_discarded(recipients: list[str], reason: str) -> None:
    """Keep a trace of a message refused while it was read (its bytes were not kept), for
    each channel it was for: the agent can see that mail was turned away, and why."""
    seen: set[int] = set()
    for address in recipients:
        channel = channel_for_address(address)
        if channel is None or channel.pk in seen:
            continue
        seen.add(channel.pk)
        rejections.record_refusal(
            source="lmtp", reason=reason, workspace_id=channel.workspace_id, channel_id=channel.pk
        )


class SportelloLMTP(LMTP):
    """aiosmtpd's LMTP with long lines allowed, and its refusals made LMTP-correct.

    aiosmtpd answers a message it threw away while reading (a line too long, too much data)
    once, as SMTP would; LMTP owes one answer per accepted recipient, and a mail server
    waiting for the others would time out and retry. Here each recipient gets the refusal,
    worded with the limit, and the refusal is recorded."""

    line_length_limit = MAX_LINE_BYTES

    async def push(self, status: AnyStr) -> None:
        text = status.decode("utf-8", "replace") if isinstance(status, bytes) else status
        if text.startswith(_AIOSMTPD_LINE_TOO_LONG):
            refusal = LINE_TOO_LONG.format(limit=MAX_LINE_BYTES)
        elif text.startswith(_AIOSMTPD_TOO_MUCH_DATA):
            refusal = TOO_LARGE.format(limit=self.data_size_limit)
        else:
            await super().push(status)
            return
        recipients = list(self.envelope.rcpt_tos) if self.envelope is not None else []
        try:
            await _in_thread(record_discarded, recipients, refusal[4:])
        except Exception:
            log.exception("LMTP: recording a refused message failed")
        for _ in recipients or [""]:
            await super().push(refusal)


class LmtpHandler:
    async def handle_RCPT(
        self, server: LMTP, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        channel = await _in_thread(channel_for_address, address)
        if channel is None:
            return NOT_OURS.format(address=address)
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server: LMTP, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or b""
        statuses = await _in_thread(deliver, bytes(raw), list(envelope.rcpt_tos))
        return "\r\n".join(statuses)


class LmtpReceiver(Controller):
    """aiosmtpd's threaded controller, speaking LMTP; ``stop()`` ends it."""

    def factory(self) -> LMTP:
        return SportelloLMTP(self.handler, **self.SMTP_kwargs)


def start_lmtp_server(host: str, port: int) -> LmtpReceiver:
    """Start the receiver in its own thread and return it once it accepts connections."""
    receiver = LmtpReceiver(
        LmtpHandler(),
        hostname=host,
        port=port,
        data_size_limit=settings.MAX_EMAIL_BYTES,
        enable_SMTPUTF8=True,
        ident="Sportello LMTP",
    )
    receiver.start()
    log.info("LMTP receiver listening on %s:%s", host, port)
    return receiver
