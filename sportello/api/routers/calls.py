"""Calls with customers: an agent logs a call back and its outcome; the callback owed.

Mounted beside the conversations router, under ``/conversations/{id}/calls`` and
``/conversations/{id}/callback``: a call is part of one conversation's story.
"""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from sportello.api.auth import current_agent
from sportello.api.schemas import Error, ValidationErrorOut
from sportello.conversations.queries import get_conversation
from sportello.core.errors import NotFound
from sportello.providers.phone.actions import MAX_NOTE, log_call
from sportello.providers.phone.models import Callback, Outcome
from sportello.providers.phone.queries import callback_of

router = Router(tags=["calls"])


class CallIn(Schema):
    outcome: Outcome = Field(
        description=(
            "How the call went: reached, no_answer, voicemail (a message left) or "
            "wrong_number. reached and wrong_number close the open callback."
        )
    )
    note: str = Field("", max_length=MAX_NOTE, description="What was said or agreed.")


class CallbackOut(Schema):
    id: int
    conversation_id: int
    phone: str = Field(description="The number to call, E.164.")
    status: str = Field(description="open (to call back) or done.")
    missed_calls: int
    last_missed_at: datetime
    due_at: datetime | None = Field(description="By the conversation's first-reply target.")
    attempts: int
    outcome: str
    done_at: datetime | None


def _out(callback: Callback) -> CallbackOut:
    return CallbackOut(
        id=callback.pk,
        conversation_id=callback.conversation_id,
        phone=callback.phone,
        status=callback.status,
        missed_calls=callback.missed_calls,
        last_missed_at=callback.last_missed_at,
        due_at=callback.due_at,
        attempts=callback.attempts,
        outcome=callback.outcome,
        done_at=callback.done_at,
    )


class CallLogged(Schema):
    outcome: str
    callback: CallbackOut | None = Field(
        description="The callback the call counted on (null when none was open)."
    )


@router.post(
    "/{rowid:conversation_id}/calls",
    response={201: CallLogged, 401: Error, 404: Error, 422: ValidationErrorOut},
)
def log(request: HttpRequest, conversation_id: int, payload: CallIn):  # type: ignore[no-untyped-def]
    """Log a call an agent made to the customer, with its outcome and a note: on the
    timeline, counted on the open callback (closed when reached or the number is wrong),
    and meeting the conversation's reply target."""
    agent = current_agent(request)
    conversation = get_conversation(agent.workspace_id, conversation_id)
    callback = log_call(conversation, agent, payload.outcome, payload.note)
    return Status(
        201, CallLogged(outcome=payload.outcome, callback=_out(callback) if callback else None)
    )


@router.get(
    "/{rowid:conversation_id}/callback", response={200: CallbackOut, 401: Error, 404: Error}
)
def callback(request: HttpRequest, conversation_id: int):  # type: ignore[no-untyped-def]
    """The conversation's callback: the open one, else the latest; 404 when it has none."""
    agent = current_agent(request)
    conversation = get_conversation(agent.workspace_id, conversation_id)
    found = callback_of(agent.workspace_id, conversation.pk)
    if found is None:
        raise NotFound(f"conversation {conversation_id} has no callback")
    return _out(found)
