"""The polling job, apart from ``jobs.py``: polling takes updates, which queue
``jobs.fetch_media``, and a job module that imported its own callers would be a cycle."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="*"))
def poll_updates() -> None:
    """Fetch the updates of every channel in polling mode, every minute."""
    # Imported here so that registering the job (at startup) loads no HTTP code.
    from sportello.providers.telegram.polling import poll_all

    poll_all()
