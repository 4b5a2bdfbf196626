"""IMAP IDLE: mail that arrives is fetched within a second, not at the next minute's poll.

``sportello run`` starts one watcher thread per active email channel with a mailbox whose
server offers IDLE; the periodic ``poll_mailboxes`` job still runs, so a mailbox without
IDLE, a watcher that lost its connection or a channel added since start-up is never more
than a minute behind. A watcher only wakes the same ``poll_channel`` the job runs (with its
per-channel lock), so a message is still stored before it is marked, and stored once.
"""

from __future__ import annotations

import logging
import threading

from django.db import connections

from sportello.channels.models import Channel
from sportello.providers.email.config import read_config
from sportello.providers.email.imap import connect, poll_channel, polled_channels

log = logging.getLogger(__name__)

# IDLE is re-issued every few seconds: well inside the 29 minutes of RFC 2177, and stop()
# is honoured promptly.
WAIT_SECONDS = 5.0
RETRY_SECONDS = 60
REFRESH_SECONDS = 300


class MailboxWatcher(threading.Thread):
    """Waits in IDLE on one channel's folder and polls the channel when the server says
    something changed. Reconnects after errors; ends when the server lacks IDLE."""

    def __init__(self, channel_id: int, stop: threading.Event) -> None:
        super().__init__(name=f"imap-idle-{channel_id}", daemon=True)
        self.channel_id = channel_id
        self.stopping = stop
        self.polls = 0

    def _channel(self) -> Channel | None:
        try:
            return Channel.objects.filter(pk=self.channel_id, is_active=True).first()
        finally:
            connections.close_all()

    def _poll(self, channel: Channel) -> None:
        try:
            poll_channel(channel)
            self.polls += 1
        finally:
            connections.close_all()

    def run(self) -> None:
        while not self.stopping.is_set():
            channel = self._channel()
            imap = read_config(channel).imap if channel is not None else None
            if channel is None or imap is None:
                return
            try:
                with connect(imap) as mailbox:
                    if "IDLE" not in mailbox.client.capabilities:
                        log.info("IMAP server of channel %s offers no IDLE", self.channel_id)
                        return
                    self._poll(channel)  # what arrived while nobody was waiting
                    while not self.stopping.is_set():
                        if mailbox.idle.wait(timeout=WAIT_SECONDS):
                            self._poll(channel)
            except Exception as exc:
                log.warning("IMAP IDLE on channel %s: %s", self.channel_id, exc)
                self.stopping.wait(RETRY_SECONDS)


class Watchers:
    """The watchers of every IDLE-capable mailbox, kept in step with the channels."""

    def __init__(self) -> None:
        self.stopping = threading.Event()
        self.threads: dict[int, MailboxWatcher] = {}
        self.supervisor = threading.Thread(target=self._supervise, name="imap-idle", daemon=True)

    def start(self) -> Watchers:
        self.supervisor.start()
        return self

    def _sync(self) -> None:
        try:
            wanted = {channel.pk for channel in polled_channels()}
        finally:
            connections.close_all()
        for channel_id in wanted:
            thread = self.threads.get(channel_id)
            if thread is None or not thread.is_alive():
                self.threads[channel_id] = MailboxWatcher(channel_id, self.stopping)
                self.threads[channel_id].start()

    def _supervise(self) -> None:
        while not self.stopping.is_set():
            try:
                self._sync()
            except Exception:
                log.exception("IMAP IDLE supervisor")
            self.stopping.wait(REFRESH_SECONDS)

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads.values():
            thread.join(timeout=10)


def start_idle_watchers() -> Watchers:
    return Watchers().start()
