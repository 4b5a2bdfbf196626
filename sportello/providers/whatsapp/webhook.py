"""The WhatsApp webhook: ``/hooks/whatsapp/<webhook key>/``.

GET is Meta's subscription handshake. A POST is checked against the channel's app secret
(``X-Hub-Signature-256`` over the raw body), then read (``parse``) and taken part by part:
customer messages through the ingest pipeline (once per wamid, so Meta's retries are
harmless), edits and deletions onto the original message's timeline, statuses onto the
reply's delivery.

What is answered, case by case (docs/architecture/whatsapp.md):
- unknown key: 404, not recorded (it names no channel; nothing to keep);
- missing or wrong signature: 403, recorded (Meta signs every POST; only a forger or a
  wrong app secret fails, and the admin needs to see the latter);
- not JSON, not a WhatsApp body, an event or a message kind Sportello does not take, a
  change for a number no channel has: 200, recorded, so that Meta does not retry the
  same bytes for days;
- a message the pipeline could not take: 200, kept retryable in RejectedInbound.
Only a failure to record (the database down) is a 5xx, and then Meta retries.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from sportello.channels.models import Channel
from sportello.channels.queries import channel_for_webhook_key
from sportello.conversations.actions import record_event
from sportello.conversations.queries import message_replied_to
from sportello.core.errors import InvalidInput, SportelloError
from sportello.ingest.inbound import InboundMessage, Sender
from sportello.outbound.actions import record_receipt
from sportello.providers.common.meta import (
    SIGNATURE_HEADER,
    signature_matches,
    subscription_answer,
)
from sportello.providers.common.webhooks import ignore, refuse, take
from sportello.providers.whatsapp.config import WEBHOOK_KEY
from sportello.providers.whatsapp.identities import normalize_whatsapp_id
from sportello.providers.whatsapp.parse import (
    Change,
    CustomerMessage,
    NotWhatsApp,
    parse_payload,
    read_body,
)

SOURCE = "whatsapp"


def channel_for_key(key: str) -> Channel | None:
    if not WEBHOOK_KEY.match(key):
        return None
    return channel_for_webhook_key("whatsapp", key)


def channel_for_number(channel: Channel, phone_number_id: str) -> Channel | None:
    """The channel a change is for. One Meta app posts the changes of all the numbers of
    its business account to one URL: a number of another channel of the same workspace
    and app (the same app secret, which signed the body) is that channel's."""
    if phone_number_id in ("", channel.config.get("phone_number_id")):
        return channel
    return (
        Channel.objects.filter(
            workspace_id=channel.workspace_id,
            kind="whatsapp",
            is_active=True,
            config__phone_number_id=phone_number_id,
            config__app_secret=channel.config.get("app_secret"),
        )
        .order_by("pk")
        .first()
    )


@csrf_exempt
def webhook(request: HttpRequest, key: str) -> HttpResponse:
    channel = channel_for_key(key)
    if channel is None:
        return JsonResponse({"detail": "not found"}, status=404)
    if request.method == "GET":
        return subscription_answer(request, str(channel.config.get("verify_token") or ""))
    if request.method != "POST":
        return JsonResponse({"detail": "use GET or POST"}, status=405)
    raw = request.body
    where = {"workspace_id": channel.workspace_id, "channel_id": channel.pk}
    if not signature_matches(raw, request.META.get(SIGNATURE_HEADER), channel.config["app_secret"]):
        reason = "the X-Hub-Signature-256 header is missing or does not match the app secret"
        return refuse(source=SOURCE, reason=reason, raw=raw, **where)
    try:
        changes = parse_payload(read_body(raw))
    except NotWhatsApp as exc:
        ignore(source=SOURCE, reason=str(exc), raw=raw, **where)
        return JsonResponse({"ignored": str(exc)})
    except ValueError as exc:
        ignore(source=SOURCE, reason=f"the body is not JSON: {exc}", raw=raw, **where)
        return JsonResponse({"ignored": "the body is not JSON"})
    taken = {"messages": 0, "duplicates": 0, "statuses": 0, "revisions": 0, "ignored": 0}
    for change in changes:
        take_change(channel, change, taken)
    return JsonResponse(taken)


def take_change(channel: Channel, change: Change, taken: dict[str, int]) -> None:
    target = channel_for_number(channel, change.phone_number_id)

    def skip(reason: str, payload: object = None) -> None:
        at = target or channel
        ignore(
            source=SOURCE,
            reason=reason,
            payload=payload,
            workspace_id=at.workspace_id,
            channel_id=at.pk,
        )
        taken["ignored"] += 1

    if target is None:
        skip(f"phone number id {change.phone_number_id[:40]} belongs to no channel of this app")
        return
    for reason, fragment in change.ignored:
        skip(reason, _json_safe(fragment))
    for message in change.messages:
        take_message(target, message, taken)
    for revision in change.revisions:
        original = message_replied_to(target.workspace_id, [revision.original_id])
        if original is None:
            skip(
                f"a message was {revision.action}, but Sportello never received it",
                {"id": revision.original_id},
            )
            continue
        record_event(
            original.conversation_id,
            f"message_{revision.action}",
            once_on="whatsapp_id",
            whatsapp_id=revision.external_id,
            message_id=original.pk,
            text=revision.text,
        )
        taken["revisions"] += 1
    for status in change.statuses:
        try:
            found = record_receipt(
                target.pk, status.external_id, status.status, at=status.at, error=status.error
            )
        except SportelloError as exc:
            skip(exc.message)
            continue
        taken["statuses"] += found is not None


def inbound_message(channel: Channel, message: CustomerMessage) -> InboundMessage:
    handles: dict[str, str] = {}
    phone = ""
    if message.wa_id:
        try:
            phone = normalize_whatsapp_id(message.wa_id)
            handles = {"whatsapp": message.wa_id}
        except InvalidInput:
            # A number the phone library does not know (a new numbering plan): the
            # message is still taken, on an identity that finds this sender again here.
            handles = {"other": f"whatsapp:{message.wa_id}"}
    elif message.user_id:
        # A customer who hides their number: their business-scoped id, found again only on
        # this WhatsApp account.
        handles = {"other": f"whatsapp-user:{message.user_id}"}
    return InboundMessage(
        workspace_id=channel.workspace_id,
        channel_id=channel.pk,
        # The number is also a phone identity: the customer who calls or texts from it is
        # the same customer.
        sender=Sender(name=message.name, phone=phone, handles=handles),
        text=message.text,
        external_id=message.external_id,
        sent_at=message.sent_at,
        references=message.references,
        attachments=message.attachments,
        data=message.data,
    )


def take_message(channel: Channel, message: CustomerMessage, taken: dict[str, int]) -> None:
    take(
        inbound_message(channel, message),
        source=SOURCE,
        channel=channel,
        taken=taken,
        fetch_media=_fetch_media,
    )


def _fetch_media(message_id: int, channel_id: int) -> None:
    # Imported here: the jobs module imports this one.
    from sportello.providers.whatsapp.jobs import fetch_media

    fetch_media(message_id, channel_id)


def _json_safe(value: object) -> object:
    return value if isinstance(value, dict | list | str | int | float | bool) else str(value)
