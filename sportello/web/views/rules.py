"""The rules, for admins: the list in running order (move up and down, enable and
disable), and an editor made of server-rendered rows: an event, condition rows (field /
operator / value) in an "all" and an "any" group, and action rows. "Add a row" and a
field's change ask the server for the row (htmx); no script of ours runs in the page."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sportello.accounts.queries import workspace_agents, workspace_teams
from sportello.automation.models import TIMED_EVENTS, Rule, RuleEvent
from sportello.automation.reply_queries import macros
from sportello.automation.rules import actions, queries, schema
from sportello.channels import registry
from sportello.channels.models import Channel
from sportello.conversations.models import Priority, Status
from sportello.core.errors import InvalidInput, SportelloError
from sportello.core.ids import parse_id
from sportello.customers.models import Segment
from sportello.web.pages import agent_of, agent_required, render_page

MAX_ROWS = 20
# How each action type's keys sit in a row's two inputs: (value's key, option's key).
ACTION_SHAPE: dict[str, tuple[str, str]] = {
    "assign_team": ("team_id", "mode"),
    "assign_agent": ("agent_id", ""),
    "set_priority": ("priority", ""),
    "add_tags": ("tags", ""),
    "remove_tags": ("tags", ""),
    "set_status": ("status", ""),
    "add_note": ("text", ""),
    "notify": ("to", "email"),
    "webhook": ("url", "secret"),
    "send_reply": ("text", ""),
    "apply_macro": ("macro_id", ""),
}
LONG_TEXT = ("add_note", "send_reply")


@dataclass
class Widget:
    """One input of a row: a select (``options``), a text, a long text, or nothing."""

    kind: str
    name: str
    value: str = ""
    options: list[tuple[str, str]] = field(default_factory=list)
    label: str = ""
    placeholder: str = ""


def _choices(workspace_id: int, kind: str) -> list[tuple[str, str]] | None:
    """A value kind's options, or None when it is typed in."""
    if kind == "channel_kind":
        return [(k, str(label)) for k, label in registry.kind_choices()]
    if kind == "channel":
        return [
            (str(c.pk), c.name)
            for c in Channel.objects.filter(workspace_id=workspace_id).order_by("name")
        ]
    if kind == "priority":
        return [(str(v), str(label)) for v, label in Priority.choices]
    if kind == "status":
        return [(str(v), str(label)) for v, label in Status.choices]
    if kind == "team":
        return [(str(t.pk), t.name) for t in workspace_teams(workspace_id)]
    if kind == "agent":
        return [(str(a.pk), a.display_name) for a in workspace_agents(workspace_id) if a.is_active]
    if kind == "bool":
        return [("true", _("yes")), ("false", _("no"))]
    if kind == "target":
        return [(k, str(label)) for k, label in schema.SLA_TARGETS.items()]
    if kind == "rating":
        return [(str(n), str(n)) for n in range(1, 6)]
    if kind == "segment":
        return [(str(v), str(label)) for v, label in Segment.choices]
    return None


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def condition_row(workspace_id: int, prefix: str, row: Mapping[str, Any]) -> dict[str, Any]:
    """What the template draws for one condition: the field, its operators, its value."""
    name = str(row.get("field") or "")
    spec = schema.FIELDS.get(name)
    operators = spec.operators if spec else ()
    operator = str(row.get("operator") or (operators[0] if operators else ""))
    value = Widget("none", f"{prefix}-value")
    if spec is not None and operator not in ("is_set", "is_not_set"):
        options = _choices(workspace_id, spec.value)
        current = _as_text(row.get("value"))
        if options is None:
            value = Widget("text", f"{prefix}-value", current)
        else:
            value = Widget("select", f"{prefix}-value", current, options)
    return {
        "prefix": prefix,
        "field": name,
        "fields": [(k, str(f.label)) for k, f in schema.FIELDS.items()],
        "operator": operator,
        "operators": [(o, str(schema.OPERATORS[o])) for o in operators],
        "value": value,
    }


