"""Downloading a message's attachments: an agent's own workspace only, served so that no
file a customer sent can run in our pages.

The type comes from the file's first bytes, never from the sender's label; only PNG, JPEG,
GIF and WebP are served inline (the timeline shows them as thumbnails through an ``<img>``
on this URL). Everything else, HTML and SVG included, is sent as a download under a
``default-src 'none'; sandbox`` policy with ``nosniff``, so even a browser that opened it
would run nothing in our origin.
"""

from __future__ import annotations

from django.http import FileResponse, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from sportello.conversations.attachments import download_of
from sportello.web.pages import agent_of, agent_required

DOWNLOAD_POLICY = "default-src 'none'; sandbox"


@agent_required
@require_GET
def download(request: HttpRequest, message_id: int, index: int) -> HttpResponse:
    agent = agent_of(request)
    file = download_of(agent.workspace_id, message_id, index)
    response = FileResponse(
        open(file.path, "rb"),  # noqa: SIM115 (FileResponse closes it)
        content_type=file.content_type,
        as_attachment=not file.inline,
        filename=file.filename,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOWNLOAD_POLICY
    # The file behind a URL never changes (its name is its hash), but the agent's access
    # can: cached by the agent's browser only, for a short while.
    response["Cache-Control"] = "private, max-age=600"
    return response  # type: ignore[return-value]
