"""The only writers of rules: create, change, reorder, delete (each checked by
``schema`` and audited), and the default rules every workspace gets."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max

from sportello.accounts.models import Agent
from sportello.audit.actions import record
from sportello.automation.events import NotificationsAdded
from sportello.automation.models import Notification, Rule, RuleEvent
from sportello.automation.rules import queries, schema
from sportello.automation.rules.tasks import email_notifications
from sportello.core import clock
from sportello.core.errors import Conflict, InvalidInput
from sportello.core.events import publish

MAX_NAME = 120
MAX_RULES = 200

# The escalation of issue 17 point 3, as rules a business can change or disable: a
# warning before a breach goes to whoever holds the conversation (or its team), a breach
# to the supervisors. Names are the business's words, in Italian as the workspace's
# default language; an admin renames them at will.
DEFAULT_RULES: tuple[dict[str, Any], ...] = (
    {
        "default_key": "sla_warning",
        "name": "Avviso SLA: avvisa chi segue la conversazione",
        "event": RuleEvent.SLA_WARNING,
        "actions": [{"type": "notify", "to": "assignee_or_team", "email": False}],
    },
    {
        "default_key": "sla_breached",
        "name": "SLA mancato: avvisa i supervisori",
        "event": RuleEvent.SLA_BREACHED,
        "actions": [{"type": "notify", "to": "supervisors", "email": True}],
    },
    # Issue 17 point 7: a customer who has to write again about the same matter is
    # answered sooner (normal priority or lower becomes high; urgent stays urgent).
    {
        "default_key": "repeat_contact",
        "name": "Contatto ripetuto: priorità alta",
        "event": RuleEvent.REPEAT_CONTACT,
        "conditions": {
            "all": [
                {"field": "repeat_count", "operator": "at_least", "value": 2},
                {"field": "priority", "operator": "at_most", "value": 1},
            ],
            "any": [],
        },
        "actions": [{"type": "set_priority", "priority": 2}],
    },
    # Issue 15 point 5: a review of 2 stars or fewer is answered first. The business
    # changes the threshold, the priority, or disables it, like any rule.
    {
        "default_key": "low_rating",
        "name": "Recensione negativa: priorità alta",
        "event": RuleEvent.MESSAGE_RECEIVED,
        "conditions": {
            "all": [{"field": "rating", "operator": "at_most", "value": 2}],
            "any": [],
        },
        "actions": [{"type": "set_priority", "priority": 2}],
    },
)


def ensure_default_rules(workspace_id: int) -> None:
    """The default rules, created on first need (an SLA event, a look at the rules);
    the data migration gave them to the workspaces that existed. Once made they are the
    business's: changed or disabled, never re-created."""
    have = set(
        Rule.objects.filter(workspace_id=workspace_id)
        .exclude(default_key="")
        .values_list("default_key", flat=True)
    )
    for position, spec in enumerate(DEFAULT_RULES):
        if spec["default_key"] in have:
            continue
        try:
            with transaction.atomic():
                Rule.objects.create(workspace_id=workspace_id, position=1000 + position, **spec)
        except IntegrityError:  # another process made it first
            pass
        queries.forget(workspace_id)


def _forget(workspace_id: int) -> None:
    """Drop the cached "has rules" answers now and again once committed (a reader in
    between may have cached the rules as they were)."""
    queries.forget(workspace_id)
    transaction.on_commit(lambda: queries.forget(workspace_id))


def _name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput("name: a rule needs a name")
    if len(name.strip()) > MAX_NAME:
        raise InvalidInput(f"name: at most {MAX_NAME} characters")
    return name.strip()


def _checked(workspace_id: int, values: dict[str, Any]) -> dict[str, Any]:
    event, wait = schema.check_event(values["event"], values.get("wait_minutes"))
    return {
        "name": _name(values["name"]),
        "event": event,
        "wait_minutes": wait,
        "conditions": schema.check_conditions(workspace_id, values.get("conditions")),
        "actions": schema.check_actions(workspace_id, values.get("actions")),
        "is_enabled": bool(values.get("is_enabled", True)),
        "stop_processing": bool(values.get("stop_processing", False)),
    }


