"""Messenger's and Instagram's background jobs (both providers list this module)."""

from __future__ import annotations

from huey.contrib.djhuey import db_task


# Meta's CDN answering 5xx, or a lost connection: tried again a minute later, 3 times.
@db_task(retries=3, retry_delay=60)
def fetch_page_attachments(message_id: int) -> None:
    """Download the files a customer sent (by URL) into the message's attachments."""
    from sportello.providers.common.meta_files import download_attachments

    download_attachments(message_id)
