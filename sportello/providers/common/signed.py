"""Sportello's own webhook signature, for the generic providers (phone calls, SMS gateway).

A sender signs ``<timestamp>.<raw body>`` with HMAC-SHA256 under the channel's secret and
sends ``X-Sportello-Timestamp: <unix seconds>`` and ``X-Sportello-Signature:
sha256=<hex>``. Signing the timestamp with the body means an old request cannot be sent
again with a fresh time; a request whose time is more than ``TOLERANCE`` away from ours
is refused as a replay (or a wrong clock), and within that window each provider's own
idempotency (a call's (id, event), a message's id) makes a replay harmless.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from django.http import HttpRequest

TIMESTAMP_HEADER = "HTTP_X_SPORTELLO_TIMESTAMP"
SIGNATURE_HEADER = "HTTP_X_SPORTELLO_SIGNATURE"
TOLERANCE = 300  # seconds
_PREFIX = "sha256="


def sign(raw: bytes, secret: str, timestamp: int | str) -> str:
    """The ``X-Sportello-Signature`` value of ``raw`` sent at ``timestamp``."""
    message = str(timestamp).encode() + b"." + raw
    return _PREFIX + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_headers(raw: bytes, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """The two headers (as Django's test client takes them), for tests and integrators."""
    ts = int(time.time()) if timestamp is None else timestamp
    return {TIMESTAMP_HEADER: str(ts), SIGNATURE_HEADER: sign(raw, secret, ts)}


def refusal(
    raw: bytes, secret: str, timestamp: str | None, signature: str | None, *, now: float
) -> str | None:
    """Why a request is not the sender's, or None when its signature and time hold."""
    if not secret:
        return "the channel has no secret"
    if not timestamp or not signature:
        return "the X-Sportello-Timestamp or X-Sportello-Signature header is missing"
    if not timestamp.strip().isdigit():
        return "X-Sportello-Timestamp is not a Unix time in seconds"
    expected = sign(raw, secret, timestamp.strip())
    if not hmac.compare_digest(expected.encode(), signature.strip().encode()):
        return "the X-Sportello-Signature does not match the body"
    if abs(now - int(timestamp.strip())) > TOLERANCE:
        return f"the request is more than {TOLERANCE} seconds old (a replay?) or from the future"
    return None


def request_refusal(request: HttpRequest, secret: str) -> str | None:
    """``refusal`` for a Django request: its raw body and the two headers, checked now."""
    return refusal(
        request.body,
        secret,
        request.META.get(TIMESTAMP_HEADER),
        request.META.get(SIGNATURE_HEADER),
        now=time.time(),
    )
