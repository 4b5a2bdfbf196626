from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Header, Query, Router, Schema, Status
from ninja.errors import ValidationError
from pydantic import AwareDatetime, StrictBool, StrictInt, WithJsonSchema, field_validator

from sportello.accounts.models import Agent, Team
from sportello.accounts.queries import active_agent_in, team_in
from sportello.api import present
from sportello.api.auth import current_agent
from sportello.api.schemas import (
    ConversationBulkIn,
    ConversationBulkOut,
    ConversationDetail,
    ConversationPage,
    ConversationPatch,
    Error,
    MessageOut,
    ReplyIn,
    ValidationErrorOut,
    WriteIn,
)
from sportello.channels.models import Channel
from sportello.conversations import actions
from sportello.conversations.actions.merge import merge_conversations, unmerge_conversations
from sportello.conversations.attachments import Upload
from sportello.conversations.filters import (
    DEFAULT_LIMIT,
    DEFAULT_SORT,
    DEFAULT_VIEW,
    ME,
    NOBODY,
    SORTS,
    STATUSES,
    VIEWS,
    parse_inbox_query,
)
from sportello.conversations.models import Status as ConversationStatus
from sportello.conversations.queries import get_conversation, list_conversations, thread
from sportello.core import clock
from sportello.core.errors import InvalidInput
from sportello.customers.queries import get_customer
from sportello.outbound.actions import send_reply
from sportello.outbound.queries import delivery_status_for
from sportello.outbound.starting import start_conversation
from sportello.sla.queries import snooze_preset_until

router = Router(tags=["conversations"])


def _documented(**schema: Any) -> WithJsonSchema:
    """What OpenAPI shows of a query field the filter set parses: its type and values."""
    return WithJsonSchema({"type": "string", **schema})


_ID = _documented(type="integer")


# The inbox's filter set (conversations.filters) as the API documents it: each field
# arrives as text for the filter set to parse, which refuses what does not parse; the
# types and values shown are the filter set's, and pydantic does not check them again.
class ConversationQuery(Schema):
    """Which conversations to list. A value that does not parse is refused (422), with
    an error naming its field."""

    view: Annotated[str, _documented(enum=list(VIEWS))] = DEFAULT_VIEW
    status: Annotated[str, _documented(enum=list(STATUSES))] | None = None
    customer_id: Annotated[str, _ID] | None = None
    assignee: str | None = Field(None, description=f"An agent's id, `{ME}` or `{NOBODY}`")
    team: Annotated[str, _ID] | None = None
    channel: str | None = Field(None, description="A channel's slug or id")
    tag: str | None = None
    q: str | None = None
    sort: Annotated[str, _documented(enum=list(SORTS))] = DEFAULT_SORT
    cursor: str | None = None
    limit: Annotated[str, _documented(type="integer")] = Field(
        str(DEFAULT_LIMIT), json_schema_extra={"default": DEFAULT_LIMIT}
    )

    @field_validator("view", "status", "customer_id", "team", "sort", "limit")
    @classmethod
    def not_blank(cls, value: str | None) -> str | None:
        """``?sort=`` is not one of the values the document lists: refused (the web's
        filter form, whose blank menus mean "any", reads its own fields)."""
        if value is not None and not value.strip():
            raise ValueError("must not be empty")
        return value


@router.get("", response={200: ConversationPage, 401: Error, 422: ValidationErrorOut})
def list_(request: HttpRequest, filters: Query[ConversationQuery]):  # type: ignore[no-untyped-def]
    """Conversations, newest activity first. `view`: unassigned, mine, team, open, snoozed,
    resolved, all. `assignee`: an agent id, `me` or `none`. `channel`: a channel's slug or
    id. `q`: full-text search over subjects and messages (Italian and English stems). Pass
    `next_cursor` as `cursor` for the next page."""
    agent = current_agent(request)
    query = parse_inbox_query(filters.model_dump(exclude_none=True), agent)
    if query.errors:
        raise ValidationError(
            [
                {"type": "value_error", "loc": ("query", name), "msg": message}
                for name, message in query.errors.items()
            ]
        )
    page = list_conversations(
        agent.workspace_id, agent, query.filter, cursor=query.cursor, limit=query.limit
    )
    return present.answer(
        {
            "items": [present.conversation_summary(c) for c in page.items],
            "next_cursor": page.next_cursor,
        }
    )


