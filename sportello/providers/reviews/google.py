"""Google Business Profile as a review site with an API: a location's reviews read by the
polling job, and an agent's reply posted on Google.

The API (v4, ``google_api_url``):

- ``GET {api}/accounts/{a}/locations/{l}/reviews?pageSize=50[&pageToken=...]`` answers
  ``{"reviews": [...], "averageRating", "totalReviewCount", "nextPageToken"}``, newest
  ``updateTime`` first. A review is ``{"name", "reviewId", "reviewer": {"displayName",
  "profilePhotoUrl", "isAnonymous"}, "starRating": "ONE".."FIVE" (or
  STAR_RATING_UNSPECIFIED), "comment", "createTime", "updateTime", "reviewReply"}``.
- ``PUT {api}/{review name}/reply`` with ``{"comment": "..."}`` (at most 4096 bytes)
  creates or replaces the business's reply and answers the ``ReviewReply``.

Every call carries the OAuth access token; Google answers 401 when it has expired, and
then it is renewed once (``POST google_token_url`` with ``grant_type=refresh_token``, the
refresh token and the OAuth client's id and secret: ``{"access_token", "expires_in"}``)
and the call made again. The renewed token is kept in ``GoogleLocationState``, used until
a minute before it expires. A 429 or a 5xx is tried again (``common.http``); the job's
next turn, or outbound's backoff for a reply, takes over after that.

Reading is idempotent like every source: each review is ingested once by ``google:{id}``.
A read pages until it reaches the newest ``updateTime`` the previous one saw (the first
read takes up to ``MAX_PAGES`` pages).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from sportello.channels.models import Channel
from sportello.core import clock
from sportello.outbound.errors import DeliveryError
from sportello.providers.common import http
from sportello.providers.reviews.config import GoogleLocation
from sportello.providers.reviews.models import GoogleLocationState
from sportello.providers.reviews.parse import MAX_TEXT, Parsed, Problem, Review
from sportello.providers.reviews.reasons import reason, reason_of

SOURCE = "google"
PAGE_SIZE = 50
MAX_PAGES = 20
MAX_REPLY_BYTES = 4096
STARS = {"ONE": 1, "TWO": 2, "THREE": 3, "FOUR": 4, "FIVE": 5}
# A token this close to its expiry is renewed before use rather than refused mid-read.
EXPIRY_MARGIN = timedelta(seconds=60)


def google_error_text(response: httpx.Response) -> str:
    """Google's own words for an error (``{"error": {"code", "message", "status"}}``)."""
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        error = None
    if isinstance(error, dict) and error.get("message"):
        return f"Google {response.status_code}: {str(error['message'])[:300]}"
    if isinstance(error, str):  # the token endpoint: {"error": "invalid_grant", ...}
        return f"Google {response.status_code}: {error[:100]}"
    return f"Google HTTP {response.status_code}"


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def read_review(entry: Any, location: GoogleLocation) -> Review:
    """One review of the list as a ``Review`` (``ValueError`` when it has no id)."""
    if not isinstance(entry, dict):
        raise ValueError("a review is not an object")
    review_id = str(entry.get("reviewId") or "").strip()
    if not review_id or len(review_id) > 300:
        raise ValueError("a review without its reviewId")
    given = entry.get("reviewer")
    reviewer: dict[str, Any] = given if isinstance(given, dict) else {}
    author = "" if reviewer.get("isAnonymous") else str(reviewer.get("displayName") or "")
    name = str(entry.get("name") or "") or f"{location.name}/reviews/{review_id}"
    return Review(
        external_id=review_id,
        source=SOURCE,
        text=str(entry.get("comment") or "")[:MAX_TEXT],
        rating=STARS.get(str(entry.get("starRating") or "")),
        author=author[:200],
        published_at=_time(entry.get("createTime")) or _time(entry.get("updateTime")),
        resource=name[:500],
    )


