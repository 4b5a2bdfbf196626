"""The read side of canned replies and macros, shared by the API and the agent UI."""

from __future__ import annotations

from django.db.models import F, Q, QuerySet

from sportello.accounts.models import Agent
from sportello.automation.models import CannedReply, Macro
from sportello.core.errors import NotFound

MAX_RESULTS = 200


def canned_replies(agent: Agent, *, q: str = "", language: str = "") -> QuerySet[CannedReply]:
    """The replies ``agent`` may use: the workspace's shared ones and their own, personal
    first, by shortcut. ``q`` finds words in the shortcut, title or text ("/sped" finds
    /spedizione); ``language`` keeps the replies in it and those for any language."""
    found = CannedReply.objects.filter(
        Q(owner__isnull=True) | Q(owner=agent), workspace_id=agent.workspace_id
    )
    for word in (q or "").lstrip("/").split()[:5]:
        found = found.filter(
            Q(shortcut__icontains=word) | Q(title__icontains=word) | Q(body__icontains=word)
        )
    if language:
        found = found.filter(language__in=[language, ""])
    return found.order_by(F("owner_id").asc(nulls_last=True), "shortcut", "id")[:MAX_RESULTS]


def get_canned_reply(agent: Agent, reply_id: int) -> CannedReply:
    """One reply ``agent`` may use; another agent's personal one is not found."""
    reply = (
        CannedReply.objects.filter(Q(owner__isnull=True) | Q(owner=agent), pk=reply_id)
        .filter(workspace_id=agent.workspace_id)
        .first()
    )
    if reply is None:
        raise NotFound(f"canned reply {reply_id} not found")
    return reply


def macros(workspace_id: int) -> QuerySet[Macro]:
    return (
        Macro.objects.filter(workspace_id=workspace_id)
        .select_related("canned_reply", "assignee", "team")
        .order_by("name", "id")
    )


def get_macro(workspace_id: int, macro_id: int) -> Macro:
    macro = macros(workspace_id).filter(pk=macro_id).first()
    if macro is None:
        raise NotFound(f"macro {macro_id} not found")
    return macro