@router.post("/bulk", response={200: ConversationBulkOut, 401: Error, 422: ValidationErrorOut})
def bulk(request: HttpRequest, payload: ConversationBulkIn):  # type: ignore[no-untyped-def]
    """The same triage on several conversations (at most 100): `assignee_id` (`null`
    unassigns), `team_id` (`null` clears), `status` (open, pending, resolved), `add_tags`.
    Each conversation changes as a single PATCH would (timeline, live events); an id that
    is not one of the workspace's is refused, not found, and the others still change. 422
    when nothing is asked or what is asked is not valid (an agent of another workspace)."""
    agent = current_agent(request)
    given = payload.model_fields_set
    changes: dict = {}
    if "assignee_id" in given:
        changes["assignee"] = (
            None
            if payload.assignee_id is None
            else _agent_in(agent.workspace_id, payload.assignee_id)
        )
    if "team_id" in given:
        changes["team"] = (
            None if payload.team_id is None else _team_in(agent.workspace_id, payload.team_id)
        )
    result = actions.bulk_update(
        agent.workspace_id,
        agent,
        payload.ids,
        status=payload.status,
        add_tags=payload.add_tags,
        **changes,
    )
    return {
        "updated": result.updated,
        "refused": [{"id": r.id, "reason": r.reason} for r in result.refused],
    }


class FirstTemplateIn(Schema):
    name: str = Field(..., max_length=512, description="An approved template's name")
    language: str = Field(..., max_length=16, description="Its language code, e.g. `it`")
    parameters: list[str] = Field(
        default_factory=list, max_length=64, description="One value for each `{{n}}` of its body"
    )


class NewConversationIn(Schema):
    channel_id: StrictInt = Field(
        ...,
        description=(
            "A channel whose kind can write first: email (with its SMTP server), SMS, "
            "WhatsApp (with an approved template) or Telegram (to a customer who wrote to "
            "the bot)"
        ),
    )
    to: str = Field(
        "",
        max_length=320,
        description=(
            "The customer's address on that channel (an email address, a phone number, a "
            "Telegram id); by default the customer's own on file"
        ),
    )
    subject: str = Field("", max_length=300, description="Required by email")
    text: str = Field(
        "", max_length=100_000, description="The first message; not on WhatsApp, see template"
    )
    template: FirstTemplateIn | None = Field(
        None, description="WhatsApp only: the approved template the first message fills"
    )
    customer_id: StrictInt | None = Field(
        None, description="The customer it is for; by default the owner of `to`, or a new one"
    )


@router.post(
    "", response={201: ConversationDetail, 401: Error, 404: Error, 422: ValidationErrorOut}
)
def start(request: HttpRequest, payload: NewConversationIn):  # type: ignore[no-untyped-def]
    """Start a conversation on any channel that can write first: the customer who owns
    `to` (or a new customer with it, where the channel may write to anyone), a new
    conversation, and the agent's first message queued for sending as any reply; 201 with
    the conversation. 422, saying why, when the channel cannot start one for this customer
    (no SMTP server, WhatsApp without an approved template, a Telegram bot the customer
    never wrote to, no consent)."""
    agent = current_agent(request)
    channel = Channel.objects.filter(pk=payload.channel_id, workspace_id=agent.workspace_id).first()
    if channel is None:
        raise InvalidInput(f"no channel {payload.channel_id} in this workspace")
    customer = None
    if payload.customer_id is not None:
        customer = get_customer(agent.workspace_id, payload.customer_id)
    started = start_conversation(
        agent,
        channel,
        to=payload.to,
        subject=payload.subject,
        text=payload.text,
        template=payload.template.model_dump() if payload.template is not None else None,
        customer=customer,
    )
    response = _detail(agent, started.conversation.pk)
    response.status_code = 201
    return response


def _detail(agent: Agent, conversation_id: int) -> HttpResponse:
    conversation = get_conversation(agent.workspace_id, conversation_id)
    customer = get_customer(agent.workspace_id, conversation.customer_id)
    messages = thread(conversation)
    deliveries = delivery_status_for(
        (m.pk for m in messages if m.direction == "out" and m.kind == "message"),
        workspace_id=agent.workspace_id,
    )
    return present.answer(present.conversation_detail(conversation, customer, messages, deliveries))


