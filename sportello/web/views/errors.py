"""The pages a visitor sees when a URL names nothing (404) or the server failed (500): the
app's look and the visitor's language (the agent's, or the browser's for anyone else)."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template.loader import render_to_string

log = logging.getLogger("sportello.web")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    agent = getattr(request, "agent", None)
    html = render_to_string("web/errors/404.html", {"signed_in": agent is not None}, request)
    return HttpResponse(html, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """Rendered without the request's context: whatever failed (the database, a context
    processor) must not fail this page too. A plain line if even the template fails."""
    try:
        html = render_to_string("web/errors/500.html", {"signed_in": False})
    except Exception:  # the last resort must answer, whatever broke
        log.exception("the 500 page could not be rendered")
        return HttpResponseServerError(
            "Server error / Errore del server", content_type="text/plain"
        )
    return HttpResponseServerError(html)
