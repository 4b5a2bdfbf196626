"""The call-event webhook: ``POST /hooks/phone/<webhook key>/``.

Signed with the channel's ``secret`` (``providers/common/signed.py``: HMAC-SHA256 of
``<timestamp>.<body>``, a timestamp within five minutes). What is answered
(docs/architecture/phone.md):
- unknown key: 404, not recorded;
- a missing or wrong signature, or an old timestamp: 403, recorded;
- not JSON, an unknown event, a field that does not read: 200, recorded and ignored (a
  switchboard retries what is not a 2xx, and the same bytes would fail again);
- an event taken, or taken before: 200 with what became of it.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from sportello.channels.models import Channel
from sportello.channels.queries import channel_for_webhook_key
from sportello.providers.common.signed import request_refusal
from sportello.providers.common.webhooks import ignore, refuse
from sportello.providers.phone.actions import record_call_event
from sportello.providers.phone.config import SOURCE, is_webhook_key
from sportello.providers.phone.parse import NotACallEvent, parse_call_event, read_body


def channel_for_key(key: str) -> Channel | None:
    return channel_for_webhook_key("phone", key) if is_webhook_key(key) else None


@csrf_exempt
def webhook(request: HttpRequest, key: str) -> HttpResponse:
    channel = channel_for_key(key)
    if channel is None:
        return JsonResponse({"detail": "not found"}, status=404)
    if request.method != "POST":
        return JsonResponse({"detail": "use POST"}, status=405)
    raw = request.body
    where = {"workspace_id": channel.workspace_id, "channel_id": channel.pk}
    why = request_refusal(request, str(channel.config.get("secret") or ""))
    if why:
        return refuse(source=SOURCE, reason=why, raw=raw, **where)
    try:
        event = parse_call_event(read_body(raw))
    except NotACallEvent as exc:
        ignore(source=SOURCE, reason=str(exc), raw=raw, **where)
        return JsonResponse({"ignored": str(exc)})
    except ValueError:
        ignore(source=SOURCE, reason="the body is not JSON", raw=raw, **where)
        return JsonResponse({"ignored": "the body is not JSON"})
    taken = record_call_event(channel, event)
    return JsonResponse({"outcome": taken.outcome, "conversation_id": taken.conversation_id})
