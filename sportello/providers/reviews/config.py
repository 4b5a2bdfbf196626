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
- ``google_*``: a Google Business Profile location read and answered through Google's
  API (``providers/reviews/google.py``): ``google_account_id`` and ``google_location_id``
  (the digits of ``accounts/{a}/locations/{l}``), an OAuth ``google_access_token`` and,
  to renew it when it expires, ``google_refresh_token`` with the OAuth client's
  ``google_client_id`` and ``google_client_secret``; ``google_api_url`` and
  ``google_token_url`` default to Google's own addresses (tests point them at a fake).
``secret``, ``webhook_key``, ``reply_secret`` and the Google tokens and client secret are
write-only.
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
SECRET_KEYS = frozenset(
    {
        "secret",
        "webhook_key",
        "reply_secret",
        "google_access_token",
        "google_refresh_token",
        "google_client_secret",
    }
)
GOOGLE_API_URL = "https://mybusiness.googleapis.com/v4"
GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"
_GOOGLE_KEYS = (
    "google_account_id",
    "google_location_id",
    "google_access_token",
    "google_refresh_token",
    "google_client_id",
    "google_client_secret",
    "google_api_url",
    "google_token_url",
)
_GOOGLE_ID = re.compile(r"^\d{1,30}$")
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
    *_GOOGLE_KEYS,
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
    google: GoogleLocation | None = None


@dataclass(frozen=True)
class GoogleLocation:
    """A Google Business Profile location whose reviews the channel reads and answers."""

    account_id: str
    location_id: str
    access_token: str
    refresh_token: str
    client_id: str
    client_secret: str
    api_url: str
    token_url: str

    @property
    def name(self) -> str:
        """The location's resource name, the parent of its reviews."""
        return f"accounts/{self.account_id}/locations/{self.location_id}"

    @property
    def can_refresh(self) -> bool:
        return bool(self.refresh_token and self.client_id and self.client_secret)


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


def _token(config: dict[str, Any], key: str) -> str:
    value = config.get(key) or ""
    if not isinstance(value, str) or len(value) > 4096 or any(c <= " " for c in value):
        raise InvalidInput(f"config.{key}: a token of at most 4096 characters, without spaces")
    return value


def _google(config: dict[str, Any]) -> dict[str, Any]:
    """The Google Business Profile settings, all or none: an account without a location,
    or ids without a token, cannot read anything."""
    given = {key: config.get(key) for key in _GOOGLE_KEYS if config.get(key) not in (None, "")}
    if not given:
        return {}
    cleaned: dict[str, Any] = {}
    for key in ("google_account_id", "google_location_id"):
        value = str(given.get(key) or "").strip()
        if not _GOOGLE_ID.match(value):
            raise InvalidInput(
                f"config.{key}: the digits of accounts/{{account}}/locations/{{location}} in "
                "Google Business Profile (both ids are needed to read its reviews)"
            )
        cleaned[key] = value
    for key in ("google_access_token", "google_refresh_token", "google_client_secret"):
        cleaned[key] = _token(config, key)
    client_id = given.get("google_client_id") or ""
    if not isinstance(client_id, str) or len(client_id) > 300 or " " in client_id.strip():
        raise InvalidInput("config.google_client_id: the OAuth client's id, without spaces")
    cleaned["google_client_id"] = client_id.strip()
    if not cleaned["google_access_token"] and not cleaned["google_refresh_token"]:
        raise InvalidInput(
            "config.google_access_token: an OAuth access token (or a refresh token) for "
            "Google Business Profile is needed to read the location's reviews"
        )
    refresh = (
        cleaned["google_refresh_token"],
        cleaned["google_client_id"],
        cleaned["google_client_secret"],
    )
    if any(refresh) and not all(refresh):
        raise InvalidInput(
            "config.google_refresh_token: renewing the access token needs the refresh token, "
            "the OAuth client id and the client secret together"
        )
    for key, default in (
        ("google_api_url", GOOGLE_API_URL),
        ("google_token_url", GOOGLE_TOKEN_URL),
    ):
        address = given.get(key)
        cleaned[key] = _url(address, f"config.{key}").rstrip("/") if address else default
    return cleaned


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
        **_google(config),
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
        google=google_location(checked),
    )


def google_location(checked: dict[str, Any]) -> GoogleLocation | None:
    """The Google location of a validated config, or None when it names none."""
    if not checked.get("google_account_id"):
        return None
    return GoogleLocation(
        account_id=checked["google_account_id"],
        location_id=checked["google_location_id"],
        access_token=checked["google_access_token"],
        refresh_token=checked["google_refresh_token"],
        client_id=checked["google_client_id"],
        client_secret=checked["google_client_secret"],
        api_url=checked["google_api_url"],
        token_url=checked["google_token_url"],
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
    ConfigField(
        "google_account_id",
        _("Account ID"),
        help=_("The digits after accounts/ in Google Business Profile."),
        group=_("Google Business Profile"),
    ),
    ConfigField(
        "google_location_id",
        _("Location ID"),
        help=_("The digits after locations/: the shop whose reviews are read and answered."),
        group=_("Google Business Profile"),
    ),
    ConfigField(
        "google_access_token",
        _("OAuth access token"),
        "secret",
        help=_("With the business.manage scope. Renewed by itself with the refresh token."),
        group=_("Google Business Profile"),
    ),
    ConfigField(
        "google_refresh_token",
        _("OAuth refresh token"),
        "secret",
        group=_("Google Business Profile"),
    ),
    ConfigField("google_client_id", _("OAuth client ID"), group=_("Google Business Profile")),
    ConfigField(
        "google_client_secret",
        _("OAuth client secret"),
        "secret",
        group=_("Google Business Profile"),
    ),
    ConfigField(
        "google_api_url",
        _("API address"),
        "url",
        help=_("Leave empty for Google's."),
        group=_("Google Business Profile"),
    ),
)
