"""Timeline events in words: "Giulia assigned the conversation to Marco", "Status: open →
resolved". Events store facts (``Message.data``); the sentence is made when it is shown, in
the reader's language."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from sportello.conversations.models import Conversation, Message, Priority, Status
from sportello.providers.phone.present import event_line as phone_event_line
from sportello.web.reasons import delivery_reason
from sportello.web.rule_words import rule_line
from sportello.web.times import ordinal, short_time


@dataclass(frozen=True)
class EventLine:
    """What one timeline event says; ``actor`` is shown after ``text`` when not in it."""

    text: str
    actor: str = ""
    # A conversation the event leads to (``#12``), shown as a link after the text.
    link_number: int | None = None


def _status(value: Any) -> str:
    try:
        return str(Status(value).label).lower()
    except ValueError:
        return str(value)


def _priority(value: Any) -> str:
    try:
        return str(Priority(value).label).lower()
    except ValueError:
        return str(value)


def _actor(message: Message) -> str:
    return message.sender_name or _("Sportello")


def describe(message: Message, conversation: Conversation) -> EventLine:
    data = message.data or {}
    event = message.event
    if event == "created":
        names = {"channel": conversation.channel.name, "to": data.get("to", "")}
        if message.sender_agent_id is None:
            return EventLine(_("Conversation opened on %(channel)s") % names)
        linked = data.get("from_number")
        if linked:
            text = _("Conversation started on %(channel)s to %(to)s, continuing")
        else:
            text = _("Conversation started on %(channel)s to %(to)s")
        return EventLine(text % names, _actor(message), link_number=int(linked) if linked else None)
    if event == "continued_elsewhere":
        names = {"channel": data.get("channel", ""), "to": data.get("to", "")}
        return EventLine(
            _("Continued on %(channel)s to %(to)s in") % names,
            _actor(message),
            link_number=int(data.get("number") or 0) or None,
        )
    if event == "assigned":
        names = {
            "actor": _actor(message),
            "assignee": data.get("assignee"),
            "team": data.get("team"),
        }
        took = (
            data.get("assignee_id") is not None
            and data.get("assignee_id") == message.sender_agent_id
        )
        if took and names["team"]:
            text = _("%(actor)s took the conversation (team %(team)s)")
        elif took:
            text = _("%(actor)s took the conversation")
        elif names["assignee"] and names["team"]:
            text = _("%(actor)s assigned the conversation to %(assignee)s (team %(team)s)")
        elif names["assignee"]:
            text = _("%(actor)s assigned the conversation to %(assignee)s")
        elif names["team"]:
            text = _("%(actor)s assigned the conversation to the team %(team)s")
        else:
            text = _("%(actor)s unassigned the conversation")
        return EventLine(text % names)
    if event == "status_changed":
        text = _("Status: %(old)s → %(new)s") % {
            "old": _status(data.get("old")),
            "new": _status(data.get("new")),
        }
        if data.get("reason") == "customer":
            return EventLine(text, _("the customer wrote again"))
        return EventLine(text, _actor(message))
    if event == "priority_changed":
        text = _("Priority: %(old)s → %(new)s") % {
            "old": _priority(data.get("old")),
            "new": _priority(data.get("new")),
        }
        return EventLine(text, _actor(message))
    if event == "tags_changed":
        parts = [f"+{name}" for name in data.get("added") or []]
        parts += [f"−{name}" for name in data.get("removed") or []]
        return EventLine(_("Tags: %(changes)s") % {"changes": ", ".join(parts)}, _actor(message))
    if event == "merged_into":
        text = _("Merged into conversation #%(number)s") % {"number": data.get("number", "")}
        if data.get("undone"):
            text += " · " + _("undone")
        return EventLine(text, _actor(message))
    if event == "merged_from":
        return EventLine(
            _("Conversation #%(number)s merged into this one") % {"number": data.get("number", "")},
            _actor(message),
        )
    if event == "merge_undone":
        return EventLine(
            _("Merge with conversation #%(number)s undone") % {"number": data.get("number", "")},
            _actor(message),
        )
    if event == "anonymised":
        return EventLine(_("Personal data removed from this conversation"))
    if event in ("sla_warning", "sla_breached"):
        return _sla_line(event, data)
    if event == "message_edited":
        text = _("The customer edited a message")
        if data.get("text"):
            text += f": “{str(data['text'])[:200]}”"
        return EventLine(text, message.sender_name)
    if event == "message_deleted":
        return EventLine(_("The customer deleted a message"), message.sender_name)
    if event == "sent_elsewhere":
        text = _("Sent from Meta's app, outside Sportello")
        if data.get("text"):
            text += f": “{str(data['text'])[:200]}”"
        return EventLine(text, message.sender_name)
    if event == "delivery_failed":
        text = _("A reply was not delivered")
        if data.get("error"):
            text += f": {delivery_reason(str(data['error']))[:300]}"
        return EventLine(text, message.sender_name)
    if event == "macro_applied":
        return _macro_line(data)
    if event in ("rule_applied", "rule_stopped", "rule_action_failed"):
        return EventLine(rule_line(event, data))
    if event == "acknowledgement_skipped":
        reasons = _acknowledgement_reasons()
        reason = str(data.get("reason", ""))
        return EventLine(
            _("No automatic reply: %(reason)s") % {"reason": reasons.get(reason, reason)}
        )
    if event in ("survey_answered", "survey_skipped"):
        return EventLine(_survey_line(event, data))
    if event in ("repeat_contact", "repeat_contact_later"):
        return EventLine(_repeat_line(event, data))
    phone = phone_event_line(event, data)
    if phone is not None:
        return EventLine(phone, message.sender_name)
    return EventLine(event.replace("_", " "), message.sender_name)


def _macro_line(data: dict[str, Any]) -> EventLine:
    """ "Macro “Shipped” applied by Giulia", or by a rule (with the note it carried)."""
    names = {
        "macro": data.get("macro", ""),
        "actor": data.get("agent") or _("Sportello"),
        "rule": data.get("rule") or "",
    }
    if names["rule"]:
        text = _("Macro “%(macro)s” applied by the rule “%(rule)s”") % names
    else:
        text = _("Macro “%(macro)s” applied by %(actor)s") % names
    if data.get("note"):
        text += f": {str(data['note'])[:500]}"
    return EventLine(text)


def _survey_line(event: str, data: dict[str, Any]) -> str:
    """ "The customer rated the support 4/5: “…”", or why no survey was sent."""
    nps = data.get("kind") == "nps"
    if event == "survey_skipped":
        reasons = {
            **_acknowledgement_reasons(),
            "no_agent_reply": _("nobody on the team answered"),
            "spam": _("the conversation was spam"),
            "recently_surveyed": _("the customer had one a short time ago"),
            "erased": _("the customer's data was erased"),
        }
        reason = str(data.get("reason", ""))
        what = _("No NPS survey") if nps else _("No satisfaction survey")
        return f"{what}: {reasons.get(reason, reason)}"
    score = data.get("score")
    if nps:
        text = _("The customer answered the NPS survey: %(score)s/10") % {"score": score}
    else:
        text = _("The customer rated the support %(score)s/5") % {"score": score}
    if data.get("comment"):
        text += f": “{str(data['comment'])[:500]}”"
    return text


def _acknowledgement_reasons() -> dict[str, str]:
    return {
        "auto_reply": _("the message was written by a machine (an automatic reply)"),
        "bounce": _("the message is a bounce"),
        "no_reply": _("the sender does not read replies (no-reply address)"),
        "opted_out": _("the customer asked for no automatic replies"),
        "no_consent": _("the customer asked not to be contacted, or withdrew consent"),
        "channel_cannot_send": _("this channel cannot send replies"),
        "recently_acknowledged": _("the customer had one a short time ago"),
    }


def _sla_targets() -> dict[str, str]:
    return {
        "first_reply": _("First reply"),
        "next_reply": _("Next reply"),
        "resolution": _("Resolution"),
    }


def _sla_line(event: str, data: dict[str, Any]) -> EventLine:
    """The breach scanner's warning or breach, with the due time in the reader's zone."""
    target = _sla_targets().get(data.get("target", ""), str(data.get("target", "")))
    due = parse_datetime(str(data.get("due_at", "")))
    names = {"target": target, "time": short_time(due) if due is not None else "?"}
    if event == "sla_warning":
        return EventLine(_("%(target)s due %(time)s: the target is about to be missed") % names)
    return EventLine(_("%(target)s target missed (due %(time)s)") % names)


def _repeat_line(event: str, data: dict[str, Any]) -> str:
    names = {
        "ordinal": ordinal(int(data.get("contact_number") or 2)),
        "number": data.get("earlier_number") or data.get("later_number") or "?",
    }
    if data.get("reference"):
        names["reference"] = data["reference"]
        if event == "repeat_contact":
            text = _(
                "Repeat contact: %(ordinal)s contact about #%(number)s (same number %(reference)s)"
            )
        else:
            text = _(
                "The customer wrote again in #%(number)s (%(ordinal)s contact, same number "
                "%(reference)s)"
            )
    elif event == "repeat_contact":
        text = _("Repeat contact: %(ordinal)s contact about #%(number)s (similar words)")
    else:
        text = _("The customer wrote again in #%(number)s (%(ordinal)s contact, similar words)")
    return text % names
