"""Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP), with the standard library.

Six digits, HMAC-SHA1, 30-second steps: what every authenticator app (Google Authenticator,
Aegis, 1Password, FreeOTP) reads from an ``otpauth://`` QR code. A code is accepted for the
step it was made in and one step either side (a phone's clock a little off, a code typed
as it changed); :func:`matching_step` returns the step that matched so that the caller can
refuse it a second time (``TwoFactor.last_step``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from datetime import datetime
from urllib.parse import quote, urlencode

STEP_SECONDS = 30
DIGITS = 6
WINDOW = 1  # steps accepted either side of now


def new_secret() -> str:
    """160 random bits (RFC 4226's recommended length) in base32, without padding."""
    return base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")


def step_at(moment: datetime) -> int:
    return int(moment.timestamp()) // STEP_SECONDS


def code_at(secret: str, step: int) -> str:
    key = base64.b32decode(secret + "=" * (-len(secret) % 8), casefold=True)
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**DIGITS).zfill(DIGITS)


def clean_code(code: str) -> str:
    """What a person typed, without the spaces and dashes apps show in the middle."""
    return "".join(ch for ch in code if ch not in " -\t")


def matching_step(
    secret: str, code: str, moment: datetime, *, after: int | None = None
) -> int | None:
    """The step whose code ``code`` is, within the window around ``moment`` and later than
    ``after`` (the last step used), or None. Compared in constant time."""
    code = clean_code(code)
    if len(code) != DIGITS or not code.isascii() or not code.isdigit():
        return None
    now = step_at(moment)
    for step in range(now - WINDOW, now + WINDOW + 1):
        if after is not None and step <= after:
            continue
        if hmac.compare_digest(code_at(secret, step), code):
            return step
    return None


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads from the QR code."""
    label = quote(f"{issuer}:{account}", safe="@:")
    query = urlencode(
        {"secret": secret, "issuer": issuer, "digits": DIGITS, "period": STEP_SECONDS}
    )
    return f"otpauth://totp/{label}?{query}"
