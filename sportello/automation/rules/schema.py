"""What a rule may say: its fields, operators and action types, checked before a rule is
saved so that a saved rule always runs. Every refusal names the row and what is wrong
(the API answers it as a 422, the editor shows it above the form)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.utils.translation import gettext_lazy as _

from sportello.accounts.models import Agent, Team
from sportello.automation import wording
from sportello.automation.models import TIMED_EVENTS, Macro, RuleEvent
from sportello.channels import registry
from sportello.channels.models import Channel
from sportello.conversations.actions.manage import normalize_tag
from sportello.conversations.models import Priority, Status
from sportello.core.errors import InvalidInput
from sportello.customers.models import Segment

MAX_CONDITIONS = 20
MAX_ACTIONS = 10
MAX_TEXT = 2000
MAX_WAIT_MINUTES = 60 * 24 * 60  # sixty days

# Operators, by what they compare.
OPERATORS: dict[str, Any] = {
    "is": _("is"),
    "is_not": _("is not"),
    "contains": _("contains"),
    "not_contains": _("does not contain"),
    "has": _("has"),
    "has_not": _("has not"),
    "at_least": _("is at least"),
    "at_most": _("is at most"),
    "is_set": _("is set"),
    "is_not_set": _("is not set"),
}
_EQUAL = ("is", "is_not")
_WORDS = ("contains", "not_contains")
_WHO = ("is", "is_not", "is_set", "is_not_set")
_NO_VALUE = ("is_set", "is_not_set")
_COUNT = ("is", "at_least", "at_most")
MAX_COUNT = 1000


@dataclass(frozen=True)
class Field:
    """A field a condition reads: its label, its operators and the kind of its value
    (``text``, ``channel_kind``, ``channel``, ``language``, ``tag``, ``priority``,
    ``status``, ``team``, ``agent``, ``bool``, ``target``, ``count``, ``rating``,
    ``segment``)."""

    label: Any
    operators: tuple[str, ...]
    value: str


FIELDS: dict[str, Field] = {
    "channel_kind": Field(_("Channel kind"), _EQUAL, "channel_kind"),
    "channel": Field(_("Channel"), _EQUAL, "channel"),
    "text": Field(_("Message text"), _WORDS, "text"),
    "subject": Field(_("Subject"), _WORDS, "text"),
    "language": Field(_("Language"), _EQUAL, "language"),
    "tag": Field(_("Tag"), ("has", "has_not"), "tag"),
    "priority": Field(_("Priority"), (*_EQUAL, "at_least", "at_most"), "priority"),
    "status": Field(_("Status"), _EQUAL, "status"),
    "team": Field(_("Team"), _WHO, "team"),
    "assignee": Field(_("Assignee"), _WHO, "agent"),
    "customer_name": Field(_("Customer name"), _WORDS, "text"),
    "customer_language": Field(_("Customer language"), _EQUAL, "language"),
    "segment": Field(_("Customer segment"), _EQUAL, "segment"),
    "business_hours": Field(_("Within business hours"), ("is",), "bool"),
    "sla_target": Field(_("SLA target"), _EQUAL, "target"),
    "repeat_count": Field(_("Contact number about the same issue"), _COUNT, "count"),
    # The stars of a review (1-5; none for a mention), on the message that triggered.
    "rating": Field(_("Rating"), (*_EQUAL, "at_least", "at_most", *_NO_VALUE), "rating"),
}
SLA_TARGETS: dict[str, Any] = {
    "first_reply": _("First reply"),
    "next_reply": _("Next reply"),
    "resolution": _("Resolution"),
}

ACTION_TYPES: dict[str, Any] = {
    "assign_team": _("Assign to a team"),
    "assign_agent": _("Assign to an agent"),
    "set_priority": _("Set the priority"),
    "add_tags": _("Add tags"),
    "remove_tags": _("Remove tags"),
    "set_status": _("Set the status"),
    "add_note": _("Add an internal note"),
    "notify": _("Notify"),
    "webhook": _("Call a webhook"),
    "send_reply": _("Send a reply"),
    "apply_macro": _("Apply a macro"),
}
ASSIGN_MODES: dict[str, Any] = {
    "team_only": _("the team only"),
    "round_robin": _("an agent of the team, in turn (round-robin)"),
    "least_busy": _("the least busy agent of the team"),
}
RECIPIENTS: dict[str, Any] = {
    "assignee_or_team": _("the assignee, else the team"),
    "assignee": _("the assignee"),
    "team": _("the team"),
    "supervisors": _("the supervisors and admins"),
}
SETTABLE_STATUSES = (Status.OPEN, Status.PENDING, Status.RESOLVED, Status.CLOSED)
# Placeholders of a rule's reply (the acknowledgement's): {name}, {number}, and the first
# reply's due {time} and {date} in the customer's words.
REPLY_PLACEHOLDERS = wording.PLACEHOLDERS


def _text(value: Any, where: str, *, limit: int = 200) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{where}: a text is needed")
    if len(value) > limit:
        raise InvalidInput(f"{where}: at most {limit} characters")
    return value.strip()


def _integer(value: Any, where: str) -> int:
    if isinstance(value, bool):
        raise InvalidInput(f"{where}: a number is needed")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{where}: a number is needed, not {value!r}") from None


def _team(workspace_id: int, value: Any, where: str) -> int:
    team_id = _integer(value, where)
    if not Team.objects.filter(workspace_id=workspace_id, pk=team_id).exists():
        raise InvalidInput(f"{where}: no team {team_id} in this workspace")
    return team_id


def _agent(workspace_id: int, value: Any, where: str) -> int:
    agent_id = _integer(value, where)
    if not Agent.objects.filter(workspace_id=workspace_id, pk=agent_id, is_active=True).exists():
        raise InvalidInput(f"{where}: no active agent {agent_id} in this workspace")
    return agent_id


def _macro(workspace_id: int, value: Any, where: str) -> int:
    macro_id = _integer(value, where)
    if not Macro.objects.filter(workspace_id=workspace_id, pk=macro_id).exists():
        raise InvalidInput(f"{where}: no macro {macro_id} in this workspace")
    return macro_id


def _priority(value: Any, where: str) -> int:
    priority = _integer(value, where)
    if priority not in Priority.values:
        raise InvalidInput(f"{where}: priority must be one of {Priority.values}")
    return priority


def _bool(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "1", "yes", 1):
        return True
    if value in ("false", "0", "no", 0, ""):
        return False
    raise InvalidInput(f"{where}: true or false, not {value!r}")


def _value(workspace_id: int, kind: str, value: Any, where: str) -> Any:
    if kind == "text":
        return _text(value, where)
    if kind == "channel_kind":
        if value not in registry.kinds():
            raise InvalidInput(f"{where}: unknown channel kind {value!r}")
        return value
    if kind == "channel":
        channel_id = _integer(value, where)
        if not Channel.objects.filter(workspace_id=workspace_id, pk=channel_id).exists():
            raise InvalidInput(f"{where}: no channel {channel_id} in this workspace")
        return channel_id
    if kind == "language":
        code = _text(value, where, limit=8).lower()
        if not code.replace("-", "").isalpha():
            raise InvalidInput(f"{where}: a language code such as 'it' or 'en'")
        return code
    if kind == "tag":
        try:
            return normalize_tag(_text(value, where))
        except InvalidInput as exc:
            raise InvalidInput(f"{where}: {exc.message}") from None
    if kind == "priority":
        return _priority(value, where)
    if kind == "status":
        if value not in Status.values:
            raise InvalidInput(f"{where}: status must be one of {', '.join(Status.values)}")
        return value
    if kind == "team":
        return _team(workspace_id, value, where)
    if kind == "agent":
        return _agent(workspace_id, value, where)
    if kind == "bool":
        return _bool(value, where)
    if kind == "count":
        count = _integer(value, where)
        if not 1 <= count <= MAX_COUNT:
            raise InvalidInput(f"{where}: a number from 1 to {MAX_COUNT}")
        return count
    if kind == "rating":
        rating = _integer(value, where)
        if not 1 <= rating <= 5:
            raise InvalidInput(f"{where}: a rating from 1 to 5")
        return rating
    if kind == "segment":
        if value not in Segment.values:
            raise InvalidInput(f"{where}: segment must be one of {', '.join(Segment.values)}")
        return value
    if kind == "target":
        if value not in SLA_TARGETS:
            raise InvalidInput(f"{where}: target must be one of {', '.join(SLA_TARGETS)}")
        return value
    raise AssertionError(kind)


def check_condition(workspace_id: int, condition: Any, where: str) -> dict[str, Any]:
    if not isinstance(condition, dict):
        raise InvalidInput(f"{where}: a condition is {{field, operator, value}}")
    name = condition.get("field")
    field = FIELDS.get(name)  # type: ignore[arg-type]
    if field is None:
        raise InvalidInput(f"{where}: unknown field {name!r}; use one of {', '.join(FIELDS)}")
    operator = condition.get("operator")
    if operator not in field.operators:
        raise InvalidInput(
            f"{where}: unknown operator {operator!r} for {name}; "
            f"use one of {', '.join(field.operators)}"
        )
    checked: dict[str, Any] = {"field": name, "operator": operator}
    if operator not in _NO_VALUE:
        checked["value"] = _value(workspace_id, field.value, condition.get("value"), where)
    return checked


def check_conditions(workspace_id: int, conditions: Any) -> dict[str, list[dict[str, Any]]]:
    """``{"all": [...], "any": [...]}``, each condition checked; empty lists match all."""
    if conditions in (None, {}):
        return {"all": [], "any": []}
    if not isinstance(conditions, dict) or set(conditions) - {"all", "any"}:
        raise InvalidInput('conditions: an object with the lists "all" and "any"')
    checked: dict[str, list[dict[str, Any]]] = {}
    for group in ("all", "any"):
        rows = conditions.get(group) or []
        if not isinstance(rows, list):
            raise InvalidInput(f"conditions.{group}: a list of conditions")
        checked[group] = [
            check_condition(workspace_id, row, f"conditions.{group}[{i}]")
            for i, row in enumerate(rows)
        ]
    if len(checked["all"]) + len(checked["any"]) > MAX_CONDITIONS:
        raise InvalidInput(f"conditions: at most {MAX_CONDITIONS}")
    return checked


def _tags(value: Any, where: str) -> list[str]:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list):
        raise InvalidInput(f"{where}: a list of tags")
    try:
        tags = list(dict.fromkeys(normalize_tag(str(t)) for t in value if str(t).strip()))
    except InvalidInput as exc:
        raise InvalidInput(f"{where}: {exc.message}") from None
    if not tags:
        raise InvalidInput(f"{where}: at least one tag")
    return tags


def _url(value: Any, where: str) -> str:
    url = _text(value, where, limit=500)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(f"{where}: an http(s) address, not {url!r}")
    return url


def check_action(workspace_id: int, action: Any, where: str) -> dict[str, Any]:
    if not isinstance(action, dict):
        raise InvalidInput(f"{where}: an action is {{type, ...}}")
    kind = action.get("type")
    if kind not in ACTION_TYPES:
        raise InvalidInput(
            f"{where}: unknown action {kind!r}; use one of {', '.join(ACTION_TYPES)}"
        )
    if kind == "assign_team":
        mode = action.get("mode") or "team_only"
        if mode not in ASSIGN_MODES:
            raise InvalidInput(f"{where}.mode: one of {', '.join(ASSIGN_MODES)}")
        return {
            "type": kind,
            "team_id": _team(workspace_id, action.get("team_id"), f"{where}.team_id"),
            "mode": mode,
        }
    if kind == "assign_agent":
        return {"type": kind, "agent_id": _agent(workspace_id, action.get("agent_id"), where)}
    if kind == "set_priority":
        return {"type": kind, "priority": _priority(action.get("priority"), f"{where}.priority")}
    if kind in ("add_tags", "remove_tags"):
        return {"type": kind, "tags": _tags(action.get("tags"), f"{where}.tags")}
    if kind == "set_status":
        status = action.get("status")
        if status not in SETTABLE_STATUSES:
            raise InvalidInput(f"{where}.status: one of {', '.join(SETTABLE_STATUSES)}")
        return {"type": kind, "status": status}
    if kind == "add_note":
        return {"type": kind, "text": _text(action.get("text"), f"{where}.text", limit=MAX_TEXT)}
    if kind == "notify":
        to = action.get("to") or "assignee_or_team"
        if to not in RECIPIENTS:
            raise InvalidInput(f"{where}.to: one of {', '.join(RECIPIENTS)}")
        return {"type": kind, "to": to, "email": _bool(action.get("email", False), where)}
    if kind == "webhook":
        secret = action.get("secret") or ""
        if not isinstance(secret, str) or len(secret) > 200:
            raise InvalidInput(f"{where}.secret: a text of at most 200 characters")
        return {"type": kind, "url": _url(action.get("url"), f"{where}.url"), "secret": secret}
    if kind == "apply_macro":
        return {
            "type": kind,
            "macro_id": _macro(workspace_id, action.get("macro_id"), f"{where}.macro_id"),
        }
    text = wording.check_template(str(action.get("text") or ""), f"{where}.text")
    return {"type": kind, "text": text}


def check_actions(workspace_id: int, actions: Any) -> list[dict[str, Any]]:
    if not isinstance(actions, list) or not actions:
        raise InvalidInput("actions: a rule needs at least one action")
    if len(actions) > MAX_ACTIONS:
        raise InvalidInput(f"actions: at most {MAX_ACTIONS}")
    return [check_action(workspace_id, a, f"actions[{i}]") for i, a in enumerate(actions)]


def check_event(event: Any, wait_minutes: Any) -> tuple[str, int | None]:
    if event not in RuleEvent.values:
        raise InvalidInput(f"event: unknown {event!r}; use one of {', '.join(RuleEvent.values)}")
    if event not in TIMED_EVENTS:
        return event, None
    minutes = _integer(wait_minutes, "wait_minutes")
    if not 1 <= minutes <= MAX_WAIT_MINUTES:
        raise InvalidInput(f"wait_minutes: between 1 and {MAX_WAIT_MINUTES}")
    return event, minutes
