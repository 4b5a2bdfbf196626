"""Calling a provider's HTTP API (httpx), with the retries every provider needs.

A 429 or a 5xx is tried again within the same attempt, after the wait the provider asks
for (``Retry-After``, in seconds or as a date) or a short backoff, up to ``attempts``
times; a wait longer than ``MAX_WAIT`` is not slept through here (a worker thread would be
held for it) but raised, not permanent, so that outbound's own backoff (minutes) takes
over. A connection that could not be opened is tried again too: nothing was sent. Any
other 4xx is permanent (the request itself is wrong: a bad token, a number not on
WhatsApp) and carries the provider's own message, which the agent sees.

A read timeout is not retried here: the provider may have taken the request, and the
delivery's next attempt (at least once, as for email) is outbound's decision.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from sportello.core import clock
from sportello.outbound.errors import DeliveryError

TIMEOUT = httpx.Timeout(20.0, connect=5.0)
# The longest Retry-After slept through inside one attempt.
MAX_WAIT = 10.0
# Waits after the 1st and 2nd failed try when the provider names none.
BACKOFF = (0.5, 2.0)
RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})

_client: httpx.Client | None = None
_client_lock = threading.Lock()


class ProviderRefused(DeliveryError):
    """The provider answered with an error (``status``), or could not be reached (0)."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 0,
        permanent: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, permanent=permanent)
        self.status = status
        self.retry_after = retry_after


def client() -> httpx.Client:
    """One connection pool per process: a provider's API is called again and again, and a
    kept-alive TLS connection saves a handshake each time. httpx's client is thread-safe."""
    global _client
    with _client_lock:
        if _client is None:
            _client = httpx.Client(timeout=TIMEOUT, follow_redirects=False)
        return _client


def retry_after(response: httpx.Response) -> float | None:
    """The seconds a ``Retry-After`` header asks to wait, or None."""
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - clock.now()).total_seconds())


def plain_error_text(response: httpx.Response) -> str:
    return f"HTTP {response.status_code}: {response.text[:300]}"


def call(
    method: str,
    url: str,
    *,
    token: str = "",
    json: Any = None,
    data: Mapping[str, str] | None = None,
    files: Mapping[str, tuple[str, bytes, str]] | None = None,
    attempts: int = 3,
    error_text: Callable[[httpx.Response], str] = plain_error_text,
    before_send: Callable[[], None] | None = None,
    wait_asked: Callable[[httpx.Response], float | None] | None = None,
) -> httpx.Response:
    """``method url`` with a bearer ``token``: the successful response, or
    :class:`ProviderRefused`. ``before_send`` runs right before the first request (a
    sender's ``outbound.actions.hand_over``). ``wait_asked`` reads the wait a provider asks
    for from its answer when it says so elsewhere than in ``Retry-After`` (Telegram's
    ``parameters.retry_after``)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    last: ProviderRefused | None = None
    for attempt in range(attempts):
        if attempt == 0 and before_send is not None:
            before_send()
        try:
            response = client().request(
                method, url, headers=headers, json=json, data=data, files=files
            )
        except httpx.ConnectError as exc:
            last = ProviderRefused(f"could not connect to {httpx.URL(url).host}: {exc}")
            wait: float | None = BACKOFF[min(attempt, len(BACKOFF) - 1)]
        except httpx.HTTPError as exc:
            raise ProviderRefused(f"{type(exc).__name__}: {exc}") from exc
        else:
            if response.is_success:
                return response
            status = response.status_code
            asked = (wait_asked or retry_after)(response)
            last = ProviderRefused(
                error_text(response),
                status=status,
                permanent=status not in RETRIED_STATUSES,
                retry_after=asked,
            )
            if last.permanent:
                raise last
            wait = asked if asked is not None else BACKOFF[min(attempt, len(BACKOFF) - 1)]
        if attempt + 1 >= attempts or wait is None or wait > MAX_WAIT:
            break
        time.sleep(wait)
    assert last is not None
    raise last