def action_row(workspace_id: int, prefix: str, row: Mapping[str, Any]) -> dict[str, Any]:
    kind = str(row.get("type") or "")
    value_key, option_key = ACTION_SHAPE.get(kind, ("", ""))
    current = _as_text(row.get(value_key)) if value_key else ""
    option = _as_text(row.get(option_key)) if option_key else ""
    value: Widget = Widget("none", f"{prefix}-value")
    extra: Widget = Widget("none", f"{prefix}-option")
    if kind == "assign_team":
        value = Widget("select", f"{prefix}-value", current, _choices(workspace_id, "team") or [])
        modes = [(k, str(v)) for k, v in schema.ASSIGN_MODES.items()]
        extra = Widget("select", f"{prefix}-option", option, modes, _("to"))
    elif kind == "assign_agent":
        value = Widget("select", f"{prefix}-value", current, _choices(workspace_id, "agent") or [])
    elif kind == "set_priority":
        value = Widget(
            "select", f"{prefix}-value", current, _choices(workspace_id, "priority") or []
        )
    elif kind == "set_status":
        statuses = [(str(s), str(Status(s).label)) for s in schema.SETTABLE_STATUSES]
        value = Widget("select", f"{prefix}-value", current, statuses)
    elif kind in ("add_tags", "remove_tags"):
        value = Widget(
            "text", f"{prefix}-value", current, placeholder=_("tags, separated by commas")
        )
    elif kind in LONG_TEXT:
        hint = (
            _("{name}, {number}, {time} and {date} are filled in") if kind == "send_reply" else ""
        )
        value = Widget("textarea", f"{prefix}-value", current, placeholder=hint)
    elif kind == "notify":
        recipients = [(k, str(v)) for k, v in schema.RECIPIENTS.items()]
        value = Widget("select", f"{prefix}-value", current, recipients)
        email = [("false", _("in the app")), ("true", _("in the app and by email"))]
        extra = Widget("select", f"{prefix}-option", option or "false", email, _("how"))
    elif kind == "apply_macro":
        options = [(str(m.pk), m.name) for m in macros(workspace_id)]
        value = Widget("select", f"{prefix}-value", current, options, _("Macro"))
        # The macros are built on their own page: the row says where, and that it is
        # empty before the first one.
        to_builder = _("Build or change macros") if options else _("No macros yet: build one")
        extra = Widget("link", f"{prefix}-option", reverse("web:macros"), label=to_builder)
    elif kind == "webhook":
        value = Widget("text", f"{prefix}-value", current, placeholder="https://")
        extra = Widget("text", f"{prefix}-option", option, label=_("secret for the signature"))
    return {
        "prefix": prefix,
        "type": kind,
        "types": [(k, str(v)) for k, v in schema.ACTION_TYPES.items()],
        "value": value,
        "option": extra,
    }


def _rows(data: Mapping[str, Any], group: str) -> list[dict[str, str]]:
    """The rows a form posted under ``group`` (``all-0-field``...), in their order."""
    indexes = sorted(
        {
            int(key.split("-")[1])
            for key in data
            if key.startswith(f"{group}-") and key.split("-")[1].isdigit()
        }
    )[:MAX_ROWS]
    rows = []
    for i in indexes:
        prefix = f"{group}-{i}"
        rows.append(
            {
                name: str(data.get(f"{prefix}-{name}", "")).strip()
                for name in ("field", "operator", "value", "type", "option")
            }
        )
    return rows


def _condition(row: dict[str, str]) -> dict[str, Any]:
    condition: dict[str, Any] = {"field": row["field"], "operator": row["operator"]}
    if row["operator"] not in ("is_set", "is_not_set"):
        condition["value"] = row["value"]
    return condition


def _action(row: dict[str, str]) -> dict[str, Any]:
    kind = row["type"]
    value_key, option_key = ACTION_SHAPE.get(kind, ("", ""))
    action: dict[str, Any] = {"type": kind}
    if value_key:
        action[value_key] = row["value"]
    if option_key:
        action[option_key] = row["option"]
    return action


def parse_rule_form(data: Mapping[str, Any]) -> dict[str, Any]:
    """The rule a form describes, as the API takes it (checked by ``actions``); rows
    with no field or no action type chosen are left out."""
    wait = str(data.get("wait_minutes", "")).strip()
    return {
        "name": str(data.get("name", "")),
        "event": str(data.get("event", "")),
        "wait_minutes": wait or None,
        "is_enabled": data.get("is_enabled") == "on",
        "stop_processing": data.get("stop_processing") == "on",
        "conditions": {
            group: [_condition(r) for r in _rows(data, group) if r["field"]]
            for group in ("all", "any")
        },
        "actions": [_action(r) for r in _rows(data, "action") if r["type"]],
    }


