"""Meta's webhook rules, shared by WhatsApp, Messenger and Instagram.

Meta signs every POST with ``X-Hub-Signature-256: sha256=<hex>``, the HMAC-SHA256 of the
raw body under the app secret; the body must be checked as received, before any JSON
parsing re-encodes it. Subscribing a callback URL is a GET with ``hub.mode=subscribe``,
``hub.verify_token`` (what the business typed in Meta's dashboard) and ``hub.challenge``,
which is echoed only when the token matches.
"""

from __future__ import annotations

import hashlib
import hmac

from django.http import HttpRequest, HttpResponse

SIGNATURE_HEADER = "HTTP_X_HUB_SIGNATURE_256"
_PREFIX = "sha256="


def sign(raw: bytes, app_secret: str) -> str:
    """The header value Meta sends with ``raw``: also what tests and benchmarks send."""
    digest = hmac.new(app_secret.encode(), raw, hashlib.sha256).hexdigest()
    return _PREFIX + digest


def signature_matches(raw: bytes, header: str | None, app_secret: str) -> bool:
    """Whether ``header`` is ``raw``'s signature under ``app_secret`` (a constant-time
    comparison, so the answer's timing tells a forger nothing)."""
    if not header or not app_secret or not header.startswith(_PREFIX):
        return False
    return hmac.compare_digest(sign(raw, app_secret).encode(), header.strip().encode())


def subscription_answer(request: HttpRequest, verify_token: str) -> HttpResponse:
    """Meta's subscription handshake: the challenge echoed as plain text when the mode is
    ``subscribe`` and the token matches, else 403 (Meta shows the dashboard user an error).
    """
    mode = request.GET.get("hub.mode", "")
    token = request.GET.get("hub.verify_token", "")
    challenge = request.GET.get("hub.challenge", "")
    if (
        mode == "subscribe"
        and verify_token
        and hmac.compare_digest(token.encode(), verify_token.encode())
        and challenge
    ):
        return HttpResponse(challenge[:200], content_type="text/plain")
    return HttpResponse("verification failed", status=403, content_type="text/plain")


def graph_error_text(response: object) -> str:
    """Meta's own words for a Graph API error (``{"error": {"message", "code"...}}``),
    which the agent sees on a reply that was not delivered."""
    status = getattr(response, "status_code", 0)
    try:
        error = response.json().get("error") or {}  # type: ignore[attr-defined]
    except (ValueError, AttributeError):
        error = {}
    if not isinstance(error, dict) or not error.get("message"):
        text = getattr(response, "text", "")
        return f"HTTP {status}: {str(text)[:300]}"
    code = error.get("code")
    details = (error.get("error_data") or {}).get("details") if isinstance(error, dict) else None
    message = str(error["message"])
    if details and details not in message:
        message = f"{message} ({details})"
    return f"Meta {code or status}: {message}"[:1000]
