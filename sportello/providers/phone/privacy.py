"""A customer's calls and callbacks for the privacy tools (``privacy.holders``): listed in
their export, anonymised by their erasure. A call is the customer's when it is on one of
their conversations or its caller or called number is one of their identities (a call that
made no conversation, such as one from a hidden number, is found by the number).

Erasure keeps the rows (the channel's call counts and durations stay true) and empties
what names or records the person: the numbers, the recording's URL, the switchboard's
agent name and the event list. The notes agents logged live on the conversation's
timeline, which the erasure anonymises itself."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from sportello.privacy.holders import Subject
from sportello.providers.phone.models import Call, Callback


def _calls(subject: Subject) -> Any:
    mine = Q(conversation_id__in=subject.conversation_ids)
    numbers = [n for n in subject.identity_values if n]
    if numbers:
        mine |= Q(caller__in=numbers) | Q(called__in=numbers)
    return Call.objects.filter(mine, workspace_id=subject.workspace_id)


def _callbacks(subject: Subject) -> Any:
    mine = Q(conversation_id__in=subject.conversation_ids)
    numbers = [n for n in subject.identity_values if n]
    if numbers:
        mine |= Q(phone__in=numbers)
    return Callback.objects.filter(mine, workspace_id=subject.workspace_id)


def export_calls(subject: Subject) -> list[dict[str, Any]]:
    return [
        {
            "conversation_id": call.conversation_id,
            "direction": call.direction,
            "caller": call.caller,
            "called": call.called,
            "agent": call.agent,
            "started_at": call.started_at,
            "answered_at": call.answered_at,
            "ended_at": call.ended_at,
            "duration": call.duration,
            "recording_url": call.recording_url,
            "outcome": call.settled,
        }
        for call in _calls(subject).order_by("created_at", "id")
    ]


def export_callbacks(subject: Subject) -> list[dict[str, Any]]:
    return [
        {
            "conversation_id": callback.conversation_id,
            "phone": callback.phone,
            "status": callback.status,
            "missed_calls": callback.missed_calls,
            "last_missed_at": callback.last_missed_at,
            "due_at": callback.due_at,
            "attempts": callback.attempts,
            "outcome": callback.outcome,
            "done_at": callback.done_at,
        }
        for callback in _callbacks(subject).order_by("created_at", "id")
    ]


def erase_calls(subject: Subject) -> int:
    calls = _calls(subject).exclude(caller="", called="", recording_url="", agent="", events=[])
    return calls.update(caller="", called="", recording_url="", agent="", events=[])


def erase_callbacks(subject: Subject) -> int:
    return _callbacks(subject).exclude(phone="").update(phone="")
