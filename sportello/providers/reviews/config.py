"""A reviews channel's settings, checked when the channel is saved.

- ``feeds``: the addresses of RSS 2.0, Atom or JSON feeds of reviews and mentions (one a
  line in the settings page, a list in the API), polled every ``poll_minutes`` (5-1440,
  default 60) by a job; any http(s) address, so tests point it at a local server.
- ``secret`` signs what a service pushes to ``/hooks/reviews/<webhook_key>/``
  (``providers/common/signed.py``; made here when left empty).
- ``reply_url``: where an agent's reply is posted (the generic "reply webhook", signed
  with ``reply_secret``, else with ``secret``), for the sources named in
  ``reply_sources`` (all when empty). A review from another source is answered by hand on
  the site itself: the conversation links to it.
``secret``, ``webhook_key`` and ``reply_secret`` are write-only.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.utils.translation import gettext_lazy as _

from sportello.channels.registry import ConfigField
from sportello.core.errors import InvalidInput

SOURCE = "reviews"
SECRET_KEYS = frozenset({"secret", "webhook_key", "reply_secret"})
DEFAULT_POLL_MINUTES = 60
MAX_FEEDS = 20
_KEYS = (
    "feeds",
    "poll_minutes",
    "secret",
    "webhook_key",
    "reply_url",
    "reply_secret",
    "reply_sources",
)
_WEBHOOK_KEY = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
_SOURCE_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,39}$")


@dataclass(frozen=True)
class ReviewsConfig:
    feeds: tuple[str, ...]
    poll_minutes: int
    secret: str
    webhook_key: str
    reply_url: str
    reply_secret: str
    reply_sources: tuple[str, ...]


def is_webhook_key(value: object) -> bool:
    return isinstance(value, str) and bool(_WEBHOOK_KEY.match(value))


def source_name(value: object) -> str:
    """A source as stored: lower case, "google", "tripadvisor.it" ("" when unreadable)."""
    text = str(value or "").strip().lower().removeprefix("www.")
    return text if _SOURCE_NAME.match(text) else ""


def _url(value: Any, where: str) -> str:
    if not isinstance(value, str) or len(value) > 500:
        raise InvalidInput(f"{where}: an http(s) address of at most 500 characters")
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(f"{where}: {value.strip()!r} is not an http(s) address")
    return value.strip()


def _list(value: Any) -> list[Any]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        return [line for line in re.split(r"[\s,]+", value) if line]
    if isinstance(value, (list, tuple)):
        return list(value)
    raise InvalidInput("config.feeds: a list of addresses")


def validate_config(config: Any) -> dict[str, Any]:
    """What a reviews channel stores (see the module's docstring)."""
    if not isinstance(config, dict):
        raise InvalidInput("config must be an object")
    unknown = sorted(set(config) - set(_KEYS))
    if unknown:
        raise InvalidInput(f"config: unknown key {unknown[0]!r}; use {', '.join(_KEYS)}")
    feeds = list(
        dict.fromkeys(
            _url(f, f"config.feeds[{i}]") for i, f in enumerate(_list(config.get("feeds")))
        )
    )
    if len(feeds) > MAX_FEEDS:
        raise InvalidInput(f"config.feeds: at most {MAX_FEEDS} feeds")
    minutes = config.get("poll_minutes", DEFAULT_POLL_MINUTES)
    if minutes in (None, ""):
        minutes = DEFAULT_POLL_MINUTES
    if isinstance(minutes, str) and minutes.strip().isdigit():
        minutes = int(minutes)
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 5 <= minutes <= 1440:
        raise InvalidInput("config.poll_minutes: whole minutes from 5 to 1440")
    secret = config.get("secret") or secrets.token_urlsafe(32)
    if not isinstance(secret, str) or not 16 <= len(secret) <= 256:
        raise InvalidInput("config.secret: 16-256 characters")
    key = config.get("webhook_key") or secrets.token_urlsafe(24)
    if not is_webhook_key(key):
        raise InvalidInput("config.webhook_key: 20-64 letters, digits, '-' or '_'")
    reply_url = config.get("reply_url") or ""
    if reply_url:
        reply_url = _url(reply_url, "config.reply_url")
    reply_secret = config.get("reply_secret") or ""
    if reply_secret and (not isinstance(reply_secret, str) or not 16 <= len(reply_secret) <= 256):
        raise InvalidInput("config.reply_secret: 16-256 characters")
    sources = []
    for raw in _list(config.get("reply_sources")):
        name = source_name(raw)
        if not name:
            raise InvalidInput(f"config.reply_sources: {raw!r} is not a source name such as google")
        sources.append(name)
    return {
        "feeds": feeds,
        "poll_minutes": minutes,
        "secret": secret,
        "webhook_key": key,
        "reply_url": reply_url,
        "reply_secret": reply_secret,
        "reply_sources": list(dict.fromkeys(sources)),
    }


def read_config(config: dict[str, Any]) -> ReviewsConfig:
    """A stored config as settings (``InvalidInput`` if it was stored before the rules)."""
    checked = validate_config(config)
    return ReviewsConfig(
        feeds=tuple(checked["feeds"]),
        poll_minutes=checked["poll_minutes"],
        secret=checked["secret"],
        webhook_key=checked["webhook_key"],
        reply_url=checked["reply_url"],
        reply_secret=checked["reply_secret"],
        reply_sources=tuple(checked["reply_sources"]),
    )


def webhook_path(config: dict[str, Any]) -> str | None:
    key = config.get("webhook_key") if isinstance(config, dict) else None
    return f"/hooks/reviews/{key}/" if is_webhook_key(key) else None


# The settings page's form (``channels.registry.ConfigField``).
CONFIG_FIELDS: tuple[ConfigField, ...] = (
    ConfigField(
        "feeds",
        _("Feed addresses"),
        help=_("RSS, Atom or JSON feeds of reviews and mentions, separated by spaces."),
        group=_("Feeds"),
    ),
    ConfigField(
        "poll_minutes",
        _("Read the feeds every (minutes)"),
        "number",
        initial=DEFAULT_POLL_MINUTES,
        group=_("Feeds"),
    ),
    ConfigField(
        "reply_url",
        _("Reply webhook"),
        "url",
        help=_("Where replies are posted. Leave empty to answer on each site by hand."),
        group=_("Replies"),
    ),
    ConfigField(
        "reply_sources",
        _("Sources answered through the webhook"),
        help=_("Such as google, tripadvisor.it; leave empty for all."),
        group=_("Replies"),
    ),
    ConfigField("reply_secret", _("Reply webhook secret"), "secret", group=_("Replies")),
)
