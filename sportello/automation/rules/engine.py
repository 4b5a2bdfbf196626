"""Running the rules of an event on a conversation, in order, with the loop guard.

The handlers call :func:`run_rules` after the triggering write committed, so a rule
never delays nor breaks it. A rule's actions are one transaction; each action is its own
savepoint, so one that cannot be done (an agent who left) is put on the timeline and the
others still apply.

**The loop guard.** A rule's action publishes events (a status changed), which run the
rules again. Two limits stop a loop: the depth of rules running inside rules' own events
(``MAX_DEPTH``, where the events run nested, as they do after a real commit), and
``MAX_RUNS`` applications of one rule on one conversation within ``RUN_WINDOW`` (which
also stops a loop whose events run one after another). A stop is recorded once per
window on the timeline (``rule_stopped``) and as a :class:`RuleRun`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction

from sportello.automation.models import Rule, RuleRun
from sportello.automation.rules import effects
from sportello.automation.rules.conditions import Facts, Verdict, judge
from sportello.conversations.actions import record_event
from sportello.conversations.models import Conversation
from sportello.core import clock
from sportello.core.errors import SportelloError

log = logging.getLogger(__name__)

MAX_DEPTH = 3
MAX_RUNS = 10
RUN_WINDOW = timedelta(minutes=10)

_depth: ContextVar[int] = ContextVar("rule_depth", default=0)


@contextmanager
def _deeper() -> Iterator[int]:
    depth = _depth.get()
    token = _depth.set(depth + 1)
    try:
        yield depth
    finally:
        _depth.reset(token)


@dataclass(frozen=True)
class Outcome:
    """What one rule did on one conversation: applied (its actions' timeline facts),
    not matched, or stopped by the loop guard (``stopped`` says which limit)."""

    rule: Rule
    verdict: Verdict
    applied: list[dict[str, Any]]
    stopped: str = ""


def enabled_rules(workspace_id: int, event: str) -> list[Rule]:
    return list(
        Rule.objects.filter(workspace_id=workspace_id, event=event, is_enabled=True).order_by(
            "position", "id"
        )
    )


def load(conversation_id: int) -> Conversation:
    return Conversation.objects.select_related("channel", "customer").get(pk=conversation_id)


def run_rules(
    workspace_id: int,
    event: str,
    conversation_id: int,
    *,
    message_id: int | None = None,
    sla_target: str = "",
    rules: list[Rule] | None = None,
) -> list[Outcome]:
    """Run the workspace's enabled rules of ``event`` on the conversation, in order,
    until one that applied says ``stop_processing``."""
    rules = enabled_rules(workspace_id, event) if rules is None else rules
    if not rules:
        return []
    with _deeper() as depth:
        if depth >= MAX_DEPTH:
            _stop(rules[0], conversation_id, event, "depth", clock.now())
            return [Outcome(rules[0], Verdict(False, []), [], stopped="depth")]
        outcomes = []
        for rule in rules:
            outcome = run_rule(rule, conversation_id, event, message_id, sla_target)
            outcomes.append(outcome)
            if outcome.applied and rule.stop_processing:
                break
        return outcomes


def run_rule(
    rule: Rule,
    conversation_id: int,
    event: str,
    message_id: int | None = None,
    sla_target: str = "",
) -> Outcome:
    now = clock.now()
    conversation = load(conversation_id)
    facts = Facts.gather(conversation, now, message_id=message_id, sla_target=sla_target)
    verdict = judge(rule.conditions, facts)
    if not verdict.matched:
        return Outcome(rule, verdict, [])
    recent = RuleRun.objects.filter(
        rule_id=rule.pk, conversation_id=conversation_id, at__gt=now - RUN_WINDOW, stopped=""
    ).count()
    if recent >= MAX_RUNS:
        _stop(rule, conversation_id, event, "rate", now)
        return Outcome(rule, verdict, [], stopped="rate")
    applied = []
    with transaction.atomic():
        RuleRun.objects.create(
            workspace_id=rule.workspace_id,
            rule_id=rule.pk,
            conversation_id=conversation_id,
            event=event,
            at=now,
        )
        for action in rule.actions:
            conversation = load(conversation_id)
            try:
                with transaction.atomic():
                    said = effects.apply(rule, action, conversation, event)
                    if said is not None:
                        effects.record_applied(rule, conversation_id, action, said)
                        applied.append({"type": action["type"], **said})
            except SportelloError as exc:
                record_event(
                    conversation_id,
                    "rule_action_failed",
                    rule=rule.name,
                    rule_id=rule.pk,
                    action=action["type"],
                    error=exc.message[:300],
                )
    return Outcome(rule, verdict, applied)


def _stop(rule: Rule, conversation_id: int, event: str, reason: str, now: datetime) -> None:
    """Record a loop stopped: on the timeline once per window, always as a run."""
    with transaction.atomic():
        told = RuleRun.objects.filter(
            rule_id=rule.pk,
            conversation_id=conversation_id,
            at__gt=now - RUN_WINDOW,
            stopped__gt="",
        ).exists()
        RuleRun.objects.create(
            workspace_id=rule.workspace_id,
            rule_id=rule.pk,
            conversation_id=conversation_id,
            event=event,
            at=now,
            stopped=reason,
        )
        if not told:
            log.warning("rule %s stopped on conversation %s: %s", rule.pk, conversation_id, reason)
            record_event(
                conversation_id, "rule_stopped", rule=rule.name, rule_id=rule.pk, reason=reason
            )


def dry_run(rule: Rule, conversation: Conversation) -> Verdict:
    """Whether the rule's conditions hold on the conversation now (its latest customer
    message), without doing anything."""
    return judge(rule.conditions, Facts.gather(conversation, clock.now()))
