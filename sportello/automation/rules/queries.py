"""The read side of rules: a workspace's rules in order, one rule, notifications."""

from __future__ import annotations

from sportello.automation.models import Notification, Rule
from sportello.core.errors import NotFound


def workspace_rules(workspace_id: int) -> list[Rule]:
    return list(Rule.objects.filter(workspace_id=workspace_id).order_by("position", "id"))


def get_rule(workspace_id: int, rule_id: int) -> Rule:
    rule = Rule.objects.filter(workspace_id=workspace_id, pk=rule_id).first()
    if rule is None:
        raise NotFound("no such rule")
    return rule


def unread_notifications(agent_id: int, limit: int = 50) -> list[Notification]:
    return list(
        Notification.objects.filter(agent_id=agent_id, read_at__isnull=True).order_by(
            "-created_at", "-id"
        )[:limit]
    )
