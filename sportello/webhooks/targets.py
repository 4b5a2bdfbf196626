"""Where a webhook may be sent: checked when a subscription is saved (its URL) and again
before every attempt (the addresses its host resolves to, which may have changed).

By default a target is ``https`` on a public address: a webhook is the server making
requests on a workspace admin's word, and on an installation that hosts several
businesses that word must not reach the machine's own services or its network
(``127.0.0.1``, ``10.x``, a cloud's metadata address ``169.254.169.254``). A self-hosted
installation that posts to n8n or a shop on its own network sets
``SPORTELLO_WEBHOOKS_ALLOW_PRIVATE`` and may then also use plain ``http`` to loopback and
private addresses (never to a public one: the events carry customers' messages).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings

MAX_URL_LENGTH = 500


def allow_private() -> bool:
    return bool(getattr(settings, "WEBHOOKS_ALLOW_PRIVATE", False))


def _is_private(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast


def _literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def url_refusal(url: str) -> str | None:
    """Why ``url`` cannot be a webhook's target, in English for the API (the web's form
    says it in the admin's language), or None."""
    if not url or len(url) > MAX_URL_LENGTH:
        return f"url: give an https URL of at most {MAX_URL_LENGTH} characters"
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        return "url: no spaces or control characters"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "url: not a valid URL"
    host = (parts.hostname or "").lower()
    if parts.scheme not in {"https", "http"} or not host:
        return "url: give an https URL, such as https://example.com/hooks/sportello"
    if parts.username or parts.password:
        return "url: no user name or password in the URL; check the signature instead"
    if port == 0:
        return "url: not a valid port"
    literal = _literal(host)
    private = (
        host == "localhost"
        or host.endswith(".localhost")
        or (literal is not None and _is_private(literal))
    )
    if private and not allow_private():
        return (
            "url: loopback and private addresses are refused on this installation "
            "(SPORTELLO_WEBHOOKS_ALLOW_PRIVATE)"
        )
    if parts.scheme == "http":
        if not allow_private():
            return "url: https is required"
        if literal is not None and not private:
            return "url: plain http only to loopback or private addresses; use https"
    return None


def address_refusal(url: str) -> str | None:
    """Resolve the target's host now and refuse it when an address it gives is not allowed
    (a name that points at a private address, or a plain-http target that points at a public
    one). None when it may be sent to; an unresolvable host is a failed attempt like a
    refused connection, left to httpx to report."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        infos = socket.getaddrinfo(host, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return None
    addresses = {ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos}
    private = [a for a in addresses if _is_private(a)]
    if private and not allow_private():
        return f"{host} resolves to a private address ({private[0]}), refused on this installation"
    if parts.scheme == "http" and len(private) < len(addresses):
        return f"{host} resolves to a public address: plain http is refused, use https"
    return None