class GoogleAccount:
    """Calls to the API for one channel's location, with its access token renewed when
    Google refuses it."""

    def __init__(self, channel: Channel, location: GoogleLocation) -> None:
        self.channel = channel
        self.location = location
        self.state, _created = GoogleLocationState.objects.get_or_create(
            channel=channel,
            defaults={"workspace_id": channel.workspace_id, "location": location.name},
        )
        if self.state.location != location.name:
            # The admin named another location: nothing of the old one's reads applies.
            self.state.location = location.name
            self.state.newest_update = ""
            self.state.imported = 0
            self.state.save(update_fields=["location", "newest_update", "imported", "updated_at"])

    def _token(self) -> str:
        state = self.state
        if state.access_token and (
            state.token_expires_at is None or state.token_expires_at - EXPIRY_MARGIN > clock.now()
        ):
            return state.access_token
        if state.access_token and self.location.can_refresh:
            return self.renew()
        return self.location.access_token or self.renew()

    def renew(self) -> str:
        """A new access token from the refresh token, kept for the next calls."""
        if not self.location.can_refresh:
            raise http.ProviderRefused(
                "Google refused the access token and there is no refresh token to renew it: "
                "add the refresh token, the OAuth client id and secret to the channel",
                status=401,
                permanent=True,
            )
        response = http.call(
            "POST",
            self.location.token_url,
            data={
                "grant_type": "refresh_token",
                "refresh_token": self.location.refresh_token,
                "client_id": self.location.client_id,
                "client_secret": self.location.client_secret,
            },
            error_text=google_error_text,
        )
        try:
            answer = response.json()
            token = str(answer["access_token"])
        except (ValueError, KeyError, TypeError) as exc:
            raise http.ProviderRefused("Google's token answer has no access_token") from exc
        seconds = answer.get("expires_in")
        expires = (
            clock.now() + timedelta(seconds=int(seconds))
            if isinstance(seconds, int) and not isinstance(seconds, bool)
            else None
        )
        self.state.access_token = token
        self.state.token_expires_at = expires
        self.state.save(update_fields=["access_token", "token_expires_at", "updated_at"])
        return token

    def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        before_send: Callable[[], None] | None = None,
    ) -> httpx.Response:
        url = f"{self.location.api_url}/{path}"
        try:
            return http.call(
                method,
                url,
                token=self._token(),
                json=json,
                error_text=google_error_text,
                before_send=before_send,
            )
        except http.ProviderRefused as exc:
            if exc.status != 401:
                raise
        return http.call(method, url, token=self.renew(), json=json, error_text=google_error_text)


@dataclass
class GoogleRead:
    parsed: Parsed
    newest_update: str
    pages: int


def list_reviews(account: GoogleAccount) -> GoogleRead:
    """The location's reviews changed since the last read (every page of them)."""
    parsed = Parsed()
    seen_until = account.state.newest_update
    newest = seen_until
    token = ""
    pages = 0
    for pages in range(1, MAX_PAGES + 1):
        query = {"pageSize": str(PAGE_SIZE)}
        if token:
            query["pageToken"] = token
        response = account.call("GET", f"{account.location.name}/reviews?{urlencode(query)}")
        try:
            payload = response.json()
        except ValueError:
            raise http.ProviderRefused("Google's answer is not JSON") from None
        entries = payload.get("reviews") if isinstance(payload, dict) else None
        if entries is None:
            entries = []  # a location without reviews answers {}
        if not isinstance(entries, list):
            raise http.ProviderRefused("Google's answer has no list of reviews")
        reached = False
        for number, entry in enumerate(entries, start=1):
            updated = str(entry.get("updateTime") or "") if isinstance(entry, dict) else ""
            if seen_until and updated and updated <= seen_until:
                reached = True
                continue
            try:
                parsed.reviews.append(read_review(entry, account.location))
            except ValueError as exc:
                parsed.problems.append(
                    Problem(reason("google_review", page=pages, number=number), reason_of(exc))
                )
                continue
            newest = max(newest, updated)
        token = str(payload.get("nextPageToken") or "")
        if reached or not token:
            break
    return GoogleRead(parsed=parsed, newest_update=newest, pages=pages)


def post_reply(
    account: GoogleAccount, resource: str, text: str, before_send: Callable[[], None]
) -> str:
    """Put ``text`` as the business's reply to the review ``resource``; the reply's id
    for the delivery (``google:`` and the review's name)."""
    if len(text.encode()) > MAX_REPLY_BYTES:
        raise DeliveryError(
            f"Google takes a reply of at most {MAX_REPLY_BYTES} bytes; this one is "
            f"{len(text.encode())}",
            permanent=True,
        )
    if not resource.startswith(account.location.name + "/reviews/"):
        raise DeliveryError("the review is not of this channel's Google location", permanent=True)
    account.call(
        "PUT", quote(resource, safe="/") + "/reply", json={"comment": text}, before_send=before_send
    )
    return f"google:{resource.rpartition('/')[2]}"[:200]
