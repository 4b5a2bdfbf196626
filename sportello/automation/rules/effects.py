"""A rule's actions, each done through the action of the app that owns what it changes
(conversations' ``assign``, ``set_priority``, ``set_tags``, ``set_status``,
``automatic_reply``; outbound's ``queue_delivery``; a macro through ``apply_macro``)
and put on the timeline as "Regola 'VIP': priorità alta" (``rule_applied``, with the
facts the sentence needs)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Count

from sportello.accounts.models import Agent, Role, Team
from sportello.automation import wording
from sportello.automation.events import NotificationsAdded
from sportello.automation.models import (
    AssignmentTurn,
    Macro,
    Notification,
    Rule,
    WebhookCall,
)
from sportello.automation.replies import apply_macro
from sportello.automation.rules.tasks import deliver_webhook, email_notifications
from sportello.conversations.actions import (
    assign,
    automatic_reply,
    record_event,
    set_priority,
    set_status,
    set_tags,
)
from sportello.conversations.actions.automatic_note import automatic_note
from sportello.conversations.models import ACTIVE_VIEW_STATUSES, Conversation
from sportello.core import clock
from sportello.core.errors import InvalidInput
from sportello.core.events import publish
from sportello.core.models import Workspace
from sportello.outbound.actions import (
    automatic_refusal,
    queue_delivery,
    sender_for,
)
from sportello.outbound.readiness import reply_refusal

RULE_REPLY = "rule"


def _active_members(team: Team) -> list[Agent]:
    return list(team.members.filter(is_active=True).order_by("id"))


def next_in_turn(team: Team) -> Agent | None:
    """The team's next active agent after the one a rule last gave a conversation to
    (the turn's row locked while choosing: two conversations at once go to two agents)."""
    members = _active_members(team)
    if not members:
        return None
    turn, _ = AssignmentTurn.objects.select_for_update().get_or_create(
        workspace_id=team.workspace_id, team_id=team.pk
    )
    later = [m for m in members if turn.last_agent_id is None or m.pk > turn.last_agent_id]
    chosen = (later or members)[0]
    turn.last_agent_id = chosen.pk
    turn.save(update_fields=["last_agent_id"])
    return chosen


def least_busy(team: Team) -> Agent | None:
    """The team's active agent with the fewest open and pending conversations (the
    lowest id on a tie, so the choice is stable)."""
    members = _active_members(team)
    if not members:
        return None
    load = dict(
        Conversation.objects.filter(
            workspace_id=team.workspace_id,
            assignee_id__in=[m.pk for m in members],
            status__in=ACTIVE_VIEW_STATUSES,
        )
        .values_list("assignee_id")
        .annotate(n=Count("id"))
        .values_list("assignee_id", "n")
    )
    return min(members, key=lambda m: (load.get(m.pk, 0), m.pk))


def _recipients(conversation: Conversation, to: str) -> list[Agent]:
    active = Agent.objects.filter(workspace_id=conversation.workspace_id, is_active=True)
    if to in ("assignee", "assignee_or_team") and conversation.assignee_id:
        return list(active.filter(pk=conversation.assignee_id))
    if to in ("team", "assignee_or_team") and conversation.team_id:
        return list(active.filter(teams=conversation.team_id).order_by("id"))
    if to == "supervisors":
        return list(active.filter(role__in=(Role.ADMIN, Role.SUPERVISOR)).order_by("id"))
    if to == "assignee_or_team":
        # Nobody holds it: whoever can act on the whole inbox hears of it.
        return _recipients(conversation, "supervisors")
    return []


def _payload(rule: Rule, conversation: Conversation, event: str) -> dict[str, Any]:
    return {
        "event": event,
        "rule": {"id": rule.pk, "name": rule.name},
        "conversation": {
            "id": conversation.pk,
            "number": conversation.number,
            "status": conversation.status,
            "priority": conversation.priority,
            "channel_id": conversation.channel_id,
            "customer_id": conversation.customer_id,
            "assignee_id": conversation.assignee_id,
            "team_id": conversation.team_id,
            "subject": conversation.subject,
        },
        "at": clock.now().isoformat(),
    }


def apply(
    rule: Rule, action: dict[str, Any], conversation: Conversation, event: str
) -> dict[str, Any] | None:
    """Do one checked action on ``conversation``; returns what the timeline says of it
    (None when it changed nothing, e.g. the priority was already high)."""
    kind = action["type"]
    if kind == "assign_team":
        team = Team.objects.get(workspace_id=conversation.workspace_id, pk=action["team_id"])
        mode = action["mode"]
        agent = None
        if mode == "round_robin":
            agent = next_in_turn(team)
        elif mode == "least_busy":
            agent = least_busy(team)
        if mode == "team_only":
            assign(conversation, None, team=team)
        else:
            assign(conversation, None, team=team, assignee=agent)
        return {"team": team.name, "agent": agent.display_name if agent else None, "mode": mode}
    if kind == "assign_agent":
        agent = Agent.objects.filter(
            workspace_id=conversation.workspace_id, pk=action["agent_id"], is_active=True
        ).first()
        if agent is None:
            raise InvalidInput("the agent is no longer active")
        assign(conversation, None, assignee=agent)
        return {"agent": agent.display_name}
    if kind == "set_priority":
        if conversation.priority == action["priority"]:
            return None
        set_priority(conversation, None, action["priority"])
        return {"priority": action["priority"]}
    if kind in ("add_tags", "remove_tags"):
        current = [t.name for t in conversation.tags.all()]
        if kind == "add_tags":
            wanted = current + [t for t in action["tags"] if t not in current]
        else:
            wanted = [t for t in current if t not in action["tags"]]
        if wanted == current:
            return None
        set_tags(conversation, None, wanted)
        return {"tags": action["tags"]}
    if kind == "set_status":
        if conversation.status == action["status"]:
            return None
        set_status(conversation, None, action["status"])
        return {"status": action["status"]}
    if kind == "add_note":
        automatic_note(conversation, action["text"], author=rule.name)
        return {}
    if kind == "notify":
        return _notify(rule, action, conversation)
    if kind == "webhook":
        call = WebhookCall.objects.create(
            workspace_id=conversation.workspace_id,
            rule_id=rule.pk,
            conversation_id=conversation.pk,
            url=action["url"],
            secret=action["secret"],
            payload=_payload(rule, conversation, event),
            created_at=clock.now(),
        )
        transaction.on_commit(lambda: deliver_webhook(call.pk), robust=True)
        return {"url": action["url"]}
    if kind == "send_reply":
        return _reply(action, conversation)
    if kind == "apply_macro":
        macro = Macro.objects.filter(
            workspace_id=conversation.workspace_id, pk=action["macro_id"]
        ).first()
        if macro is None:
            raise InvalidInput("the macro no longer exists")
        has_reply = macro.canned_reply_id is not None or bool(
            macro.reply_text or macro.reply_text_en
        )
        if has_reply and conversation.customer.no_automatic_replies:
            # A rule's reply is an automatic one: the customer's wish holds for it too.
            raise InvalidInput("the customer asked for no automatic replies")
        apply_macro(conversation, macro, None, rule=rule.name)
        return {"macro": macro.name}
    raise AssertionError(kind)


def _notify(rule: Rule, action: dict[str, Any], conversation: Conversation) -> dict[str, Any]:
    agents = _recipients(conversation, action["to"])
    now = clock.now()
    text = f"{rule.name}: #{conversation.number} {conversation.subject}".strip()[:500]
    notes = Notification.objects.bulk_create(
        [
            Notification(
                workspace_id=conversation.workspace_id,
                agent=agent,
                conversation_id=conversation.pk,
                rule_id=rule.pk,
                text=text,
                created_at=now,
            )
            for agent in agents
        ]
    )
    if notes:
        publish(
            NotificationsAdded(
                workspace_id=conversation.workspace_id, agent_ids=tuple(a.pk for a in agents)
            )
        )
    if action["email"] and notes:
        ids = [n.pk for n in notes]
        transaction.on_commit(lambda: email_notifications(ids), robust=True)
    return {"agents": [a.display_name for a in agents], "to": action["to"]}


def _reply(action: dict[str, Any], conversation: Conversation) -> dict[str, Any] | None:
    if conversation.customer.no_automatic_replies:
        raise InvalidInput("the customer asked for no automatic replies")
    if sender_for(conversation.channel.kind) is None or reply_refusal(conversation):
        raise InvalidInput("this channel cannot send a reply now")
    refused = automatic_refusal(conversation)
    if refused:
        raise InvalidInput(refused)
    workspace = Workspace.objects.only("time_zone").get(pk=conversation.workspace_id)
    language = wording.language_of(conversation.language, conversation.customer.language)
    now = clock.now()
    text = wording.fill(
        action["text"],
        language=language,
        due=conversation.first_reply_due_at or now,
        zone=ZoneInfo(workspace.time_zone),
        now=now,
        name=conversation.customer.name,
        number=conversation.number,
    )
    message = automatic_reply(conversation, text, reason=RULE_REPLY)
    queue_delivery(message)
    return {"text": text[:200]}


def record_applied(
    rule: Rule, conversation_id: int, action: dict[str, Any], facts: dict[str, Any]
) -> None:
    record_event(
        conversation_id,
        "rule_applied",
        rule=rule.name,
        rule_id=rule.pk,
        action=action["type"],
        **facts,
    )
