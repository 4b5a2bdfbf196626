"""The phone channel's writers: a call event taken (once), a missed call made a callback,
an answered call put on the customer's timeline, an agent's call to a customer logged.

A call event is applied in its own short transaction (``record_call_event``): the row of
the call, locked, says which events it already took, so a switchboard's retry, an ARI
event repeated by two connectors, or an event replayed within the signature's window,
changes nothing. What the call became (``settled``) is decided there, once; the
conversation is written afterwards through the ingest pipeline, keyed by the call's id
(``call:<id>``), so a crash in between is repaired by the next event of the call or by
the sweeper (``settle_pending``), never doubled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from sportello.accounts.models import Agent
from sportello.channels.models import Channel
from sportello.conversations.actions import set_status, set_tags, timeline
from sportello.conversations.models import Conversation, Status
from sportello.core import clock
from sportello.core.errors import InvalidInput, SportelloError
from sportello.core.models import Workspace
from sportello.customers.identities import normalize_phone, shown_value
from sportello.ingest.inbound import InboundMessage, Sender
from sportello.ingest.pipeline import IngestFailed, ingest
from sportello.providers.common.webhooks import ignore
from sportello.providers.phone.config import SOURCE, read_config
from sportello.providers.phone.models import (
    CLOSING_OUTCOMES,
    Call,
    Callback,
    CallbackStatus,
    Outcome,
    Settled,
)
from sportello.providers.phone.parse import CallEvent
from sportello.sla.actions import reply_sent

# When no first-reply target applies, a callback is due this long after the call.
FALLBACK_DUE = timedelta(hours=1)
MAX_NOTE = 2000
# What a settled call writes on a conversation.
WRITTEN = (Settled.MISSED, Settled.ANSWERED)


@dataclass(frozen=True)
class Taken:
    """What became of one call event: ``duplicate`` (taken before), ``recorded``
    (nothing more to do yet), ``callback`` or ``answered`` (a conversation written),
    ``ignored`` (recorded with the reason)."""

    outcome: str
    call_id: int
    conversation_id: int | None = None


def _number(value: str, region: str) -> str:
    """E.164 when the switchboard's number reads as one, else as written (an extension)."""
    if not value:
        return ""
    try:
        return normalize_phone(value, region)
    except InvalidInput:
        return value[:64]


def _is_e164(value: str) -> bool:
    return value.startswith("+")


def _customer_number(call: Call) -> str:
    return call.called if call.direction == "outbound" else call.caller


def _decide(call: Call, answer_within: int, now: datetime) -> str:
    """What the call has become, or "" while it may still be answered in time. A call
    without a customer's number (hidden, an internal extension) is written nowhere."""
    settled = _outcome(call, answer_within, now)
    if settled in WRITTEN and not _is_e164(_customer_number(call)):
        return Settled.UNREACHABLE
    return settled


def _outcome(call: Call, answer_within: int, now: datetime) -> str:
    if call.answered_at is not None and call.ended_at is not None:
        return Settled.ANSWERED
    if call.answered_at is not None:
        return ""
    missed = "missed" in call.events or call.ended_at is not None
    if not missed and call.started_at is not None and call.direction == "inbound":
        missed = now - call.started_at >= timedelta(seconds=answer_within)
    if not missed:
        return ""
    if call.direction == "outbound":
        return Settled.NOT_REACHED
    return Settled.MISSED


def _apply(call: Call, event: CallEvent, region: str, at: datetime) -> None:
    if event.caller and not call.caller:
        call.caller = _number(event.caller, region)
    if event.called and not call.called:
        call.called = _number(event.called, region)
    if event.agent:
        call.agent = event.agent
    if event.recording_url:
        call.recording_url = event.recording_url
    if event.duration is not None:
        call.duration = event.duration
    if event.event in ("started", "ringing") or call.started_at is None:
        call.started_at = min(filter(None, (call.started_at, at)))
    if event.event == "answered":
        call.answered_at = at
    if event.event in ("ended", "missed"):
        call.ended_at = at
        if call.answered_at is not None and call.duration is None:
            call.duration = max(0, int((at - call.answered_at).total_seconds()))
    call.events = [*call.events, event.event]