def _editor(
    request: HttpRequest,
    rule: Rule | None,
    values: dict[str, Any],
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    workspace_id = agent_of(request).workspace_id
    conditions = values.get("conditions") or {}
    groups = {
        group: [
            condition_row(workspace_id, f"{group}-{i}", row)
            for i, row in enumerate(conditions.get(group) or [])
        ]
        for group in ("all", "any")
    }
    rows = [
        action_row(workspace_id, f"action-{i}", row)
        for i, row in enumerate(values.get("actions") or [])
    ]
    if not rows:
        rows = [action_row(workspace_id, "action-0", {})]
    context = {
        "nav_current": "rules",
        "rule": rule,
        "values": values,
        "events": [(str(v), str(label)) for v, label in RuleEvent.choices],
        "timed_events": [str(e) for e in TIMED_EVENTS],
        "groups": groups,
        "action_rows": rows,
        "error": error,
    }
    return render_page(request, "web/rules/edit.html", context, status=status)


def _forbidden(request: HttpRequest) -> HttpResponse | None:
    if agent_of(request).can_configure:
        return None
    return render_page(
        request, "web/rules/list.html", {"forbidden": True, "nav_current": "rules"}, status=403
    )


@agent_required
@require_GET
def rule_list(request: HttpRequest) -> HttpResponse:
    refused = _forbidden(request)
    if refused is not None:
        return refused
    agent = agent_of(request)
    actions.ensure_default_rules(agent.workspace_id)
    rules = queries.workspace_rules(agent.workspace_id)
    events = dict(RuleEvent.choices)
    return render_page(
        request,
        "web/rules/list.html",
        {
            "nav_current": "rules",
            "rows": [
                {
                    "rule": rule,
                    "event": events.get(rule.event, rule.event),
                    "actions": [
                        str(schema.ACTION_TYPES.get(a["type"], a["type"])) for a in rule.actions
                    ],
                    "conditions": len(rule.conditions.get("all") or [])
                    + len(rule.conditions.get("any") or []),
                }
                for rule in rules
            ],
        },
    )


@agent_required
@require_http_methods(["GET", "POST"])
def rule_new(request: HttpRequest) -> HttpResponse:
    refused = _forbidden(request)
    if refused is not None:
        return refused
    if request.method == "GET":
        return _editor(request, None, {"event": RuleEvent.CONVERSATION_CREATED, "is_enabled": True})
    values = parse_rule_form(request.POST)
    try:
        actions.create_rule(agent_of(request).workspace_id, **values)
    except InvalidInput as exc:
        return _editor(request, None, values, exc.message, status=422)
    return redirect("web:rules")


@agent_required
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, rule_id: int) -> HttpResponse:
    refused = _forbidden(request)
    if refused is not None:
        return refused
    rule = queries.get_rule(agent_of(request).workspace_id, rule_id)
    if request.method == "GET":
        values = {
            "name": rule.name,
            "event": rule.event,
            "wait_minutes": rule.wait_minutes,
            "is_enabled": rule.is_enabled,
            "stop_processing": rule.stop_processing,
            "conditions": rule.conditions,
            "actions": rule.actions,
        }
        return _editor(request, rule, values)
    values = parse_rule_form(request.POST)
    try:
        actions.update_rule(rule, **values)
    except InvalidInput as exc:
        return _editor(request, rule, values, exc.message, status=422)
    return redirect("web:rules")


@agent_required
@require_POST
def rule_move(request: HttpRequest, rule_id: int) -> HttpResponse:
    refused = _forbidden(request)
    if refused is not None:
        return refused
    rule = queries.get_rule(agent_of(request).workspace_id, rule_id)
    actions.move_rule(rule, -1 if request.POST.get("direction") == "up" else 1)
    return redirect("web:rules")


@agent_required
@require_POST
def rule_toggle(request: HttpRequest, rule_id: int) -> HttpResponse:
    refused = _forbidden(request)
    if refused is not None:
        return refused
    rule = queries.get_rule(agent_of(request).workspace_id, rule_id)
    actions.set_rule_enabled(rule, request.POST.get("enabled") == "on")
    return redirect("web:rules")


@agent_required
@require_POST
def rule_delete(request: HttpRequest, rule_id: int) -> HttpResponse:
    refused = _forbidden(request)
    if refused is not None:
        return refused
    rule = queries.get_rule(agent_of(request).workspace_id, rule_id)
    try:
        actions.delete_rule(rule)
    except SportelloError as exc:
        return _editor(
            request,
            rule,
            {
                "name": rule.name,
                "event": rule.event,
                "wait_minutes": rule.wait_minutes,
                "is_enabled": rule.is_enabled,
                "stop_processing": rule.stop_processing,
                "conditions": rule.conditions,
                "actions": rule.actions,
            },
            exc.message,
            status=exc.status_code,
        )
    return redirect("web:rules")


@agent_required
@require_GET
def rule_row(request: HttpRequest) -> HttpResponse:
    """One row of the editor (htmx): a new one ("add a condition"), or the one whose
    field or action type just changed, drawn with that field's operators and values."""
    refused = _forbidden(request)
    if refused is not None:
        return refused
    workspace_id = agent_of(request).workspace_id
    group = request.GET.get("group", "")
    if group not in ("all", "any", "action"):
        return HttpResponse(status=400)
    index = parse_id(request.GET.get("index", "")) or 0
    if index >= 1000:
        return HttpResponse(status=400)
    if request.GET.get("remove"):
        return HttpResponse("")
    add_next = index + 1 if request.GET.get("add") else None
    prefix = f"{group}-{index}"
    context: dict[str, Any]
    row = {
        name: request.GET.get(f"{prefix}-{name}", "")
        for name in ("field", "operator", "value", "type", "option")
    }
    if group == "action":
        context = {
            "row": action_row(workspace_id, prefix, _action(row) if row["type"] else {}),
            "add_next": add_next,
        }
        return render(request, "web/rules/_action_row.html", context)
    if (
        row["field"]
        and row["operator"] not in schema.FIELDS.get(row["field"], schema.FIELDS["text"]).operators
    ):
        row["operator"] = ""
    context = {
        "row": condition_row(workspace_id, prefix, row),
        "group": group,
        "add_next": add_next,
    }
    return render(request, "web/rules/_condition_row.html", context)
