"""The read side of the reviews channel: where each of a channel's feeds, and its Google
Business Profile location, stands."""

from __future__ import annotations

from sportello.providers.reviews.models import FeedState, GoogleLocationState


def feed_states(channel_id: int) -> list[FeedState]:
    """The channel's feeds as last read (the settings page's list), by address."""
    return list(FeedState.objects.filter(channel_id=channel_id).order_by("url"))


def google_state(channel_id: int) -> GoogleLocationState | None:
    """The channel's Google location as last read (the settings page), None before."""
    return GoogleLocationState.objects.filter(channel_id=channel_id).first()
