"""The read side of rules: a workspace's rules in order, one rule, notifications."""

from __future__ import annotations

from django.core.cache import cache

from sportello.automation.models import Notification, Rule, RuleEvent
from sportello.conversations.models import Conversation
from sportello.core.errors import NotFound

# How long "this workspace has enabled rules for this event" is kept: the handlers ask it
# on every event, and most events of most workspaces have none. The rules' actions drop
# it at once (through the shared cache when Redis is configured).
CACHE_SECONDS = 60


def _key(workspace_id: int, event: str) -> str:
    return f"rules-exist:{workspace_id}:{event}"


def has_rules(workspace_id: int, event: str) -> bool:
    key = _key(workspace_id, event)
    found = cache.get(key)
    if found is None:
        found = Rule.objects.filter(
            workspace_id=workspace_id, event=event, is_enabled=True
        ).exists()
        cache.set(key, found, CACHE_SECONDS)
    return bool(found)


def forget(workspace_id: int) -> None:
    """The rules of the workspace changed: ask the database next time."""
    cache.delete_many([_key(workspace_id, str(e)) for e in RuleEvent.values])


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


def unread_count(agent_id: int) -> int:
    """What the bell shows."""
    return Notification.objects.filter(agent_id=agent_id, read_at__isnull=True).count()


def agent_notifications(agent_id: int, limit: int = 50) -> list[Notification]:
    """The agent's latest notifications, read or not, newest first."""
    return list(
        Notification.objects.filter(agent_id=agent_id).order_by("-created_at", "-id")[:limit]
    )


def agent_notifications_by_id(agent_id: int, ids: list[int]) -> list[Notification]:
    """Those of ``ids`` that are the agent's (another agent's are not found)."""
    return list(Notification.objects.filter(agent_id=agent_id, pk__in=ids))


def conversation_numbers(workspace_id: int, ids: set[int]) -> dict[int, int]:
    """Each conversation's number (its address in the agent UI), by id."""
    return dict(
        Conversation.objects.filter(workspace_id=workspace_id, pk__in=ids).values_list(
            "pk", "number"
        )
    )