@router.get("/{rowid:conversation_id}", response={200: ConversationDetail, 401: Error, 404: Error})
def detail(request: HttpRequest, conversation_id: int):  # type: ignore[no-untyped-def]
    """One conversation with its whole timeline, its customer and their identities."""
    return _detail(current_agent(request), conversation_id)


@router.patch(
    "/{rowid:conversation_id}",
    response={200: ConversationDetail, 401: Error, 404: Error, 422: ValidationErrorOut},
)
def patch(request: HttpRequest, conversation_id: int, payload: ConversationPatch):  # type: ignore[no-untyped-def]
    """Change status (with `snoozed_until` to snooze), assignee, team, priority or tags.
    Fields left out stay as they are; `assignee_id: null` unassigns."""
    agent = current_agent(request)
    conversation = get_conversation(agent.workspace_id, conversation_id)
    given = payload.model_fields_set
    changes: dict = {}
    if "assignee_id" in given:
        changes["assignee"] = (
            None
            if payload.assignee_id is None
            else _agent_in(agent.workspace_id, payload.assignee_id)
        )
    if "team_id" in given:
        changes["team"] = (
            None if payload.team_id is None else _team_in(agent.workspace_id, payload.team_id)
        )
    actions.update_conversation(
        conversation,
        agent,
        status=payload.status,
        snoozed_until=payload.snoozed_until,
        priority=payload.priority,
        tags=payload.tags,
        **changes,
    )
    return _detail(agent, conversation_id)


class SnoozeIn(Schema):
    """Exactly one of ``preset`` and ``until``."""

    preset: Literal["1h", "tomorrow", "monday"] | None = Field(
        None,
        description=(
            "`1h`: one business hour; `tomorrow`: the next business day's opening; "
            "`monday`: the first opening from next Monday (clock time, mornings at 09:00, "
            "without a business calendar)"
        ),
    )
    until: AwareDatetime | None = Field(None, description="A wake-up time with its offset")


@router.post(
    "/{rowid:conversation_id}/snooze",
    response={200: ConversationDetail, 401: Error, 404: Error, 422: ValidationErrorOut},
)
def snooze_(request: HttpRequest, conversation_id: int, payload: SnoozeIn):  # type: ignore[no-untyped-def]
    """Snooze the conversation until a preset (in business time on the workspace's default
    calendar) or a given time; it comes back open then, or when the customer writes."""
    agent = current_agent(request)
    conversation = get_conversation(agent.workspace_id, conversation_id)
    if (payload.preset is None) == (payload.until is None):
        raise InvalidInput("give either preset or until")
    until = payload.until
    if payload.preset is not None:
        until = snooze_preset_until(agent.workspace_id, payload.preset, clock.now())
    actions.set_status(conversation, agent, ConversationStatus.SNOOZED, snoozed_until=until)
    return _detail(agent, conversation_id)


def _agent_in(workspace_id: int, agent_id: int) -> Agent:
    found = active_agent_in(workspace_id, agent_id)
    if found is None:
        raise InvalidInput(f"no agent {agent_id} in this workspace")
    return found


def _team_in(workspace_id: int, team_id: int) -> Team:
    found = team_in(workspace_id, team_id)
    if found is None:
        raise InvalidInput(f"no team {team_id} in this workspace")
    return found


IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=255,
        description=(
            "A key of the client's choosing (a UUID) that makes a retry safe: the same key "
            "again returns the reply stored the first time, with 200, and sends nothing "
            "more. The same key with another text is refused (422). Unique per workspace."
        ),
    ),
]


@router.post(
    "/{rowid:conversation_id}/reply",
    response={200: MessageOut, 201: MessageOut, 401: Error, 404: Error, 422: ValidationErrorOut},
)
def reply(  # type: ignore[no-untyped-def]
    request: HttpRequest,
    conversation_id: int,
    payload: ReplyIn,
    idempotency_key: IdempotencyKey = None,
):
    """Reply to the customer: 201 with the reply, or 200 with the one stored earlier under
    the same ``Idempotency-Key``. It goes out on ``channel_id`` when given (one of the
    conversation's channels: a merged conversation has several), else on the channel of
    the customer's latest message. 422, saying why, when that channel cannot deliver it
    (no SMTP server, WhatsApp's 24-hour window closed) or is not the conversation's."""
    agent = current_agent(request)
    conversation = get_conversation(agent.workspace_id, conversation_id)
    sent = send_reply(
        conversation,
        agent,
        payload.text,
        idempotency_key=idempotency_key,
        uploads=_uploads(payload),
        via=payload.channel_id,
    )
    message = sent.message
    state = delivery_status_for([message.pk]).get(message.pk)
    return Status(201 if sent.created else 200, present.message(message, state))


