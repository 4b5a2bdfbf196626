"""Sportello's own system checks, run by ``sportello check`` and ``manage.py check``.

Django's ``--deploy`` checks look at each security setting alone; these read them against
``SPORTELLO_BASE_URL``, the address people actually use: once it is https, every switch
that keeps a session on https must be on (docs/deploy.md).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

_HTTPS_SWITCHES = (
    (
        "SECURE_COOKIES",
        "SPORTELLO_SECURE_COOKIES is off: the session and CSRF cookies may travel over plain http.",
        "Set SPORTELLO_SECURE_COOKIES=true.",
        "sportello.W001",
    ),
    (
        "SECURE_HSTS_SECONDS",
        "SPORTELLO_HSTS_SECONDS is 0: browsers are not told to use https only.",
        "Set SPORTELLO_HSTS_SECONDS=31536000 once https works (a year; try 3600 first).",
        "sportello.W002",
    ),
    (
        "BEHIND_PROXY",
        "SPORTELLO_BEHIND_PROXY is off: `sportello run` speaks plain http, so https ends at "
        "a proxy, and without its X-Forwarded-Proto Django refuses signed-in forms as "
        "coming from another origin.",
        "Set SPORTELLO_BEHIND_PROXY=true and have the proxy set X-Forwarded-Proto and "
        "X-Forwarded-Host.",
        "sportello.W003",
    ),
    (
        "SECURE_SSL_REDIRECT",
        "SPORTELLO_SSL_REDIRECT is off: a request on http is answered instead of being "
        "sent to https.",
        "Set SPORTELLO_SSL_REDIRECT=true (harmless when the proxy redirects already).",
        "sportello.W004",
    ),
)


@register(Tags.security)
def check_https_switches(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Warn for each HTTPS switch still off while SPORTELLO_BASE_URL is https."""
    base = urlsplit(settings.BASE_URL)
    if base.scheme not in {"http", "https"} or not base.hostname:
        return [
            Error(
                f"SPORTELLO_BASE_URL={settings.BASE_URL!r} is not an http(s) address.",
                hint="Set it to the address agents type, e.g. https://assistenza.example.it",
                id="sportello.E001",
            )
        ]
    messages: list[CheckMessage] = []
    if base.scheme == "https":
        for setting, problem, hint, check_id in _HTTPS_SWITCHES:
            if not getattr(settings, setting):
                messages.append(Warning(problem, hint=hint, id=check_id))
    if not _host_allowed(base.hostname, settings.ALLOWED_HOSTS):
        messages.append(
            Warning(
                f"{base.hostname} (SPORTELLO_BASE_URL) is not in SPORTELLO_ALLOWED_HOSTS: "
                "every request to it is refused with 400.",
                hint=f"Add {base.hostname} to SPORTELLO_ALLOWED_HOSTS.",
                id="sportello.W005",
            )
        )
    return messages


def _host_allowed(host: str, allowed: list[str]) -> bool:
    for pattern in allowed:
        pattern = pattern.lower()
        if pattern == "*" or pattern == host:
            return True
        if pattern.startswith(".") and (host == pattern[1:] or host.endswith(pattern)):
            return True
    return False
