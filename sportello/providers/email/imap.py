"""Fetching a channel's mailbox over IMAP (imap-tools), once a minute from a Huey job.

Order of things, which is what makes a crash harmless: fetch a message without marking it
(``BODY.PEEK``), store it (the ingest transaction commits, or the rejected record does), and
only then mark it ``\\Seen`` or move it to the processed folder. A crash in between fetches
the message again on the next poll, and ingest's dedupe on the Message-ID (or the hash of
the bytes) returns what the first time produced.

Without a processed folder the poll reads the unseen messages, so a person reading the
mailbox in a mail client must not mark them read first; with one, it reads everything in the
folder, and the folder only ever holds what Sportello has not taken yet.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from imap_tools import AND, MailBox, MailBoxStartTls, MailBoxUnencrypted, MailMessageFlags
from imap_tools.mailbox import BaseMailBox

from sportello.channels.models import Channel
from sportello.core.errors import SportelloError
from sportello.ingest import rejections
from sportello.providers.email.config import ImapConfig, read_config
from sportello.providers.email.receive import receive_email

log = logging.getLogger(__name__)

IMAP_TIMEOUT = 60
MAX_PER_POLL = 200
# Bigger than this is not even downloaded: its headers are kept as a rejected message and
# the message stays on the server, where a person can fetch it.
DOWNLOAD_LIMIT_FACTOR = 2
_SIZE = re.compile(rb"UID (\d+).*?RFC822\.SIZE (\d+)|RFC822\.SIZE (\d+).*?UID (\d+)")

# One poll per channel at a time in this process; another process polling the same mailbox
# is harmless (dedupe), only wasted work.
_locks: dict[int, threading.Lock] = {}
_locks_guard = threading.Lock()


@dataclass
class PollReport:
    """What one poll of one mailbox did, for logs and tests."""

    channel_id: int
    outcomes: Counter[str] = field(default_factory=Counter)
    error: str = ""
    skipped: bool = False
    seconds: float = 0.0

    @property
    def fetched(self) -> int:
        return sum(self.outcomes.values())


def connect(imap: ImapConfig) -> BaseMailBox:
    """A logged-in mailbox with the channel's folder selected."""
    mailbox: BaseMailBox
    if imap.ssl:
        mailbox = MailBox(imap.host, imap.port, timeout=IMAP_TIMEOUT)
    elif imap.starttls:
        mailbox = MailBoxStartTls(imap.host, imap.port, timeout=IMAP_TIMEOUT)
    else:
        mailbox = MailBoxUnencrypted(imap.host, imap.port, timeout=IMAP_TIMEOUT)
    return mailbox.login(imap.user, imap.password, initial_folder=imap.folder)


def _pending_uids(mailbox: BaseMailBox, imap: ImapConfig) -> list[str]:
    criteria = AND(deleted=False) if imap.processed_folder else AND(seen=False, deleted=False)
    uids = mailbox.uids(criteria)
    return sorted(uids, key=int)[:MAX_PER_POLL]


def _sizes(mailbox: BaseMailBox, uids: list[str]) -> dict[str, int]:
    if not uids:
        return {}
    _, data = mailbox.client.uid("fetch", ",".join(uids), "(RFC822.SIZE)")
    sizes = {}
    for item in data:
        line = item[0] if isinstance(item, tuple) else item
        match = _SIZE.search(line or b"")
        if match:
            uid, size = (match.group(1), match.group(2)) if match.group(1) else match.group(4, 3)
            sizes[uid.decode()] = int(size)
    return sizes


def _fetch(mailbox: BaseMailBox, uid: str, part: str = "BODY.PEEK[]") -> bytes | None:
    status, data = mailbox.client.uid("fetch", uid, f"({part})")
    if status != "OK":
        return None
    for item in data:
        if isinstance(item, tuple) and len(item) == 2:
            return bytes(item[1])
    return None


def _mark_processed(mailbox: BaseMailBox, uid: str, imap: ImapConfig) -> None:
    mailbox.flag(uid, MailMessageFlags.SEEN, True)
    if imap.processed_folder:
        mailbox.move(uid, imap.processed_folder)


def _ensure_folder(mailbox: BaseMailBox, name: str) -> None:
    if name and not mailbox.folder.exists(name):
        mailbox.folder.create(name)


def _channel_lock(channel_id: int) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(channel_id, threading.Lock())


def poll_channel(channel: Channel) -> PollReport:
    """Fetch and take every pending message of one channel's mailbox.

    Must run outside a transaction: each message's ingest commits before it is marked.
    A connection error ends this poll (the next one resumes); it never raises.
    """
    report = PollReport(channel_id=channel.pk)
    lock = _channel_lock(channel.pk)
    if not lock.acquire(blocking=False):
        report.skipped = True
        return report
    started = time.monotonic()
    try:
        imap = read_config(channel).imap
        if imap is None:
            report.skipped = True
            return report
        with connect(imap) as mailbox:
            _ensure_folder(mailbox, imap.processed_folder)
            mailbox.folder.set(imap.folder)
            uids = _pending_uids(mailbox, imap)
            sizes = _sizes(mailbox, uids)
            for uid in uids:
                status = _take(mailbox, channel, uid, sizes.get(uid))
                if status is None:
                    continue
                _mark_processed(mailbox, uid, imap)
                report.outcomes[status] += 1
    except SportelloError as exc:
        report.error = exc.message
        log.warning("IMAP poll of channel %s: %s", channel.pk, exc.message)
    except Exception as exc:
        report.error = f"{type(exc).__name__}: {exc}"
        log.warning("IMAP poll of channel %s failed: %s", channel.pk, report.error)
    finally:
        report.seconds = time.monotonic() - started
        lock.release()
    return report


def _take(mailbox: BaseMailBox, channel: Channel, uid: str, size: int | None) -> str | None:
    """Store one message; its outcome, or ``None`` when it vanished from the server."""
    if size is not None and size > settings.MAX_EMAIL_BYTES * DOWNLOAD_LIMIT_FACTOR:
        headers = _fetch(mailbox, uid, "BODY.PEEK[HEADER]") or b""
        rejections.record_refusal(
            source="imap",
            reason=f"message of {size} bytes is too large; it was left on the server",
            workspace_id=channel.workspace_id,
            channel_id=channel.pk,
            raw=headers,
        )
        return "too_large"
    raw = _fetch(mailbox, uid)
    if raw is None:
        return None
    return receive_email(channel, raw, source="imap").status


def polled_channels() -> list[Channel]:
    channels = Channel.objects.filter(kind="email", is_active=True).order_by("pk")
    return [c for c in channels if isinstance(c.config, dict) and c.config.get("imap")]


def poll_all() -> list[PollReport]:
    """Poll every active email channel that has a mailbox, one after the other."""
    reports = []
    for channel in polled_channels():
        reports.append(poll_channel(channel))
    return reports