@transaction.atomic
def create_rule(workspace_id: int, **values: Any) -> Rule:
    """A new rule, last in the order unless ``position`` says otherwise."""
    fields = _checked(workspace_id, values)
    rules = Rule.objects.filter(workspace_id=workspace_id)
    if rules.count() >= MAX_RULES:
        raise InvalidInput(f"at most {MAX_RULES} rules per workspace")
    position = values.get("position")
    if position is None:
        position = (rules.aggregate(m=Max("position"))["m"] or 0) + 1
    rule = Rule.objects.create(workspace_id=workspace_id, position=int(position), **fields)
    _forget(workspace_id)
    record(
        workspace_id,
        "rule.created",
        target_type="rule",
        target_id=rule.pk,
        detail={"name": rule.name},
    )
    return rule


@transaction.atomic
def update_rule(rule: Rule, **changes: Any) -> Rule:
    """Change a rule; what is left out stays. The whole rule is checked again."""
    current = {
        "name": rule.name,
        "event": rule.event,
        "wait_minutes": rule.wait_minutes,
        "conditions": rule.conditions,
        "actions": rule.actions,
        "is_enabled": rule.is_enabled,
        "stop_processing": rule.stop_processing,
    }
    fields = _checked(rule.workspace_id, {**current, **changes})
    if "position" in changes and changes["position"] is not None:
        fields["position"] = int(changes["position"])
    changed = sorted(k for k, v in fields.items() if getattr(rule, k) != v)
    workspace_id = rule.workspace_id
    _forget(workspace_id)
    for name, value in fields.items():
        setattr(rule, name, value)
    rule.save()
    record(
        rule.workspace_id,
        "rule.updated",
        target_type="rule",
        target_id=rule.pk,
        detail={"name": rule.name, "fields": changed},
    )
    return rule


@transaction.atomic
def delete_rule(rule: Rule) -> None:
    if rule.default_key:
        raise Conflict("a default rule cannot be deleted; disable it instead")
    workspace_id = rule.workspace_id
    _forget(workspace_id)
    record(
        rule.workspace_id,
        "rule.deleted",
        target_type="rule",
        target_id=rule.pk,
        detail={"name": rule.name},
    )
    rule.delete()


@transaction.atomic
def reorder_rules(workspace_id: int, rule_ids: list[int]) -> list[Rule]:
    """Put the rules in the order of ``rule_ids`` (every rule of the workspace, once)."""
    rules = {r.pk: r for r in Rule.objects.select_for_update().filter(workspace_id=workspace_id)}
    if sorted(rule_ids) != sorted(rules) or len(set(rule_ids)) != len(rule_ids):
        raise InvalidInput("order: list every rule of the workspace once")
    _forget(workspace_id)
    for position, pk in enumerate(rule_ids, start=1):
        if rules[pk].position != position:
            rules[pk].position = position
            rules[pk].save(update_fields=["position", "updated_at"])
    record(workspace_id, "rule.reordered", target_type="rule", detail={"order": rule_ids})
    return [rules[pk] for pk in rule_ids]


@transaction.atomic
def move_rule(rule: Rule, step: int) -> None:
    """Move a rule one place up (``-1``) or down (``+1``) in its workspace's order."""
    order = list(
        Rule.objects.filter(workspace_id=rule.workspace_id)
        .order_by("position", "id")
        .values_list("id", flat=True)
    )
    at = order.index(rule.pk)
    to = at + step
    if 0 <= to < len(order):
        order[at], order[to] = order[to], order[at]
        reorder_rules(rule.workspace_id, order)


@transaction.atomic
def set_rule_enabled(rule: Rule, enabled: bool) -> Rule:
    return update_rule(rule, is_enabled=enabled)


def mark_notifications_read(agent_id: int, ids: list[int] | None = None) -> int:
    """Mark the agent's unread notifications read (only ``ids`` among them, when given);
    returns how many. Another agent's ids are simply not among them."""
    unread = Notification.objects.filter(agent_id=agent_id, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=clock.now())


def notify_agents(workspace_id: int, texts: dict[Agent, str], *, email: bool = False) -> int:
    """Notify each agent with their text (in their own language: the caller wrote it), in
    the app and, with ``email``, by mail; for what is no conversation's (a webhook the
    system switched off). Returns how many notifications were made."""
    now = clock.now()
    notes = Notification.objects.bulk_create(
        [
            Notification(workspace_id=workspace_id, agent=agent, text=text[:500], created_at=now)
            for agent, text in texts.items()
        ]
    )
    if notes:
        publish(
            NotificationsAdded(
                workspace_id=workspace_id, agent_ids=tuple(agent.pk for agent in texts)
            )
        )
    if email and notes:
        ids = [note.pk for note in notes]
        transaction.on_commit(lambda: email_notifications(ids), robust=True)
    return len(notes)
