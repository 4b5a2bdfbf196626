"""The read side of the reviews channel: where each of a channel's feeds stands."""

from __future__ import annotations

from sportello.providers.reviews.models import FeedState


def feed_states(channel_id: int) -> list[FeedState]:
    """The channel's feeds as last read (the settings page's list), by address."""
    return list(FeedState.objects.filter(channel_id=channel_id).order_by("url"))
