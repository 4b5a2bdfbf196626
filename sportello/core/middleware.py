"""What every request goes through before a view, the API's and the web's alike."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, QueryDict


def _without_nul(data: QueryDict) -> QueryDict:
    clean = QueryDict(mutable=True)
    for key, values in data.lists():
        clean.setlist(key.replace("\x00", ""), [v.replace("\x00", "") for v in values])
    clean._mutable = False
    return clean


class DropNulMiddleware:
    """NUL characters are dropped from query strings.

    Nobody types one, PostgreSQL refuses to compare text holding one, and SQLite's FTS5
    reads a query up to it: a search for ``a%00b`` was a 500. A search or a filter should
    simply work, so the character goes. Elsewhere NUL is refused: a posted form's fields
    by Django's own validator (a form error), a JSON body with a 422 (``api.body``), since
    there an integration has a bug to hear about."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        if "%00" in query or "\x00" in query:
            request.GET = _without_nul(request.GET)  # type: ignore[assignment]
        return self.get_response(request)


# What a page of Sportello may load: only its own files. Message HTML is written by strangers,
# so the browser is told to refuse anything a sanitiser might have missed: a remote image (a
# tracking pixel that tells the sender the message was read), a stylesheet, a font, a frame,
# a script. Inline ``style`` attributes stay allowed (``style-src-attr``): a customer's mail
# keeps its typography (``core.html`` keeps only properties that cannot load a URL), and the
# API docs' Swagger UI sets them too; ``<style>`` elements and inline scripts are refused.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "style-src-attr 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "media-src 'self'",
        "frame-src 'none'",
        "worker-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    """Every response carries ``CONTENT_SECURITY_POLICY`` unless its view set its own.

    Django 5.2 has no CSP of its own; one header on every response (pages, the admin, the API
    docs, JSON alike) is simpler to trust than a list of the pages that need it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response
