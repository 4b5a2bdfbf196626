"""Background jobs of the email channel."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="*"))
def poll_mailboxes() -> None:
    """Fetch new mail from every IMAP mailbox, every minute."""
    # Imported here so that registering the job (at startup) loads no mail code.
    from sportello.providers.email.imap import poll_all

    poll_all()
