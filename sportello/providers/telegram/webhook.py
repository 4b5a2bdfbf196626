"""The Telegram webhook: ``/hooks/telegram/<webhook key>/``.

Telegram posts one update per request, with the channel's ``secret_token`` in
``X-Telegram-Bot-Api-Secret-Token`` (set by ``setWebhook``), compared in constant time.

What is answered (docs/architecture/telegram.md):
- unknown key: 404, not recorded (it names no channel);
- a missing or wrong secret token: 403, recorded (only a forger or a stale webhook set
  with an old token fails it, and the admin needs to see the latter);
- not JSON, not an update, an update kind or a chat Sportello does not take: 200,
  recorded, so that Telegram does not retry the same bytes (it retries until a 2xx);
- a message the pipeline could not take: 200, kept retryable in RejectedInbound.
"""

from __future__ import annotations

import hmac

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from sportello.channels.models import Channel
from sportello.channels.queries import channel_for_webhook_key
from sportello.providers.common.webhooks import ignore, refuse
from sportello.providers.telegram.config import WEBHOOK_KEY
from sportello.providers.telegram.parse import NotTelegram, parse_update, read_body
from sportello.providers.telegram.receive import SOURCE, new_tally, take_update

SECRET_HEADER = "HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN"


def channel_for_key(key: str) -> Channel | None:
    if not WEBHOOK_KEY.match(key):
        return None
    return channel_for_webhook_key("telegram", key)


def secret_matches(given: str | None, expected: str) -> bool:
    return (
        bool(given)
        and bool(expected)
        and hmac.compare_digest(str(given).encode(), expected.encode())
    )


@csrf_exempt
def webhook(request: HttpRequest, key: str) -> HttpResponse:
    channel = channel_for_key(key)
    if channel is None:
        return JsonResponse({"detail": "not found"}, status=404)
    if request.method != "POST":
        return JsonResponse({"detail": "use POST"}, status=405)
    raw = request.body
    where = {"workspace_id": channel.workspace_id, "channel_id": channel.pk}
    expected = str(channel.config.get("secret_token") or "")
    if not secret_matches(request.META.get(SECRET_HEADER), expected):
        reason = "the X-Telegram-Bot-Api-Secret-Token header is missing or wrong"
        return refuse(source=SOURCE, reason=reason, raw=raw, **where)
    try:
        update = parse_update(read_body(raw))
    except NotTelegram as exc:
        ignore(source=SOURCE, reason=str(exc), raw=raw, **where)
        return JsonResponse({"ignored": str(exc)})
    except ValueError as exc:
        ignore(source=SOURCE, reason=f"the body is not JSON: {exc}", raw=raw, **where)
        return JsonResponse({"ignored": "the body is not JSON"})
    taken = new_tally()
    take_update(channel, update, taken)
    return JsonResponse(taken)
