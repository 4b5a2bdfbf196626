"""Canned replies and macros: agents keep their own replies and use the shared ones,
admins keep the shared replies and the macros; any agent applies a macro."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import StrictBool, StrictInt

from sportello.api.auth import current_agent
from sportello.api.schemas import Error, ValidationErrorOut
from sportello.automation import replies
from sportello.automation.models import CannedReply, Macro
from sportello.automation.reply_queries import canned_replies, get_canned_reply, get_macro, macros
from sportello.automation.variables import VARIABLES, render, unknown_variables
from sportello.conversations.queries import get_conversation

router = Router(tags=["canned replies"])
macro_router = Router(tags=["macros"])
apply_router = Router(tags=["macros"])

_WRITE = {401: Error, 403: Error, 404: Error, 422: ValidationErrorOut}
_VARIABLES = ", ".join("`{{ " + name + " }}`" for name in VARIABLES)


class CannedReplyIn(Schema):
    title: str = Field(..., max_length=120)
    shortcut: str = Field(..., max_length=41, description="`/spedizione` or `spedizione`")
    body: str = Field(..., max_length=10_000, description=f"Plain text; variables: {_VARIABLES}")
    language: str = Field("", description="`it`, `en`, or empty for any language")
    shared: StrictBool = Field(False, description="The workspace's (admins) rather than your own")


class CannedReplyPatch(Schema):
    title: str | None = Field(None, max_length=120)
    shortcut: str | None = Field(None, max_length=41)
    body: str | None = Field(None, max_length=10_000)
    language: str | None = None


class CannedReplyOut(Schema):
    id: int
    title: str
    shortcut: str
    language: str
    body: str
    shared: bool
    owner_id: int | None
    can_edit: bool
    unknown_variables: list[str] = Field(
        description="Names between double braces that are not variables: left as written"
    )
    created_at: datetime
    updated_at: datetime


class CannedQuery(Schema):
    q: str = Field("", max_length=200, description="Words of the shortcut, title or text")
    lang: str = Field("", description="`it` or `en`: the replies in it and for any language")


class RenderIn(Schema):
    conversation_id: StrictInt


class RenderOut(Schema):
    text: str
    language: str
    unknown: list[str] = Field(description="Variables Sportello does not know, left visible")
    missing: list[str] = Field(description="Variables without a value here, left visible")


def _reply_out(reply: CannedReply, agent: Any) -> dict[str, Any]:
    return {
        "id": reply.pk,
        "title": reply.title,
        "shortcut": reply.shortcut,
        "language": reply.language,
        "body": reply.body,
        "shared": reply.is_shared,
        "owner_id": reply.owner_id,
        "can_edit": replies.may_change_reply(agent, reply),
        "unknown_variables": unknown_variables(reply.body),
        "created_at": reply.created_at,
        "updated_at": reply.updated_at,
    }


@router.get("", response={200: list[CannedReplyOut], 401: Error, 422: ValidationErrorOut})
def list_canned_replies(request: HttpRequest, query: Query[CannedQuery]):  # type: ignore[no-untyped-def]
    """The shared replies and your own, your own first: search with `q`, keep one
    language (and those for any) with `lang`."""
    agent = current_agent(request)
    if query.lang not in ("", "it", "en"):
        return Status(422, {"detail": "lang: use 'it' or 'en'", "errors": []})
    found = canned_replies(agent, q=query.q, language=query.lang)
    return [_reply_out(r, agent) for r in found]


@router.post("", response={201: CannedReplyOut, **_WRITE})
def create_canned_reply(request: HttpRequest, payload: CannedReplyIn):  # type: ignore[no-untyped-def]
    """Add a reply: your own, or with `shared` the workspace's (admins)."""
    agent = current_agent(request)
    reply = replies.create_canned_reply(agent, **payload.model_dump())
    return Status(201, _reply_out(reply, agent))


@router.get("/{rowid:reply_id}", response={200: CannedReplyOut, 401: Error, 404: Error})
def get_reply(request: HttpRequest, reply_id: int):  # type: ignore[no-untyped-def]
    agent = current_agent(request)
    return _reply_out(get_canned_reply(agent, reply_id), agent)


@router.patch("/{rowid:reply_id}", response={200: CannedReplyOut, **_WRITE})
def patch_canned_reply(request: HttpRequest, reply_id: int, payload: CannedReplyPatch):  # type: ignore[no-untyped-def]
    """Change your own reply, or (admins) a shared one; fields left out stay."""
    agent = current_agent(request)
    reply = get_canned_reply(agent, reply_id)
    changes = {k: v for k, v in payload.model_dump(exclude_unset=True).items() if v is not None}
    return _reply_out(replies.update_canned_reply(agent, reply, **changes), agent)


@router.delete("/{rowid:reply_id}", response={204: None, **_WRITE})
def delete_canned_reply(request: HttpRequest, reply_id: int):  # type: ignore[no-untyped-def]
    """Delete your own reply, or (admins) a shared one."""
    agent = current_agent(request)
    replies.delete_canned_reply(agent, get_canned_reply(agent, reply_id))
    return Status(204, None)


