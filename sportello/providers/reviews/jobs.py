"""The reviews channel's jobs: every minute, each channel with a feed due is read in a
job of its own (a slow site holds up only its channel)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


@db_task()
def poll_channel_feeds(channel_id: int) -> None:
    from sportello.providers.reviews.polling import poll_channel

    poll_channel(channel_id, only_due=True)


@db_periodic_task(crontab(minute="*"))
def poll_due_feeds() -> None:
    from sportello.providers.reviews.polling import due_channel_ids

    for channel_id in due_channel_ids():
        poll_channel_feeds(channel_id)
