"""The only writers of canned replies and macros, and :func:`apply_macro`, which the
conversation page, the API and the rules engine call to apply one.

Who may change what is decided here, once for every interface: an agent keeps their own
personal replies; the shared ones and the macros are an admin's. Another agent's personal
reply is not found (404), not forbidden: nobody learns it exists."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_noop

from sportello.accounts.models import Agent, Team
from sportello.accounts.queries import active_agent_in, team_in
from sportello.audit.actions import record
from sportello.automation.models import CannedReply, Macro, ReplyLanguage, SnoozePreset
from sportello.automation.variables import render, reply_language, unknown_variables
from sportello.conversations import actions as conversation_actions
from sportello.conversations.actions.manage import normalize_tag
from sportello.conversations.models import Conversation, Message, Priority, Status
from sportello.core import clock
from sportello.core.errors import InvalidInput, NotFound, PermissionDenied
from sportello.outbound.actions import (
    automatic_refusal,
    queue_delivery,
    send_reply,
)
from sportello.outbound.readiness import reply_refusal
from sportello.sla.queries import snooze_preset_until

MAX_TITLE = 120
MAX_BODY = 10_000
MAX_TAGS = 30
SHORTCUT = re.compile(r"[^\W_][\w-]{0,39}")
MACRO = "macro"


# --- canned replies --------------------------------------------------------------------------


class ShortcutTaken(InvalidInput):
    """Another reply of the same kind (shared, or the same agent's) has this shortcut."""


def may_change_reply(agent: Agent, reply: CannedReply) -> bool:
    """An agent changes their own personal replies; an admin also the shared ones."""
    return reply.owner_id == agent.pk if reply.owner_id else agent.can_configure


def _check_reply_access(agent: Agent, reply: CannedReply) -> None:
    if reply.workspace_id != agent.workspace_id or (
        reply.owner_id is not None and reply.owner_id != agent.pk
    ):
        raise NotFound(f"canned reply {reply.pk} not found")
    if not may_change_reply(agent, reply):
        raise PermissionDenied("only admins change the shared canned replies")


def clean_shortcut(value: str) -> str:
    """ "/Spedizione" is stored as "spedizione": letters, digits, "-" and "_", 40 at most."""
    shortcut = (value or "").strip().lstrip("/").lower()
    if not SHORTCUT.fullmatch(shortcut):
        raise InvalidInput(
            "shortcut: use 1 to 40 letters, digits, '-' or '_', starting with a letter or digit"
        )
    return shortcut


def _clean_reply_fields(title: str, shortcut: str, language: str, body: str) -> dict[str, str]:
    title = " ".join((title or "").split())
    if not title or len(title) > MAX_TITLE:
        raise InvalidInput(f"title: write 1 to {MAX_TITLE} characters")
    if language not in ReplyLanguage.values:
        raise InvalidInput("language: use 'it', 'en' or '' (any)")
    body = (body or "").strip()
    if not body or len(body) > MAX_BODY:
        raise InvalidInput(f"body: write 1 to {MAX_BODY} characters")
    return {
        "title": title,
        "shortcut": clean_shortcut(shortcut),
        "language": language,
        "body": body,
    }


def _save_reply(reply: CannedReply) -> None:
    taken = CannedReply.objects.filter(
        workspace_id=reply.workspace_id, owner_id=reply.owner_id, shortcut=reply.shortcut
    ).exclude(pk=reply.pk)
    if taken.exists():
        raise ShortcutTaken(f"shortcut: /{reply.shortcut} is already used by another reply")
    try:
        with transaction.atomic():
            reply.save()
    except IntegrityError:  # the same shortcut saved at the same moment
        raise InvalidInput(
            f"shortcut: /{reply.shortcut} is already used by another reply"
        ) from None


def _audit_shared(reply: CannedReply, verb: str) -> None:
    if reply.owner_id is None:
        record(
            reply.workspace_id,
            f"canned_reply.{verb}",
            target_type="canned_reply",
            target_id=reply.pk,
            detail={"shortcut": reply.shortcut},
        )


@transaction.atomic
def create_canned_reply(
    agent: Agent,
    *,
    title: str,
    shortcut: str,
    body: str,
    language: str = "",
    shared: bool = False,
) -> CannedReply:
    """A new reply: the agent's own, or (admins) the workspace's shared one."""
    if shared and not agent.can_configure:
        raise PermissionDenied("only admins add shared canned replies")
    reply = CannedReply(
        workspace_id=agent.workspace_id,
        owner=None if shared else agent,
        **_clean_reply_fields(title, shortcut, language, body),
    )
    _save_reply(reply)
    _audit_shared(reply, "created")
    return reply


@transaction.atomic
def add_shared_reply(
    workspace_id: int, *, title: str, shortcut: str, body: str, language: str = ""
) -> CannedReply:
    """A shared reply put in by the system, with no agent acting (the demo shop): the
    same checks as an admin's; a shortcut already shared is left as it is."""
    fields = _clean_reply_fields(title, shortcut, language, body)
    existing = CannedReply.objects.filter(
        workspace_id=workspace_id, owner__isnull=True, shortcut=fields["shortcut"]
    ).first()
    if existing is not None:
        return existing
    reply = CannedReply(workspace_id=workspace_id, owner=None, **fields)
    _save_reply(reply)
    _audit_shared(reply, "created")
    return reply


@transaction.atomic
def update_canned_reply(agent: Agent, reply: CannedReply, **changes: Any) -> CannedReply:
    """Change any of ``title``, ``shortcut``, ``language``, ``body`` (checked again)."""
    _check_reply_access(agent, reply)
    unknown = set(changes) - {"title", "shortcut", "language", "body"}
    if unknown:
        raise InvalidInput(f"cannot change {', '.join(sorted(unknown))}")
    values = {name: changes.get(name, getattr(reply, name)) for name in _REPLY_FIELDS}
    for name, value in _clean_reply_fields(**values).items():
        setattr(reply, name, value)
    _save_reply(reply)
    _audit_shared(reply, "updated")
    return reply


_REPLY_FIELDS = ("title", "shortcut", "language", "body")


@transaction.atomic
def delete_canned_reply(agent: Agent, reply: CannedReply) -> None:
    """Delete it; a macro that used it keeps its other steps (and sends no reply)."""
    _check_reply_access(agent, reply)
    _audit_shared(reply, "deleted")
    reply.delete()


# --- macros ----------------------------------------------------------------------------------


class MacroRefused(InvalidInput):
    """A macro that cannot be saved as given, said twice: ``message`` in English for the
    API and the log ("name: write 1 to 120 characters"), and ``text`` with ``params``
    for the agent UI to say in the admin's language (every ``text`` is marked for the
    catalogue here). ``field`` names what is wrong, as ``MACRO_FIELDS`` does; empty when
    it is the macro as a whole."""

    def __init__(self, field: str, text: str, **params: Any) -> None:
        said = text % params if params else text
        super().__init__(f"{field}: {said}" if field else said)
        self.field = field
        self.text = text
        self.params = params


def _clean_tags(names: list[str] | None, where: str) -> list[str]:
    try:
        tags = list(dict.fromkeys(normalize_tag(str(n)) for n in names or []))
    except InvalidInput as exc:
        raise MacroRefused(where, gettext_noop("a tag is empty or too long")) from exc
    if len(tags) > MAX_TAGS:
        raise MacroRefused(where, gettext_noop("at most %(count)d tags"), count=MAX_TAGS)
    return tags


def _clean_macro(workspace_id: int, values: dict[str, Any]) -> dict[str, Any]:
    """The macro's fields as stored, each checked; ids become rows of this workspace.
    The API and the macro builder both save through here, so they refuse alike."""
    name = " ".join(str(values.get("name") or "").split())
    if not name or len(name) > MAX_TITLE:
        raise MacroRefused("name", gettext_noop("write 1 to %(count)d characters"), count=MAX_TITLE)
    canned: CannedReply | None = None
    if values.get("canned_reply_id") is not None:
        canned = CannedReply.objects.filter(
            workspace_id=workspace_id, pk=values["canned_reply_id"], owner__isnull=True
        ).first()
        if canned is None:
            raise MacroRefused(
                "canned_reply_id", gettext_noop("no shared canned reply with this id")
            )
    reply_text = str(values.get("reply_text") or "").strip()
    reply_text_en = str(values.get("reply_text_en") or "").strip()
    if canned is not None and (reply_text or reply_text_en):
        raise MacroRefused(
            "reply_text", gettext_noop("give either a canned reply or the reply's text, not both")
        )
    note = str(values.get("note") or "").strip()
    for where, text in (
        ("reply_text", reply_text),
        ("reply_text_en", reply_text_en),
        ("note", note),
    ):
        if len(text) > MAX_BODY:
            raise MacroRefused(where, gettext_noop("at most %(count)d characters"), count=MAX_BODY)
        unknown = unknown_variables(text)
        if unknown:
            raise MacroRefused(
                where,
                gettext_noop("unknown variable %(variable)s"),
                variable="{{ " + unknown[0] + " }}",
            )
    priority = values.get("priority")
    if priority is not None and priority not in Priority.values:
        raise MacroRefused(
            "priority",
            gettext_noop("use one of %(choices)s"),
            choices=", ".join(str(v) for v in Priority.values),
        )
    assignee: Agent | None = None
    if values.get("assignee_id") is not None:
        assignee = active_agent_in(workspace_id, values["assignee_id"])
        if assignee is None:
            raise MacroRefused(
                "assignee_id",
                gettext_noop("no active agent %(id)s in this workspace"),
                id=values["assignee_id"],
            )
    team: Team | None = None
    if values.get("team_id") is not None:
        team = team_in(workspace_id, values["team_id"])
        if team is None:
            raise MacroRefused(
                "team_id", gettext_noop("no team %(id)s in this workspace"), id=values["team_id"]
            )
    status = str(values.get("status") or "")
    snooze = str(values.get("snooze") or "")
    if status and status not in Status.values:
        raise MacroRefused(
            "status", gettext_noop("use one of %(choices)s"), choices=", ".join(Status.values)
        )
    if snooze and snooze not in SnoozePreset.values:
        raise MacroRefused(
            "snooze",
            gettext_noop("use one of %(choices)s"),
            choices=", ".join(SnoozePreset.values),
        )
    if (status == Status.SNOOZED) != bool(snooze):
        raise MacroRefused(
            "snooze", gettext_noop("choose when it wakes up exactly when the status is snoozed")
        )
    add_tags = _clean_tags(values.get("add_tags"), "add_tags")
    remove_tags = _clean_tags(values.get("remove_tags"), "remove_tags")
    both = set(add_tags) & set(remove_tags)
    if both:
        raise MacroRefused(
            "remove_tags",
            gettext_noop("the tag %(tag)s is both added and removed"),
            tag=sorted(both)[0],
        )
    cleaned = {
        "name": name,
        "canned_reply": canned,
        "reply_text": reply_text,
        "reply_text_en": reply_text_en,
        "note": note,
        "add_tags": add_tags,
        "remove_tags": remove_tags,
        "priority": priority,
        "assignee": assignee,
        "team": team,
        "status": status,
        "snooze": snooze,
    }
    steps = [v for k, v in cleaned.items() if k != "name" and v not in (None, "", [])]
    if not steps:
        raise MacroRefused("", gettext_noop("a macro needs at least one step"))
    return cleaned


MACRO_FIELDS = (
    "name",
    "canned_reply_id",
    "reply_text",
    "reply_text_en",
    "note",
    "add_tags",
    "remove_tags",
    "priority",
    "assignee_id",
    "team_id",
    "status",
    "snooze",
)


def macro_values(macro: Macro) -> dict[str, Any]:
    return {name: getattr(macro, name) for name in MACRO_FIELDS}


def _only_admins(agent: Agent) -> None:
    if not agent.can_configure:
        raise PermissionDenied("only admins change the macros")


def _name_taken(macro: Macro) -> MacroRefused:
    return MacroRefused(
        "name", gettext_noop("a macro called “%(name)s” exists already"), name=macro.name
    )


def _save_macro(macro: Macro, verb: str) -> None:
    taken = Macro.objects.filter(workspace_id=macro.workspace_id, name=macro.name)
    if taken.exclude(pk=macro.pk).exists():
        raise _name_taken(macro)
    try:
        with transaction.atomic():
            macro.save()
    except IntegrityError:
        raise _name_taken(macro) from None
    record(
        macro.workspace_id,
        f"macro.{verb}",
        target_type="macro",
        target_id=macro.pk,
        detail={"name": macro.name},
    )


@transaction.atomic
def create_macro(agent: Agent, **values: Any) -> Macro:
    """A new macro of the agent's workspace (admins); see ``MACRO_FIELDS``."""
    _only_admins(agent)
    macro = Macro(workspace_id=agent.workspace_id, **_clean_macro(agent.workspace_id, values))
    _save_macro(macro, "created")
    return macro


@transaction.atomic
def update_macro(agent: Agent, macro: Macro, **changes: Any) -> Macro:
    """Change some of its fields (admins): the whole macro is checked again."""
    _only_admins(agent)
    if macro.workspace_id != agent.workspace_id:
        raise NotFound(f"macro {macro.pk} not found")
    unknown = set(changes) - set(MACRO_FIELDS)
    if unknown:
        raise InvalidInput(f"cannot change {', '.join(sorted(unknown))}")
    for name, value in _clean_macro(macro.workspace_id, macro_values(macro) | changes).items():
        setattr(macro, name, value)
    _save_macro(macro, "updated")
    return macro


@transaction.atomic
def delete_macro(agent: Agent, macro: Macro) -> None:
    _only_admins(agent)
    if macro.workspace_id != agent.workspace_id:
        raise NotFound(f"macro {macro.pk} not found")
    record(
        macro.workspace_id,
        "macro.deleted",
        target_type="macro",
        target_id=macro.pk,
        detail={"name": macro.name},
    )
    macro.delete()


# --- applying a macro ------------------------------------------------------------------------


def snooze_until(preset: str, workspace_id: int, now: datetime) -> datetime:
    """When a snooze preset wakes the conversation: the status control's own rule
    (``sla.snooze``), in business time on the default calendar."""
    return snooze_preset_until(workspace_id, preset, now)


@dataclass(frozen=True)
class MacroApplied:
    """What :func:`apply_macro` stored: the reply (``None`` without a reply step) and the
    timeline event that says the macro was applied."""

    reply: Message | None
    event: Message


@transaction.atomic
def apply_macro(
    conversation: Conversation, macro: Macro, actor: Agent | None, *, rule: str = ""
) -> MacroApplied:
    """Apply ``macro``'s steps to ``conversation``, all in one transaction: if one is
    refused (WhatsApp's closed window, a snooze in the past) nothing is kept.

    Each step is the conversations' or outbound's own action, so each records its own
    timeline event and publishes its own domain event, and the timeline first says
    "Macro 'X' applied by Y". ``actor`` is the agent who clicked, or ``None`` when a rule
    applies it (``rule``: its name): then the reply is an automatic one (no sender agent,
    no ``first_reply_at``) and the note is kept on the macro's event. A variable without
    a value is left empty in the reply: nobody reads it before it goes.
    Order: reply, note, tags, priority, assignment, status (so a macro may answer and
    resolve)."""
    if macro.workspace_id != conversation.workspace_id:
        raise NotFound(f"macro {macro.pk} not found")
    event = conversation_actions.record_event(
        conversation.pk,
        "macro_applied",
        macro=macro.name,
        macro_id=macro.pk,
        agent=actor.display_name if actor else "",
        agent_id=actor.pk if actor else None,
        rule=rule,
        **({"note": macro.note} if actor is None and macro.note else {}),
    )
    reply = _reply_step(conversation, macro, actor)
    if macro.note and actor is not None:
        note = render(macro.note, conversation, actor).text
        conversation_actions.add_note(conversation, actor, note)
    if macro.add_tags or macro.remove_tags:
        current = list(conversation.tags.values_list("name", flat=True))
        removed = set(macro.remove_tags)
        wanted = [t for t in current if t not in removed] + [
            t for t in macro.add_tags if t not in current
        ]
        conversation_actions.set_tags(conversation, actor, wanted)
    if macro.priority is not None:
        conversation_actions.set_priority(conversation, actor, macro.priority)
    if macro.assignee_id is not None or macro.team_id is not None:
        changes: dict[str, Any] = {}
        if macro.assignee_id is not None:
            changes["assignee"] = macro.assignee
        if macro.team_id is not None:
            changes["team"] = macro.team
        conversation_actions.assign(conversation, actor, **changes)
    if macro.status:
        until = None
        if macro.status == Status.SNOOZED:
            until = snooze_until(macro.snooze, conversation.workspace_id, clock.now())
        conversation_actions.set_status(conversation, actor, macro.status, snoozed_until=until)
    return MacroApplied(reply=reply, event=event)


def macro_reply(macro: Macro, conversation: Conversation) -> tuple[str, str]:
    """The text ``macro`` answers ``conversation`` with, and the language its variables
    speak ("" for the customer's): the canned reply's; else the English text for a
    customer who writes in English, when the macro has one; else its main text (or the
    English one, when that is all it has)."""
    canned = macro.canned_reply
    if canned is not None:
        return canned.body, canned.language
    if macro.reply_text_en and (
        not macro.reply_text or reply_language(conversation) == ReplyLanguage.ENGLISH
    ):
        return macro.reply_text_en, ReplyLanguage.ENGLISH
    return macro.reply_text, ""


def _reply_step(conversation: Conversation, macro: Macro, actor: Agent | None) -> Message | None:
    body, language = macro_reply(macro, conversation)
    if not body:
        return None
    # Nobody reads a macro's reply before it goes: a variable without a value is left
    # empty rather than sent as "{{ customer.first_name }}".
    text = render(body, conversation, actor, language=language, blank_missing=True).text
    if actor is not None:
        return send_reply(conversation, actor, text).message
    refusal = reply_refusal(conversation) or automatic_refusal(conversation)
    if refusal is not None:
        raise InvalidInput(refusal)
    message = conversation_actions.automatic_reply(conversation, text, reason=MACRO)
    queue_delivery(message)
    return message
