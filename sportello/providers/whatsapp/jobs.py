"""WhatsApp's background jobs."""

from __future__ import annotations

from huey.contrib.djhuey import db_task


# A 5xx or a lost connection to Meta is tried again: a minute later, three times.
@db_task(retries=3, retry_delay=60)
def fetch_media(message_id: int, channel_id: int) -> None:
    """Download the media of a received message into its attachments."""
    # Imported here: the job module is imported at start-up, httpx only when media comes.
    from sportello.providers.whatsapp.media import download_media

    download_media(message_id, channel_id)