def record_call_event(channel: Channel, event: CallEvent) -> Taken:
    """Take one event of a call (see the module's docstring)."""
    config = read_config(channel.config)
    now = clock.now()
    at = event.at or now
    with transaction.atomic():
        call, _ = Call.objects.select_for_update().get_or_create(
            channel=channel,
            call_id=event.call_id,
            defaults={"workspace_id": channel.workspace_id, "direction": event.direction},
        )
        duplicate = event.event in call.events
        newly_settled = False
        if not duplicate:
            _apply(call, event, config.region, at)
            if not call.settled:
                call.settled = _decide(call, config.answer_within, now)
                newly_settled = bool(call.settled)
            call.save()
    if newly_settled or (call.settled in WRITTEN and call.conversation_id is None):
        return settle(channel, call)
    if (
        not duplicate
        and event.event == "answered"
        and call.settled == Settled.MISSED
        and call.conversation_id is not None
    ):
        # Answered after all, past answer_within: the customer got through.
        _answered(call.conversation_id, call, created=False)
    return Taken("duplicate" if duplicate else "recorded", call.pk, call.conversation_id)


def _duration_text(seconds: int | None) -> str:
    if not seconds:
        return ""
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"


def call_data(call: Call) -> dict[str, Any]:
    """What the timeline keeps of a call (``Message.data["call"]``)."""
    return {
        "call_id": call.call_id,
        "direction": call.direction,
        "caller": call.caller,
        "called": call.called,
        "settled": call.settled,
        "started_at": call.started_at.isoformat() if call.started_at else None,
        "answered_at": call.answered_at.isoformat() if call.answered_at else None,
        "ended_at": call.ended_at.isoformat() if call.ended_at else None,
        "duration": call.duration,
        "recording_url": call.recording_url,
        "agent": call.agent,
    }


def _text_of(call: Call, language: str) -> str:
    number = shown_value(_customer_number(call)) if _customer_number(call) else "?"
    with translation.override(language):
        if call.settled == Settled.MISSED:
            return _("Missed call from %(number)s") % {"number": number}
        duration = _duration_text(call.duration)
        if call.direction == "outbound":
            text = _("Call to %(number)s") % {"number": number}
        else:
            text = _("Call from %(number)s, answered") % {"number": number}
        return f"{text} ({duration})" if duration else text


def settle(channel: Channel, call: Call) -> Taken:
    """Write what a settled call became: a callback, or an entry on the timeline."""
    if call.settled == Settled.NOT_REACHED:
        return Taken("recorded", call.pk)
    if call.settled == Settled.UNREACHABLE:
        reason = (
            f"call {call.call_id}: no phone number to call back or to find the customer by "
            f"({_customer_number(call) or 'the caller hid it'})"
        )
        ignore(
            source=SOURCE,
            reason=reason,
            workspace_id=channel.workspace_id,
            channel_id=channel.pk,
            payload=call_data(call),
        )
        return Taken("ignored", call.pk)
    language = _language(channel.workspace_id)
    number = _customer_number(call)
    inbound = InboundMessage(
        workspace_id=channel.workspace_id,
        channel_id=channel.pk,
        # The number as a name: a caller is known by it until an agent names them.
        sender=Sender(name=shown_value(number), phone=number),
        text=_text_of(call, language),
        external_id=f"call:{call.call_id}",
        sent_at=call.started_at,
        data={"call": call_data(call)},
    )
    try:
        result = ingest(inbound, source=SOURCE, channel=channel)
    except IngestFailed:
        return Taken("ignored", call.pk)  # kept, retryable, in RejectedInbound
    Call.objects.filter(pk=call.pk).update(conversation_id=result.conversation_id)
    if call.settled == Settled.MISSED:
        open_callback(result.conversation_id, call)
        _tag(result.conversation_id, language, on=True)
        return Taken("callback", call.pk, result.conversation_id)
    _answered(result.conversation_id, call, created=not result.duplicate)
    return Taken("answered", call.pk, result.conversation_id)


@transaction.atomic
def open_callback(conversation_id: int, call: Call) -> Callback:
    """A missed call on the conversation's open callback, or a new one due by the
    conversation's first-reply target. Each call is counted once."""
    conversation = Conversation.objects.select_for_update().get(pk=conversation_id)
    callback = Callback.objects.filter(
        conversation=conversation, status=CallbackStatus.OPEN
    ).first()
    missed_at = call.ended_at or call.started_at or clock.now()
    if callback is None:
        due = conversation.first_reply_due_at or conversation.next_reply_due_at
        callback = Callback.objects.create(
            workspace_id=conversation.workspace_id,
            conversation=conversation,
            phone=call.caller,
            missed_calls=1,
            call_ids=[call.call_id],
            last_missed_at=missed_at,
            due_at=due or (missed_at + FALLBACK_DUE),
        )
        return callback
    if call.call_id not in callback.call_ids:
        callback.call_ids = [*callback.call_ids, call.call_id]
        callback.missed_calls = len(callback.call_ids)
        callback.last_missed_at = max(callback.last_missed_at, missed_at)
        callback.save(update_fields=["call_ids", "missed_calls", "last_missed_at", "updated_at"])
    return callback


