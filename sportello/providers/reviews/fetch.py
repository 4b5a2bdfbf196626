"""Reading a feed over HTTP: conditional (ETag, Last-Modified), bounded in time and size.

A 304 means nothing new; a body larger than ``MAX_BYTES`` is refused as it streams in
(the rest is never read), so a huge or endless feed costs at most that much memory.
Redirects are not followed: the admin sees where the feed moved and saves that address.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from sportello.providers.common import http
from sportello.providers.reviews.reasons import reason

MAX_BYTES = 5 * 1024 * 1024
TIMEOUT = httpx.Timeout(15.0, connect=5.0)


class FeedUnreadable(Exception):
    """The feed could not be fetched; ``reason`` says why, for the settings page (the
    message is its English, for the log)."""

    def __init__(self, code: str, **params: object) -> None:
        self.reason = reason(code, **params)
        super().__init__(self.reason.english())


@dataclass(frozen=True)
class Fetched:
    body: bytes | None  # None: not modified since the last read
    etag: str = ""
    last_modified: str = ""


def fetch_feed(url: str, *, etag: str = "", last_modified: str = "") -> Fetched:
    headers = {
        "Accept": "application/rss+xml, application/atom+xml, application/feed+json, "
        "application/json, application/xml;q=0.9, */*;q=0.5",
        "User-Agent": "Sportello reviews reader",
    }
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        with http.client().stream("GET", url, headers=headers, timeout=TIMEOUT) as response:
            if response.status_code == 304:
                return Fetched(None, etag, last_modified)
            if not response.is_success:
                raise FeedUnreadable("http_status", status=response.status_code)
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > MAX_BYTES:
                raise FeedUnreadable("feed_too_large", megabytes=MAX_BYTES // (1024 * 1024))
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > MAX_BYTES:
                    raise FeedUnreadable("feed_too_large", megabytes=MAX_BYTES // (1024 * 1024))
                chunks.append(chunk)
            return Fetched(
                b"".join(chunks),
                response.headers.get("etag", "")[:300],
                response.headers.get("last-modified", "")[:100],
            )
    except httpx.HTTPError as exc:
        detail = f"{type(exc).__name__}: {exc}"[:200]
        raise FeedUnreadable("fetch_failed", detail=detail) from exc
