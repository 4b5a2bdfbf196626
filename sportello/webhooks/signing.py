"""The secret of a subscription and the ``Sportello-Signature`` header.

``Sportello-Signature: t=<unix seconds>,v1=<hex>``: the HMAC-SHA256, with the secret as
key, of ``<t>.<body>`` (the timestamp, a dot, the raw body bytes). Signing the timestamp
with the body lets a receiver refuse an old request replayed (docs/architecture/webhooks.md
shows the check). While a rotated secret is still honoured the header carries one ``v1``
per secret, the new one first.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``<timestamp>.<body>`` with ``secret``."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secrets_: list[str], timestamp: int, body: bytes) -> str:
    return ",".join(
        [f"t={timestamp}", *(f"v1={signature(s, timestamp, body)}" for s in secrets_ if s)]
    )


def hint(secret: str) -> str:
    """What may be shown of a secret after it was handed over: its last four characters."""
    return f"{SECRET_PREFIX}…{secret[-4:]}" if secret else ""