def _answered(conversation_id: int, call: Call, *, created: bool) -> None:
    """An answered call: an open callback on the conversation is done (the customer got
    through); a conversation that only holds this call is resolved, nothing being owed."""
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=conversation_id)
        callback = Callback.objects.filter(
            conversation=conversation, status=CallbackStatus.OPEN
        ).first()
        if callback is not None:
            _close(callback, Outcome.REACHED)
            timeline.record(conversation, "callback_done", outcome=Outcome.REACHED, by_call=True)
    if callback is not None:
        _tag(conversation_id, _language(conversation.workspace_id), on=False)
    if (
        created
        and callback is None
        and conversation.message_count <= 1
        and conversation.status not in (Status.RESOLVED, Status.CLOSED)
    ):
        set_status(conversation, None, Status.RESOLVED)


def callback_tag(language: str) -> str:
    """The tag an open callback puts on its conversation, in the workspace's language: the
    inbox shows it on the row and filters by it ("richiamare")."""
    with translation.override(language):
        return _("call-back")


def _tag(conversation_id: int, language: str, *, on: bool) -> None:
    conversation = Conversation.objects.get(pk=conversation_id)
    tag = callback_tag(language)
    names = [t.name for t in conversation.tags.all()]
    try:
        if on and tag not in names:
            set_tags(conversation, None, [*names, tag])
        elif not on and tag in names:
            set_tags(conversation, None, [n for n in names if n != tag])
    except SportelloError:
        pass  # a conversation with the most tags it may have: the call box still shows it


def _language(workspace_id: int) -> str:
    return (
        Workspace.objects.filter(pk=workspace_id).values_list("language", flat=True).first() or "it"
    )


def _close(callback: Callback, outcome: str) -> None:
    callback.status = CallbackStatus.DONE
    callback.outcome = outcome
    callback.done_at = clock.now()
    callback.save(update_fields=["status", "outcome", "done_at", "updated_at"])


def log_call(
    conversation: Conversation, agent: Agent, outcome: str, note: str = ""
) -> Callback | None:
    """An agent called the customer: the outcome and note on the timeline, the attempt on
    the open callback (done when reached or the number is wrong), the reply clock met.
    Returns the callback it counted on, or None when none was open."""
    if outcome not in Outcome.values:
        raise InvalidInput(f"unknown outcome {outcome!r}; use one of {', '.join(Outcome.values)}")
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise InvalidInput(f"note: at most {MAX_NOTE} characters")
    now = clock.now()
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(
            pk=conversation.pk, workspace_id=agent.workspace_id
        )
        callback = Callback.objects.filter(conversation=locked, status=CallbackStatus.OPEN).first()
        if callback is not None:
            callback.attempts += 1
            callback.outcome = outcome
            callback.save(update_fields=["attempts", "outcome", "updated_at"])
            if outcome in CLOSING_OUTCOMES:
                _close(callback, outcome)
        timeline.record(
            locked,
            "call_logged",
            agent,
            at=now,
            outcome=outcome,
            note=note,
            callback_id=callback.pk if callback else None,
            done=bool(callback and callback.status == CallbackStatus.DONE),
        )
    # A call back is the business's answer: the reply clock that ran is met (or late).
    reply_sent(locked.pk, now)
    if callback is not None and callback.status == CallbackStatus.DONE:
        _tag(locked.pk, _language(locked.workspace_id), on=False)
    return callback


def settle_pending(*, limit: int = 200) -> int:
    """The sweeper: calls still ringing past their channel's ``answer_within`` become
    callbacks without waiting for their end, and settled calls whose conversation was not
    written (a crash in between) are written. Returns how many it settled."""
    now = clock.now()
    done = 0
    # Every channel allows at least 5 s: a call younger than that cannot be missed yet.
    ringing = Call.objects.filter(
        settled="", answered_at__isnull=True, started_at__lte=now - timedelta(seconds=5)
    ).order_by("started_at")[:limit]
    unwritten = Call.objects.filter(settled__in=WRITTEN, conversation__isnull=True).order_by("pk")[
        :limit
    ]
    for call in [*ringing, *unwritten]:
        channel = Channel.objects.get(pk=call.channel_id)
        try:
            config = read_config(channel.config)
        except InvalidInput:
            continue
        with transaction.atomic():
            locked = Call.objects.select_for_update().get(pk=call.pk)
            newly_settled = False
            if not locked.settled:
                locked.settled = _decide(locked, config.answer_within, now)
                newly_settled = bool(locked.settled)
                locked.save(update_fields=["settled", "updated_at"])
        if newly_settled or (locked.settled in WRITTEN and locked.conversation_id is None):
            settle(channel, locked)
            done += 1
    return done
