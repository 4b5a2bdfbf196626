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
from django.utils.translation import gettext_noop

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


# Why a URL is refused: the API says it in English after "url: ", the settings page in
# the admin's language (these are in the catalogue).
REFUSED_LENGTH = gettext_noop("give an https URL of at most 500 characters")
REFUSED_CHARACTERS = gettext_noop("no spaces or control characters")
REFUSED_SYNTAX = gettext_noop("not a valid URL")
REFUSED_SCHEME = gettext_noop("give an https URL, such as https://example.com/hooks/sportello")
REFUSED_CREDENTIALS = gettext_noop(
    "no user name or password in the URL; check the signature instead"
)
REFUSED_PRIVATE = gettext_noop(
    "loopback and private addresses are refused on this installation "
    "(SPORTELLO_WEBHOOKS_ALLOW_PRIVATE)"
)
REFUSED_HTTP = gettext_noop("https is required")
REFUSED_PUBLIC_HTTP = gettext_noop("plain http only to loopback or private addresses; use https")


def url_refusal(url: str) -> str | None:
    """Why ``url`` cannot be a webhook's target (one of the ``REFUSED_*`` sentences), or
    None."""
    if not url or len(url) > MAX_URL_LENGTH:
        return REFUSED_LENGTH
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        return REFUSED_CHARACTERS
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return REFUSED_SYNTAX
    host = (parts.hostname or "").lower()
    if parts.scheme not in {"https", "http"} or not host:
        return REFUSED_SCHEME
    if parts.username or parts.password:
        return REFUSED_CREDENTIALS
    if port == 0:
        return REFUSED_SYNTAX
    literal = _literal(host)
    private = (
        host == "localhost"
        or host.endswith(".localhost")
        or (literal is not None and _is_private(literal))
    )
    if private and not allow_private():
        return REFUSED_PRIVATE
    if parts.scheme == "http":
        if not allow_private():
            return REFUSED_HTTP
        if literal is not None and not private:
            return REFUSED_PUBLIC_HTTP
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
