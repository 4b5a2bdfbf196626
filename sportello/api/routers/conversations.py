from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status

from sportello.accounts.models import Agent, Team
from sportello.accounts.queries import active_agent_in, team_in
from sportello.api import present
from sportello.api.auth import current_agent
from sportello.api.schemas import (
    ConversationDetail,
    ConversationPage,
    ConversationPatch,
    Error,
    MessageOut,
    TextIn,
    ValidationErrorOut,
)
from sportello.channels.queries import active_channel
from sportello.conversations import actions
from sportello.conversations.queries import (
    InboxFilter,
    get_conversation,
    list_conversations,
    thread,
)
from sportello.core.errors import InvalidInput
from sportello.customers.queries import get_customer
from sportello.outbound.queries import delivery_status_for

router = Router(tags=["conversations"])


class ConversationQuery(Schema):
    view: str = "all"
    status: str | None = None
    customer_id: int | None = None
    assignee: str | None = None
    team: int | None = None
    channel: str | None = None
    tag: str | None = None
    q: str | None = None
    sort: str = "recent"
    cursor: str | None = None
    limit: int = 25


@router.get("", response={200: ConversationPage, 401: Error, 422: ValidationErrorOut})
def list_(request: HttpRequest, filters: Query[ConversationQuery]):  # type: ignore[no-untyped-def]
    """Conversations, newest activity first. `view`: unassigned, mine, team, open, snoozed,
    resolved, all. `assignee`: an agent id, `me` or `none`. `q`: full-text search over
    subjects and messages (Italian and English stems). Pass `next_cursor` as `cursor` for
    the next page."""
    agent = current_agent(request)
    f = InboxFilter(
        view=filters.view,
        status=filters.status,
        customer_id=filters.customer_id,
        team_id=filters.team,
        tag=filters.tag,
        q=filters.q or "",
        sort=filters.sort,
    )
    if filters.assignee == "me":
        f.assignee_id = agent.pk
    elif filters.assignee == "none":
        f.unassigned = True
    elif filters.assignee:
        if not filters.assignee.isdigit():
            raise InvalidInput("assignee must be an agent id, 'me' or 'none'")
        f.assignee_id = int(filters.assignee)
    if filters.channel:
        f.channel_id = active_channel(agent.workspace_id, filters.channel).pk
    page = list_conversations(
        agent.workspace_id, agent, f, cursor=filters.cursor, limit=filters.limit
    )
    return present.answer(
        {
            "items": [present.conversation_summary(c) for c in page.items],
            "next_cursor": page.next_cursor,
        }
    )


def _detail(agent: Agent, conversation_id: int) -> HttpResponse:
    conversation = get_conversation(agent.workspace_id, conversation_id)
    customer = get_customer(agent.workspace_id, conversation.customer_id)
    messages = thread(conversation)
    deliveries = delivery_status_for(
        (m.pk for m in messages if m.direction == "out" and m.kind == "message"),
        workspace_id=agent.workspace_id,
    )
    return present.answer(present.conversation_detail(conversation, customer, messages, deliveries))


@router.get("/{int:conversation_id}", response={200: ConversationDetail, 401: Error, 404: Error})
def detail(request: HttpRequest, conversation_id: int):  # type: ignore[no-untyped-def]
    """One conversation with its whole timeline, its customer and their identities."""
    return _detail(current_agent(request), conversation_id)


@router.patch(
    "/{int:conversation_id}",
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


@router.post(
    "/{int:conversation_id}/reply",
    response={201: MessageOut, 401: Error, 404: Error, 422: ValidationErrorOut},
)
def reply(request: HttpRequest, conversation_id: int, payload: TextIn):  # type: ignore[no-untyped-def]
    """Reply to the customer on the conversation's channel."""
    agent = current_agent(request)
    conversation = get_conversation(agent.workspace_id, conversation_id)
    message = actions.reply(conversation, agent, payload.text)
    state = delivery_status_for([message.pk]).get(message.pk)
    return Status(201, present.message(message, state))


@router.post(
    "/{int:conversation_id}/notes",
    response={201: MessageOut, 401: Error, 404: Error, 422: ValidationErrorOut},
)
def note(request: HttpRequest, conversation_id: int, payload: TextIn):  # type: ignore[no-untyped-def]
    """Add an internal note, seen by agents only."""
    agent = current_agent(request)
    conversation = get_conversation(agent.workspace_id, conversation_id)
    return Status(201, present.message(actions.add_note(conversation, agent, payload.text)))
