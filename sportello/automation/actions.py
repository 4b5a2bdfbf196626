"""The only writers of the acknowledgement's settings and records, and the
acknowledgement itself: an automatic reply on the conversation's own channel, in the
customer's language, saying by when an agent will answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction

from sportello.audit.actions import record
from sportello.automation import wording
from sportello.automation.models import Acknowledgement, AcknowledgementSettings
from sportello.conversations.actions import automatic_reply, record_event
from sportello.conversations.models import Conversation, Message
from sportello.conversations.queries import first_inbound_data
from sportello.core import clock
from sportello.core.errors import InvalidInput
from sportello.core.models import Workspace, replace_workspace_row
from sportello.outbound.actions import (
    automatic_refusal,
    queue_delivery,
    sender_for,
)
from sportello.outbound.readiness import reply_refusal
from sportello.sla.hours import add_business_time
from sportello.sla.queries import default_calendar, opening_hours

MAX_MIN_HOURS_BETWEEN = 24 * 365
ACKNOWLEDGEMENT = "acknowledgement"


@transaction.atomic
def update_acknowledgement_settings(
    workspace_id: int,
    *,
    is_enabled: bool,
    template_it: str,
    template_en: str,
    min_hours_between: int,
) -> AcknowledgementSettings:
    """Replace the workspace's settings (admins, ``PUT``): the templates are checked
    first, so a saved template always fills. Audited with what changed."""
    if not 0 <= min_hours_between <= MAX_MIN_HOURS_BETWEEN:
        raise InvalidInput(f"min_hours_between must be between 0 and {MAX_MIN_HOURS_BETWEEN} hours")
    values = {
        "is_enabled": is_enabled,
        "template_it": wording.check_template(template_it, "template_it"),
        "template_en": wording.check_template(template_en, "template_en"),
        "min_hours_between": min_hours_between,
    }
    settings, changed = replace_workspace_row(AcknowledgementSettings, workspace_id, values)
    record(
        workspace_id,
        "acknowledgement.settings_changed",
        target_type="acknowledgement_settings",
        target_id=settings.pk,
        detail={
            "changed": changed,
            "is_enabled": is_enabled,
            "min_hours_between": min_hours_between,
        },
    )
    return settings


@dataclass(frozen=True)
class Acknowledged:
    """What :func:`acknowledge` did: the reply it stored, or why it sent none (``""``
    when acknowledgements are off or this conversation had one already)."""

    message: Message | None = None
    skipped: str = ""


@transaction.atomic
def acknowledge(conversation_id: int) -> Acknowledged:
    """Acknowledge a new conversation, unless it must not be.

    Not sent to a machine (an auto-reply, a bounce, a no-reply sender: the provider marks
    those ``no_auto_response``), nor to a customer who opted out, nor on a channel that
    cannot send, nor to a customer acknowledged within ``min_hours_between``: each such
    case is put on the timeline, so an agent knows why the customer got nothing. The due
    time is the conversation's first-reply target (ingest's ``sla`` step set it), else
    the next opening of the default calendar.

    The settings row is locked while deciding, so two conversations of one customer
    opened at once get one acknowledgement between them (on SQLite writes are serial)."""
    conversation = Conversation.objects.select_related("channel", "customer").get(
        pk=conversation_id
    )
    settings = (
        AcknowledgementSettings.objects.select_for_update()
        .filter(workspace_id=conversation.workspace_id, is_enabled=True)
        .first()
    )
    if settings is None:
        return Acknowledged()
    if Acknowledgement.objects.filter(conversation_id=conversation.pk).exists():
        return Acknowledged()
    now = clock.now()
    reason = _reason_to_skip(conversation, settings, now)
    if reason:
        record_event(conversation.pk, "acknowledgement_skipped", reason=reason)
        return Acknowledged(skipped=reason)

    workspace = Workspace.objects.only("time_zone").get(pk=conversation.workspace_id)
    language = wording.language_of(conversation.language, conversation.customer.language)
    text = wording.fill(
        settings.template(language),
        language=language,
        due=_due(conversation, now),
        zone=ZoneInfo(workspace.time_zone),
        now=now,
        name=conversation.customer.name,
        number=conversation.number,
    )
    message = automatic_reply(conversation, text, reason=ACKNOWLEDGEMENT)
    queue_delivery(message)
    Acknowledgement.objects.create(
        workspace_id=conversation.workspace_id,
        customer_id=conversation.customer_id,
        conversation_id=conversation.pk,
        message_id=message.pk,
        language=language,
        sent_at=now,
    )
    return Acknowledged(message=message)


def _reason_to_skip(
    conversation: Conversation, settings: AcknowledgementSettings, now: datetime
) -> str:
    data = first_inbound_data(conversation.pk)
    automated = set(data.get("automated") or ())
    if "bounce" in automated:
        return "bounce"
    if "no_reply" in automated:
        return "no_reply"
    if automated or data.get("no_auto_response"):
        return "auto_reply"
    if conversation.customer.no_automatic_replies:
        return "opted_out"
    if automatic_refusal(conversation):
        return "no_consent"
    if sender_for(conversation.channel.kind) is None or reply_refusal(conversation):
        return "channel_cannot_send"
    since = now - timedelta(hours=settings.min_hours_between)
    recent = Acknowledgement.objects.filter(
        workspace_id=conversation.workspace_id,
        customer_id=conversation.customer_id,
        sent_at__gt=since,
    )
    if settings.min_hours_between and recent.exists():
        return "recently_acknowledged"
    return ""


def _due(conversation: Conversation, now: datetime) -> datetime:
    if conversation.first_reply_due_at is not None:
        return conversation.first_reply_due_at
    calendar = default_calendar(conversation.workspace_id)
    if calendar is None:
        return now
    return add_business_time(opening_hours(calendar), now, timedelta(0))
