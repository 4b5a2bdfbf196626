"""Rules (``/api/v1/rules``): every agent reads them, admins write, reorder and try them.

A rule is an event, conditions (``{"all": [...], "any": [...]}`` of ``{field,
operator, value}``) and a list of actions (``{type, ...}``); an unknown field, operator
or action, a value that does not fit, or no action at all is refused with a 422 naming
the row."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from pydantic import StrictBool, StrictInt

from sportello.accounts.models import Agent
from sportello.api.auth import current_agent
from sportello.api.schemas import Error, ValidationErrorOut
from sportello.automation.models import Rule
from sportello.automation.rules import actions, queries
from sportello.automation.rules.engine import dry_run
from sportello.conversations.models import Conversation
from sportello.core.errors import NotFound, PermissionDenied

router = Router(tags=["rules"])

_WRITE = {401: Error, 403: Error, 404: Error, 409: Error, 422: ValidationErrorOut}


class Condition(Schema):
    field: str
    operator: str
    value: Any = None


class Conditions(Schema):
    all: list[Condition] = []
    any: list[Condition] = []


class RuleIn(Schema):
    name: str = Field(description="What the rule is for, in the business's words.")
    event: str = Field(
        description="conversation_created, message_received, status_changed, "
        "assignment_changed, sla_warning, sla_breached, pending_for, unassigned_for, "
        "repeat_contact (a customer wrote again about a matter still open or recently "
        "resolved; condition repeat_count)"
    )
    wait_minutes: StrictInt | None = Field(
        None, description="For pending_for and unassigned_for: how long, in minutes."
    )
    conditions: Conditions = Conditions()
    actions: list[dict[str, Any]] = Field(
        description="In order: assign_team {team_id, mode: team_only|round_robin|"
        "least_busy}, assign_agent {agent_id}, set_priority {priority}, add_tags {tags}, "
        "remove_tags {tags}, set_status {status}, add_note {text}, notify {to: "
        "assignee_or_team|assignee|team|supervisors, email}, webhook {url, secret}, "
        "send_reply {text with {name} {number} {time} {date}}, apply_macro {macro_id}"
    )
    is_enabled: StrictBool = True
    stop_processing: StrictBool = False
    position: StrictInt | None = None


class RulePatch(Schema):
    name: str | None = None
    event: str | None = None
    wait_minutes: StrictInt | None = None
    conditions: Conditions | None = None
    actions: list[dict[str, Any]] | None = None
    is_enabled: StrictBool | None = None
    stop_processing: StrictBool | None = None
    position: StrictInt | None = None


class RuleOut(Schema):
    id: int
    name: str
    event: str
    wait_minutes: int | None
    position: int
    is_enabled: bool
    is_default: bool
    conditions: dict[str, Any]
    actions: list[dict[str, Any]]
    stop_processing: bool


class OrderIn(Schema):
    order: list[StrictInt] = Field(description="Every rule id of the workspace, in the new order.")


class TestIn(Schema):
    conversation_id: StrictInt


class ConditionResult(Schema):
    group: str
    field: str
    operator: str
    value: Any = None
    matched: bool


class TestOut(Schema):
    matched: bool
    conditions: list[ConditionResult]


def _admin(request: HttpRequest) -> Agent:
    agent = current_agent(request)
    if not agent.can_configure:
        raise PermissionDenied("only admins change rules")
    return agent


def _reader(request: HttpRequest) -> Agent:
    agent = current_agent(request)
    actions.ensure_default_rules(agent.workspace_id)
    return agent


def _out(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.pk,
        "name": rule.name,
        "event": rule.event,
        "wait_minutes": rule.wait_minutes,
        "position": rule.position,
        "is_enabled": rule.is_enabled,
        "is_default": bool(rule.default_key),
        "conditions": rule.conditions,
        "actions": rule.actions,
        "stop_processing": rule.stop_processing,
    }


@router.get("", response={200: list[RuleOut], 401: Error})
def list_rules(request: HttpRequest):  # type: ignore[no-untyped-def]
    """The workspace's rules in the order they run."""
    agent = _reader(request)
    return [_out(r) for r in queries.workspace_rules(agent.workspace_id)]


@router.post("", response={201: RuleOut, **_WRITE})
def create_rule(request: HttpRequest, payload: RuleIn):  # type: ignore[no-untyped-def]
    """Add a rule (admins), last in the order unless ``position`` says otherwise."""
    agent = _admin(request)
    rule = actions.create_rule(agent.workspace_id, **payload.model_dump())
    return Status(201, _out(rule))


@router.post("/reorder", response={200: list[RuleOut], **_WRITE})
def reorder_rules(request: HttpRequest, payload: OrderIn):  # type: ignore[no-untyped-def]
    """Put the rules in a new order (admins): every rule id of the workspace, once."""
    agent = _admin(request)
    actions.ensure_default_rules(agent.workspace_id)
    return [_out(r) for r in actions.reorder_rules(agent.workspace_id, payload.order)]


@router.get("/{rowid:rule_id}", response={200: RuleOut, 401: Error, 404: Error})
def get_rule(request: HttpRequest, rule_id: int):  # type: ignore[no-untyped-def]
    agent = _reader(request)
    return _out(queries.get_rule(agent.workspace_id, rule_id))


@router.patch("/{rowid:rule_id}", response={200: RuleOut, **_WRITE})
def patch_rule(request: HttpRequest, rule_id: int, payload: RulePatch):  # type: ignore[no-untyped-def]
    """Change a rule (admins); fields left out stay as they are."""
    agent = _admin(request)
    rule = queries.get_rule(agent.workspace_id, rule_id)
    changes = payload.model_dump(exclude_unset=True)
    return _out(actions.update_rule(rule, **changes))


@router.delete("/{rowid:rule_id}", response={204: None, **_WRITE})
def delete_rule(request: HttpRequest, rule_id: int):  # type: ignore[no-untyped-def]
    """Delete a rule (admins); a default rule is kept (409): disable it instead."""
    agent = _admin(request)
    actions.delete_rule(queries.get_rule(agent.workspace_id, rule_id))
    return Status(204, None)


@router.post("/{rowid:rule_id}/test", response={200: TestOut, **_WRITE})
def test_rule(request: HttpRequest, rule_id: int, payload: TestIn):  # type: ignore[no-untyped-def]
    """Try a rule on a conversation without doing anything (admins): whether its
    conditions hold now, and each condition's result."""
    agent = _admin(request)
    rule = queries.get_rule(agent.workspace_id, rule_id)
    conversation = (
        Conversation.objects.select_related("channel", "customer")
        .filter(workspace_id=agent.workspace_id, pk=payload.conversation_id)
        .first()
    )
    if conversation is None:
        raise NotFound("no such conversation")
    verdict = dry_run(rule, conversation)
    return {
        "matched": verdict.matched,
        "conditions": [
            {
                "group": group,
                "field": c["field"],
                "operator": c["operator"],
                "value": c.get("value"),
                "matched": ok,
            }
            for group, c, ok in verdict.results
        ],
    }
