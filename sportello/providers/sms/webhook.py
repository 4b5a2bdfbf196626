"""The SMS gateway's webhook: ``POST /hooks/sms/<webhook key>/``.

Signed like the phone channel's (HMAC-SHA256 of ``<timestamp>.<body>`` under the
channel's ``secret``, a timestamp within five minutes). It takes a customer's message
(into the ingest pipeline, once per gateway id) or a delivery report on a reply
(``outbound.actions.record_receipt``). Answers:
- unknown key: 404, not recorded;
- a missing or wrong signature, an old timestamp: 403, recorded;
- not JSON, an unknown type, a message without sender or text, a number that does not
  read, a report on no reply of this channel: 200, recorded and ignored;
- a message the pipeline could not take: 200, kept retryable in RejectedInbound.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from sportello.channels.models import Channel
from sportello.channels.queries import channel_for_webhook_key
from sportello.core.errors import InvalidInput, SportelloError
from sportello.customers.identities import normalize_phone
from sportello.ingest.inbound import InboundMessage, Sender
from sportello.ingest.pipeline import IngestFailed, ingest
from sportello.outbound.actions import record_receipt
from sportello.providers.common.signed import request_refusal
from sportello.providers.common.webhooks import ignore, refuse
from sportello.providers.sms.config import SOURCE, is_webhook_key
from sportello.providers.sms.parse import NotAnSms, Sms, StatusReport, parse_sms, read_body


def channel_for_key(key: str) -> Channel | None:
    return channel_for_webhook_key("sms", key) if is_webhook_key(key) else None


def inbound_message(channel: Channel, sms: Sms) -> InboundMessage:
    """``InvalidInput`` when the sender's number does not read."""
    region = str(channel.config.get("region") or "") or None
    phone = normalize_phone(sms.sender, region)
    return InboundMessage(
        workspace_id=channel.workspace_id,
        channel_id=channel.pk,
        sender=Sender(phone=phone),
        text=sms.text,
        external_id=sms.external_id,
        sent_at=sms.sent_at,
        data={"sms": {"from": phone, "to": sms.recipient, **sms.data}},
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
    why = request_refusal(request, str(channel.config.get("secret") or ""))
    if why:
        return refuse(source=SOURCE, reason=why, raw=raw, **where)
    try:
        item = parse_sms(read_body(raw, request.content_type or ""))
    except NotAnSms as exc:
        ignore(source=SOURCE, reason=str(exc), raw=raw, **where)
        return JsonResponse({"ignored": str(exc)})
    except (ValueError, UnicodeDecodeError):
        ignore(source=SOURCE, reason="the body is not JSON", raw=raw, **where)
        return JsonResponse({"ignored": "the body is not JSON"})
    if isinstance(item, StatusReport):
        try:
            found = record_receipt(
                channel.pk, item.external_id, item.status, at=item.at, error=item.error
            )
        except SportelloError as exc:
            found, reason = None, exc.message
        else:
            reason = f"a {item.status} report on {item.external_id!r}, no reply of this channel"
        if found is None:
            ignore(source=SOURCE, reason=reason, raw=raw, **where)
            return JsonResponse({"ignored": reason})
        return JsonResponse({"status": item.status, "delivery_id": found.pk})
    try:
        inbound = inbound_message(channel, item)
    except InvalidInput as exc:
        ignore(source=SOURCE, reason=exc.message, raw=raw, **where)
        return JsonResponse({"ignored": exc.message})
    try:
        result = ingest(inbound, source=SOURCE, channel=channel)
    except IngestFailed:
        return JsonResponse({"ignored": "kept to retry: the pipeline could not take it"})
    return JsonResponse({"message_id": result.message_id, "duplicate": result.duplicate})
