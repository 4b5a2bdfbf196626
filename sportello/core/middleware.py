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