@router.post(
    "/{rowid:conversation_id}/video-call",
    response={201: MessageOut, 401: Error, 404: Error, 422: ValidationErrorOut},
)
def video_call(request: HttpRequest, conversation_id: int):  # type: ignore[no-untyped-def]
    """Offer the customer a video call: a meeting link made for this conversation (Jitsi
    Meet by default, the web chat channel's ``video_base_url`` otherwise), posted as the
    agent's reply; 201 with the reply."""
    from sportello.providers.webchat.actions import offer_video_call

    agent = current_agent(request)
    conversation = get_conversation(agent.workspace_id, conversation_id)
    message = offer_video_call(conversation, agent).message
    state = delivery_status_for([message.pk]).get(message.pk)
    return Status(201, present.message(message, state))


@router.post(
    "/{rowid:conversation_id}/notes",
    response={201: MessageOut, 401: Error, 404: Error, 422: ValidationErrorOut},
)
def note(request: HttpRequest, conversation_id: int, payload: WriteIn):  # type: ignore[no-untyped-def]
    """Add an internal note, seen by agents only."""
    agent = current_agent(request)
    conversation = get_conversation(agent.workspace_id, conversation_id)
    note = actions.add_note(conversation, agent, payload.text, uploads=_uploads(payload))
    return Status(201, present.message(note))


def _uploads(payload: WriteIn) -> list[Upload]:
    """The body's files, decoded; a file that is not valid base64 is refused (422)."""
    uploads = []
    for attachment in payload.attachments:
        try:
            content = base64.b64decode(attachment.content_base64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise InvalidInput(f"attachment {attachment.filename!r} is not valid base64") from exc
        uploads.append(Upload(attachment.filename, content))
    return uploads


class ConversationMergeIn(Schema):
    other_id: StrictInt = Field(ge=1, le=2**63 - 1)
    different_customers: StrictBool = Field(
        False, description="Confirm merging conversations of two different customers"
    )


class ConversationUnmergeIn(Schema):
    other_id: StrictInt = Field(ge=1, le=2**63 - 1)


class ConversationMergeOut(Schema):
    conversation_id: int
    other_id: int
    moved: int = Field(description="Messages and notes that moved")


MERGE_RESPONSES: dict[int, Any] = {
    200: ConversationMergeOut,
    401: Error,
    404: Error,
    409: Error,
    422: ValidationErrorOut,
}


@router.post(
    "/{rowid:conversation_id}/merge",
    response={
        200: ConversationMergeOut,
        401: Error,
        404: Error,
        409: Error,
        422: ValidationErrorOut,
    },
)
def merge(request: HttpRequest, conversation_id: int, payload: ConversationMergeIn):  # type: ignore[no-untyped-def]
    """Merge conversation `other_id` into this one (the same issue written about on two
    channels, say email and WhatsApp): its messages and notes move here, each keeping its
    channel; the other is resolved and its timeline points here. One transaction, in the
    audit log, undone by `unmerge`. 422 for a conversation into itself, 404 for one of
    another workspace, 409 for two customers' conversations without
    `different_customers`, or for one merged already."""
    agent = current_agent(request)
    done = merge_conversations(
        agent.workspace_id,
        conversation_id,
        payload.other_id,
        by=agent,
        different_customers=payload.different_customers,
    )
    return {"conversation_id": done.kept.pk, "other_id": done.other.pk, "moved": done.moved}


@router.post(
    "/{rowid:conversation_id}/unmerge",
    response={
        200: ConversationMergeOut,
        401: Error,
        404: Error,
        409: Error,
        422: ValidationErrorOut,
    },
)
def unmerge(request: HttpRequest, conversation_id: int, payload: ConversationUnmergeIn):  # type: ignore[no-untyped-def]
    """Undo the merge of `other_id` into this conversation: the messages that moved go
    back, the other reopens if it was open. 404 when they were not merged, 409 when undone
    already."""
    agent = current_agent(request)
    done = unmerge_conversations(agent.workspace_id, conversation_id, payload.other_id, by=agent)
    return {"conversation_id": done.kept.pk, "other_id": done.other.pk, "moved": done.moved}
