"""Reading a channel's feeds and its Google Business Profile location when they are due,
and noting where each one stands.

A feed that cannot be fetched or read is recorded (``RejectedInbound`` and the feed's
``last_error``) and tried again at its next turn; the channel's other feeds go on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sportello.channels.models import Channel
from sportello.core import clock
from sportello.core.errors import SportelloError
from sportello.outbound.errors import DeliveryError
from sportello.providers.common.webhooks import ignore
from sportello.providers.reviews.config import SOURCE, GoogleLocation, read_config
from sportello.providers.reviews.fetch import FeedUnreadable, fetch_feed
from sportello.providers.reviews.importing import import_reviews
from sportello.providers.reviews.models import FeedState, GoogleLocationState
from sportello.providers.reviews.parse import NotAFeed, parse_feed
from sportello.providers.reviews.reasons import reason

log = logging.getLogger(__name__)


@dataclass
class Polled:
    feeds: int = 0
    not_modified: int = 0
    imported: int = 0
    duplicates: int = 0
    errors: list[str] = field(default_factory=list)


def _state(channel: Channel, url: str) -> FeedState:
    state, _created = FeedState.objects.get_or_create(
        channel=channel, url=url, defaults={"workspace_id": channel.workspace_id}
    )
    return state


def poll_feed(channel: Channel, url: str, done: Polled) -> None:
    state = _state(channel, url)
    now = clock.now()
    done.feeds += 1
    error = ""
    try:
        fetched = fetch_feed(url, etag=state.etag, last_modified=state.last_modified)
        if fetched.body is None:
            done.not_modified += 1
        else:
            result = import_reviews(channel, parse_feed(fetched.body), origin=url)
            done.imported += result.taken
            done.duplicates += result.duplicates
            state.etag, state.last_modified = fetched.etag, fetched.last_modified
            state.imported += result.taken
    except (FeedUnreadable, NotAFeed) as exc:
        # Stored as the reason's code and parameters: the settings page words it in the
        # language of whoever reads it (``reasons.stored_text``).
        error = exc.reason.as_stored()
        done.errors.append(f"{url}: {exc}")
        ignore(
            source=SOURCE,
            reason=f"{url}: {exc}"[:1000],
            workspace_id=channel.workspace_id,
            channel_id=channel.pk,
        )
    state.polled_at = now
    state.last_error = error if len(error) <= 500 else reason("feed_failed").as_stored()
    state.save(
        update_fields=["etag", "last_modified", "polled_at", "last_error", "imported", "updated_at"]
    )


def poll_google(channel: Channel, location: GoogleLocation, done: Polled) -> None:
    """Read the channel's Google Business Profile location: what changed since the last
    read, each review into the pipeline once. A refusal (a revoked token, Google down
    after the retries) is recorded and shown on the settings page; the next turn tries
    again."""
    from sportello.providers.reviews.google import GoogleAccount, list_reviews

    account = GoogleAccount(channel, location)
    state = account.state
    error = ""
    try:
        read = list_reviews(account)
    except DeliveryError as exc:
        error = exc.message
        done.errors.append(f"Google {location.name}: {error}")
        ignore(
            source=SOURCE,
            reason=f"Google {location.name}: {error}"[:1000],
            workspace_id=channel.workspace_id,
            channel_id=channel.pk,
        )
    else:
        result = import_reviews(channel, read.parsed, origin=f"Google {location.name}")
        done.imported += result.taken
        done.duplicates += result.duplicates
        state.imported += result.taken
        state.newest_update = read.newest_update[:40]
    state.refresh_from_db(fields=["access_token", "token_expires_at"])
    state.location = location.name
    state.polled_at = clock.now()
    # Stored as a reason, worded for whoever reads the settings page (``stored_text``).
    state.last_error = reason("google_failed", detail=error[:300]).as_stored() if error else ""
    state.save(
        update_fields=[
            "location",
            "polled_at",
            "last_error",
            "imported",
            "newest_update",
            "updated_at",
        ]
    )


def _google_due(channel_id: int, minutes: int, now: datetime) -> bool:
    polled = (
        GoogleLocationState.objects.filter(channel_id=channel_id)
        .values_list("polled_at", flat=True)
        .first()
    )
    return polled is None or polled + timedelta(minutes=minutes) <= now


def poll_channel(channel_id: int, *, only_due: bool = False) -> Polled:
    """Read the channel's feeds and its Google location (those due, with ``only_due``)."""
    done = Polled()
    channel = Channel.objects.filter(pk=channel_id, kind="reviews", is_active=True).first()
    if channel is None:
        return done
    try:
        config = read_config(channel.config)
    except SportelloError as exc:
        done.errors.append(exc.message)
        return done
    states = {s.url: s for s in FeedState.objects.filter(channel_id=channel.pk)}
    every = timedelta(minutes=config.poll_minutes)
    now = clock.now()
    for url in config.feeds:
        state = states.get(url)
        if only_due and state is not None and state.polled_at and state.polled_at + every > now:
            continue
        try:
            poll_feed(channel, url, done)
        except Exception:  # one feed's failure must not stop the others
            log.exception("reading the feed %s of channel %s failed", url, channel.pk)
            done.errors.append(f"{url}: could not be read")
    if config.google is not None and (
        not only_due or _google_due(channel.pk, config.poll_minutes, now)
    ):
        try:
            poll_google(channel, config.google, done)
        except Exception:
            log.exception("reading Google's reviews of channel %s failed", channel.pk)
            done.errors.append("Google: could not be read")
    return done


def due_channel_ids() -> list[int]:
    """Active reviews channels with at least one feed that is due."""
    now = clock.now()
    due = []
    channels = Channel.objects.filter(kind="reviews", is_active=True).only("pk", "config")
    for channel in channels:
        config = channel.config if isinstance(channel.config, dict) else {}
        given = config.get("poll_minutes")
        minutes = given if isinstance(given, int) else 60
        every = timedelta(minutes=minutes)
        if config.get("google_account_id") and _google_due(channel.pk, minutes, now):
            due.append(channel.pk)
            continue
        feeds = config.get("feeds")
        if not feeds or not isinstance(feeds, list):
            continue
        polled = {
            s.url: s.polled_at
            for s in FeedState.objects.filter(channel_id=channel.pk).only("url", "polled_at")
        }
        for url in feeds:
            when = polled.get(url)
            if when is None or when + every <= now:
                due.append(channel.pk)
                break
    return due
