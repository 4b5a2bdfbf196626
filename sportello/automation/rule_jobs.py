"""The rules' job (every minute): the escalation of the SLA scanner's warnings and
breaches, and the time-based rules; a webhook's attempts and the notification emails are
``rules.tasks``."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import OuterRef, Subquery
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from sportello.automation.models import (
    TIMED_EVENTS,
    Rule,
    RuleCursor,
    RuleEvent,
    RuleRun,
)
from sportello.automation.rules.actions import ensure_default_rules
from sportello.automation.rules.engine import run_rule, run_rules
from sportello.conversations.models import Conversation, Kind, Message, Status
from sportello.core import clock

log = logging.getLogger(__name__)

BATCH = 500


def due_for(rule: Rule, now: datetime) -> list[int]:
    """The conversations a time-based rule is due on: pending (or open and unassigned)
    for its wait, and not seen by it since the wait began."""
    since = now - timedelta(minutes=rule.wait_minutes or 0)
    found = Conversation.objects.filter(workspace_id=rule.workspace_id)
    if rule.event == RuleEvent.PENDING_FOR:
        # Pending since its latest status change (the timeline's, on the moving clock).
        went_pending = (
            Message.objects.filter(
                conversation_id=OuterRef("pk"), kind=Kind.EVENT, event="status_changed"
            )
            .order_by("-created_at", "-id")
            .values("created_at")[:1]
        )
        found = found.filter(status=Status.PENDING).annotate(since=Subquery(went_pending))
        found = found.filter(since__lte=since)
    else:
        found = found.filter(status=Status.OPEN, assignee__isnull=True, created_at__lte=since)
    seen = RuleRun.objects.filter(rule_id=rule.pk, at__gt=since).values("conversation_id")
    return list(found.exclude(pk__in=seen).order_by("id").values_list("pk", flat=True)[:BATCH])


def run_timed(now: datetime | None = None) -> int:
    """Run every enabled time-based rule on the conversations it is due on; returns how
    many rules applied. A rule that applied with ``stop_processing`` keeps the later
    rules of its event off that conversation in this pass."""
    now = now or clock.now()
    applied = 0
    stopped: set[tuple[int, str, int]] = set()
    rules = Rule.objects.filter(is_enabled=True, event__in=TIMED_EVENTS).order_by(
        "workspace_id", "position", "id"
    )
    for rule in rules:
        for conversation_id in due_for(rule, now):
            key = (rule.workspace_id, rule.event, conversation_id)
            if key in stopped:
                continue
            try:
                outcome = run_rule(rule, conversation_id, rule.event)
            except Exception:
                log.exception("rule %s failed on conversation %s", rule.pk, conversation_id)
                continue
            if outcome.applied:
                applied += 1
                if rule.stop_processing:
                    stopped.add(key)
    return applied


SLA_EVENTS = {"sla_warning": RuleEvent.SLA_WARNING, "sla_breached": RuleEvent.SLA_BREACHED}


def run_sla_rules(*, batches: int = 20) -> int:
    """Run the rules of the SLA warnings and breaches the scanner put on the timelines
    since the last run (``RuleCursor`` "sla"); returns how many events were read. The
    default escalation rules are made for a workspace on its first such event."""
    read = 0
    ready: set[int] = set()
    for _ in range(batches):
        with transaction.atomic():
            cursor, _created = RuleCursor.objects.select_for_update().get_or_create(name="sla")
            events = list(
                Message.objects.filter(
                    pk__gt=cursor.last_id, kind=Kind.EVENT, event__in=list(SLA_EVENTS)
                )
                .order_by("pk")
                .values_list("pk", "workspace_id", "conversation_id", "event", "data")[:BATCH]
            )
            for pk, workspace_id, conversation_id, event, data in events:
                if workspace_id not in ready:
                    ensure_default_rules(workspace_id)
                    ready.add(workspace_id)
                try:
                    run_rules(
                        workspace_id,
                        SLA_EVENTS[event],
                        conversation_id,
                        sla_target=str((data or {}).get("target", "")),
                    )
                except Exception:
                    log.exception(
                        "the rules of %s failed on conversation %s", event, conversation_id
                    )
                cursor.last_id = pk
            cursor.save(update_fields=["last_id"])
        read += len(events)
        if len(events) < BATCH:
            break
    return read


@db_periodic_task(crontab(minute="*"))
def run_timed_rules() -> None:
    """Every minute: the escalation of the SLA scanner's warnings and breaches, and the
    rules of "pending for N hours", "unassigned for N minutes"."""
    run_sla_rules()
    run_timed()
