"""What ``sportello run`` starts for email beside the web server (``Provider.services``)."""

from __future__ import annotations

from django.conf import settings

from sportello.providers.email.idle import Watchers, start_idle_watchers
from sportello.providers.email.lmtp import LmtpReceiver, start_lmtp_server


def start_idle(*, worker: bool) -> Watchers | None:
    """IMAP IDLE watchers, so new mail arrives in a second: in a process that runs jobs,
    unless ``SPORTELLO_IMAP_IDLE`` is off (the minute's poll still fetches it)."""
    if not (settings.IMAP_IDLE and worker):
        return None
    return start_idle_watchers()


def start_lmtp(*, worker: bool) -> LmtpReceiver | None:
    """The LMTP receiver the mail server delivers to, when ``SPORTELLO_LMTP_PORT`` is set."""
    if not settings.LMTP_PORT:
        return None
    return start_lmtp_server(settings.LMTP_HOST, settings.LMTP_PORT)
