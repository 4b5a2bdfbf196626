"""Rules in words: what a rule did on a conversation ("Regola “VIP”: priorità alta"),
for the timeline, in the reader's language."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from sportello.automation.rules.schema import ACTION_TYPES
from sportello.conversations.models import Priority, Status


def _label(choices: Any, value: Any) -> str:
    try:
        return str(choices(value).label).lower()
    except ValueError:
        return str(value)


def what_it_did(data: dict[str, Any]) -> str:
    action = data.get("action", "")
    if action == "assign_team":
        if data.get("agent"):
            return _("assigned to %(agent)s (team %(team)s)") % data
        return _("assigned to the team %(team)s") % data
    if action == "assign_agent":
        return _("assigned to %(agent)s") % data
    if action == "set_priority":
        return _("priority %(priority)s") % {"priority": _label(Priority, data.get("priority"))}
    if action == "add_tags":
        return _("tags %(tags)s") % {"tags": ", ".join(f"+{t}" for t in data.get("tags") or [])}
    if action == "remove_tags":
        return _("tags %(tags)s") % {"tags": ", ".join(f"−{t}" for t in data.get("tags") or [])}
    if action == "set_status":
        return _("status %(status)s") % {"status": _label(Status, data.get("status"))}
    if action == "add_note":
        return _("internal note added")
    if action == "notify":
        agents = data.get("agents") or []
        if not agents:
            return _("nobody to notify")
        return _("notified %(agents)s") % {"agents": ", ".join(agents)}
    if action == "webhook":
        return _("webhook called: %(url)s") % {"url": data.get("url", "")}
    if action == "send_reply":
        return _("automatic reply sent")
    if action == "apply_macro":
        return _("macro “%(macro)s” applied") % {"macro": data.get("macro", "")}
    return str(ACTION_TYPES.get(action, action))


def rule_line(event: str, data: dict[str, Any]) -> str:
    names = {"rule": data.get("rule", "")}
    if event == "rule_applied":
        return _("Rule “%(rule)s”: %(what)s") % {**names, "what": what_it_did(data)}
    if event == "rule_stopped":
        return _("Rule “%(rule)s” stopped: it kept triggering itself") % names
    return _("Rule “%(rule)s” could not %(action)s: %(error)s") % {
        **names,
        "action": str(ACTION_TYPES.get(data.get("action", ""), data.get("action", ""))).lower(),
        "error": data.get("error", ""),
    }