@router.post("/{rowid:reply_id}/render", response={200: RenderOut, **_WRITE})
def render_canned_reply(request: HttpRequest, reply_id: int, payload: RenderIn):  # type: ignore[no-untyped-def]
    """The reply's text for one conversation, its variables filled (the due time in the
    customer's words and language). Nothing is sent."""
    agent = current_agent(request)
    reply = get_canned_reply(agent, reply_id)
    conversation = get_conversation(agent.workspace_id, payload.conversation_id)
    rendered = render(reply.body, conversation, agent, language=reply.language)
    return {
        "text": rendered.text,
        "language": rendered.language,
        "unknown": rendered.unknown,
        "missing": rendered.missing,
    }


# --- macros ----------------------------------------------------------------------------------


class MacroIn(Schema):
    name: str = Field(..., max_length=120)
    canned_reply_id: StrictInt | None = Field(None, description="A shared canned reply to send")
    reply_text: str = Field(
        "", max_length=10_000, description=f"Or the reply's own text; variables: {_VARIABLES}"
    )
    reply_text_en: str = Field(
        "",
        max_length=10_000,
        description="The reply in English, for customers who write in English "
        "(`reply_text` goes to the others)",
    )
    note: str = Field("", max_length=10_000, description="An internal note to add")
    add_tags: list[str] = []
    remove_tags: list[str] = []
    priority: StrictInt | None = Field(None, description="0 low, 1 normal, 2 high, 3 urgent")
    assignee_id: StrictInt | None = None
    team_id: StrictInt | None = None
    status: str = Field("", description="open, pending, snoozed, resolved, closed")
    snooze: str = Field("", description="With status snoozed: `1h`, `tomorrow`, `monday`")


class MacroPatch(Schema):
    name: str | None = Field(None, max_length=120)
    canned_reply_id: StrictInt | None = None
    reply_text: str | None = Field(None, max_length=10_000)
    reply_text_en: str | None = Field(None, max_length=10_000)
    note: str | None = Field(None, max_length=10_000)
    add_tags: list[str] | None = None
    remove_tags: list[str] | None = None
    priority: StrictInt | None = None
    assignee_id: StrictInt | None = None
    team_id: StrictInt | None = None
    status: str | None = None
    snooze: str | None = None


class MacroOut(MacroIn):
    id: int


class MacroAppliedOut(Schema):
    conversation_id: int
    macro_id: int
    reply_id: int | None
    status: str
    priority: int
    assignee_id: int | None
    team_id: int | None
    tags: list[str]


def _macro_out(macro: Macro) -> dict[str, Any]:
    return {"id": macro.pk, **replies.macro_values(macro)}


@macro_router.get("", response={200: list[MacroOut], 401: Error})
def list_macros(request: HttpRequest):  # type: ignore[no-untyped-def]
    """The workspace's macros by name."""
    agent = current_agent(request)
    return [_macro_out(m) for m in macros(agent.workspace_id)]


@macro_router.post("", response={201: MacroOut, **_WRITE})
def create_macro(request: HttpRequest, payload: MacroIn):  # type: ignore[no-untyped-def]
    """Add a macro (admins): a reply (a shared canned reply or its own text), a note,
    tags to add and remove, a priority, an assignee or team, a status."""
    agent = current_agent(request)
    return Status(201, _macro_out(replies.create_macro(agent, **payload.model_dump())))


@macro_router.get("/{rowid:macro_id}", response={200: MacroOut, 401: Error, 404: Error})
def get_one_macro(request: HttpRequest, macro_id: int):  # type: ignore[no-untyped-def]
    agent = current_agent(request)
    return _macro_out(get_macro(agent.workspace_id, macro_id))


@macro_router.patch("/{rowid:macro_id}", response={200: MacroOut, **_WRITE})
def patch_macro(request: HttpRequest, macro_id: int, payload: MacroPatch):  # type: ignore[no-untyped-def]
    """Change a macro (admins); fields left out stay, `null` clears an id or priority."""
    agent = current_agent(request)
    macro = get_macro(agent.workspace_id, macro_id)
    changes = payload.model_dump(exclude_unset=True)
    return _macro_out(replies.update_macro(agent, macro, **changes))


@macro_router.delete("/{rowid:macro_id}", response={204: None, **_WRITE})
def delete_macro(request: HttpRequest, macro_id: int):  # type: ignore[no-untyped-def]
    agent = current_agent(request)
    replies.delete_macro(agent, get_macro(agent.workspace_id, macro_id))
    return Status(204, None)


@apply_router.post(
    "/{rowid:conversation_id}/macros/{rowid:macro_id}", response={200: MacroAppliedOut, **_WRITE}
)
def apply_macro(request: HttpRequest, conversation_id: int, macro_id: int):  # type: ignore[no-untyped-def]
    """Apply a macro to the conversation: all its steps or, if one is refused, none."""
    agent = current_agent(request)
    conversation = get_conversation(agent.workspace_id, conversation_id)
    macro = get_macro(agent.workspace_id, macro_id)
    applied = replies.apply_macro(conversation, macro, agent)
    conversation = get_conversation(agent.workspace_id, conversation_id)
    return {
        "conversation_id": conversation.pk,
        "macro_id": macro.pk,
        "reply_id": applied.reply.pk if applied.reply else None,
        "status": conversation.status,
        "priority": conversation.priority,
        "assignee_id": conversation.assignee_id,
        "team_id": conversation.team_id,
        "tags": sorted(conversation.tag_names),
    }
