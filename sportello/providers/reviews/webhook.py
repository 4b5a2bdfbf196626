"""Reviews pushed by a service: ``POST /hooks/reviews/<webhook key>/``.

Signed like the phone and SMS channels' (``providers/common/signed.py``: HMAC-SHA256 of
``<timestamp>.<body>`` under the channel's ``secret``). The body is JSON: one review
``{id, source, rating, author, url, text, published_at}`` (and ``email``), a list of
them, ``{"reviews": [...]}``, or a JSON Feed. Answers:
- unknown key: 404, not recorded; another method than POST: 405;
- a missing or wrong signature, an old timestamp: 403, recorded;
- a body that is not JSON or holds no review: 200, recorded and ignored;
- otherwise 200 with what was imported, what was already there and what was refused
  (each refused review recorded, the others taken).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from sportello.channels.models import Channel
from sportello.channels.queries import channel_for_webhook_key
from sportello.providers.common.signed import request_refusal
from sportello.providers.common.webhooks import ignore, refuse
from sportello.providers.reviews.config import SOURCE, is_webhook_key
from sportello.providers.reviews.importing import import_reviews
from sportello.providers.reviews.parse import NotAFeed, parse_json

MAX_BODY = 2 * 1024 * 1024


def channel_for_key(key: str) -> Channel | None:
    return channel_for_webhook_key("reviews", key) if is_webhook_key(key) else None


@csrf_exempt
def webhook(request: HttpRequest, key: str) -> HttpResponse:
    channel = channel_for_key(key)
    if channel is None:
        return JsonResponse({"detail": "not found"}, status=404)
    if request.method != "POST":
        return JsonResponse({"detail": "use POST"}, status=405)
    where = {"workspace_id": channel.workspace_id, "channel_id": channel.pk}
    length = request.META.get("CONTENT_LENGTH") or "0"
    if length.isdigit() and int(length) > MAX_BODY:
        return refuse(
            source=SOURCE,
            reason=f"the body is larger than {MAX_BODY} bytes",
            status=413,
            workspace_id=channel.workspace_id,
            channel_id=channel.pk,
        )
    raw = request.body
    why = request_refusal(request, str(channel.config.get("secret") or ""))
    if why:
        return refuse(source=SOURCE, reason=why, raw=raw, **where)
    try:
        parsed = parse_json(raw)
    except NotAFeed as exc:
        ignore(source=SOURCE, reason=str(exc), raw=raw, **where)
        return JsonResponse({"ignored": str(exc)})
    return JsonResponse(import_reviews(channel, parsed, origin="webhook").as_dict())
