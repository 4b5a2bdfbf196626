"""What an SLA policy makes of a conversation's moments: pure decisions, no database.

The pipeline step, the event handlers and the breach scanner all ask these functions which
columns of a conversation change (``first_reply_due_at``, ``first_reply_sla``...), and
write the answer through ``conversations.actions``. Keeping the rules here, in one
place, is what makes them testable as a table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sportello.conversations.models import RUNNING_SLA_STATES, SlaState
from sportello.sla.hours import (
    HORIZON_DAYS,
    OpeningHours,
    add_business_time,
    business_time_between,
)

TARGETS = ("first_reply", "next_reply", "resolution")


@dataclass(frozen=True)
class Target:
    minutes: int
    business: bool


@dataclass(frozen=True)
class PolicyRules:
    """A policy as the clocks use it: its conditions, targets and calendar, read once."""

    id: int
    name: str
    is_default: bool
    conditions: Mapping[str, Sequence[Any]]
    targets: Mapping[str, Target]
    hours: OpeningHours
    warn: timedelta
    # Whether the policy names a calendar of its own rather than the workspace's default:
    # then a channel's or a team's calendar does not replace it.
    own_calendar: bool = False
    # The calendar ``hours`` were read from (the policy's, or a channel's or team's).
    calendar_id: int = 0

    def applies_to(
        self,
        *,
        channel_id: int,
        priority: int,
        team_id: int | None,
        tags: Sequence[str],
        segment: str = "",
    ) -> bool:
        """Every condition given holds (an empty condition set holds always)."""
        c = self.conditions
        if c.get("segments") and segment not in c["segments"]:
            return False
        if c.get("channels") and channel_id not in c["channels"]:
            return False
        if c.get("priorities") and priority not in c["priorities"]:
            return False
        if c.get("teams") and team_id not in c["teams"]:
            return False
        return not (c.get("tags") and not set(tags) & set(c["tags"]))

    def due(self, target: str, start: datetime) -> datetime | None:
        """When ``target`` falls due for a clock started at ``start`` (``None``: no target)."""
        goal = self.targets.get(target)
        if goal is None:
            return None
        duration = timedelta(minutes=goal.minutes)
        if goal.business:
            return add_business_time(self.hours, start, duration)
        return start + duration

    def resume(self, target: str, due: datetime, paused_at: datetime, now: datetime) -> datetime:
        """The due time of a clock paused at ``paused_at`` and running again at ``now``:
        the time that was left then is counted again from ``now``."""
        goal = self.targets.get(target)
        if goal is None or not goal.business:
            return due + max(now - paused_at, timedelta(0))
        left = business_time_between(self.hours, paused_at, due)
        return add_business_time(self.hours, now, left)


def choose(
    policies: Sequence[PolicyRules],
    *,
    channel_id: int,
    priority: int,
    team_id: int | None,
    tags: Sequence[str] = (),
    segment: str = "",
) -> PolicyRules | None:
    """The first policy, in order, whose conditions hold; the default one last."""
    ordered = sorted(policies, key=lambda p: p.is_default)
    for policy in ordered:
        if policy.applies_to(
            channel_id=channel_id, priority=priority, team_id=team_id, tags=tags, segment=segment
        ):
            return policy
    return None


def clock_start(sent_at: datetime | None, arrived_at: datetime) -> datetime:
    """The customer's own time of writing as the channel reports it, never later than its
    arrival (a sender's clock ahead of ours must not buy the business time)."""
    return arrived_at if sent_at is None else min(sent_at, arrived_at)


def check_at(columns: Mapping[str, Any], warn: timedelta) -> datetime | None:
    """The next instant the scanner must look: a running target's warning, else a warned
    one's breach; ``None`` when no clock runs."""
    moments = []
    for target in TARGETS:
        due, state = columns.get(f"{target}_due_at"), columns.get(f"{target}_sla")
        if due is None or state not in RUNNING_SLA_STATES:
            continue
        moments.append(due - warn if state == SlaState.RUNNING else due)
    return min(moments, default=None)


def opened(policy: PolicyRules, start: datetime) -> dict[str, Any]:
    """A new conversation: the first reply and the resolution clocks start."""
    columns: dict[str, Any] = {"sla_policy_id": policy.id}
    for target in ("first_reply", "resolution"):
        due = policy.due(target, start)
        columns[f"{target}_due_at"] = due
        columns[f"{target}_sla"] = SlaState.RUNNING if due is not None else None
    columns["sla_check_at"] = check_at(columns, policy.warn)
    return columns


def customer_wrote(
    policy: PolicyRules, state: Mapping[str, Any], start: datetime, now: datetime
) -> dict[str, Any]:
    """A customer's message in an existing conversation (``state``: its SLA columns,
    ``status``, ``first_reply_at`` and ``waiting_since``).

    - Answered before (no wait running): the next-reply clock starts.
    - Pending, its clocks paused: they run again, with the time they had left.
    - Finished (resolved, closed): a new resolution clock starts.
    """
    columns: dict[str, Any] = {}
    current = {**state}
    if state.get("sla_policy_id") is None:
        columns["sla_policy_id"] = policy.id
    if state.get("sla_paused_at") is not None:
        columns.update(_resumed(policy, state, now))
        columns["sla_paused_at"] = None
    if state.get("status") in ("resolved", "closed"):
        due = policy.due("resolution", start)
        columns["resolution_due_at"] = due
        columns["resolution_sla"] = SlaState.RUNNING if due is not None else None
    if state.get("first_reply_at") is not None and state.get("waiting_since") is None:
        due = policy.due("next_reply", start)
        columns["next_reply_due_at"] = due
        columns["next_reply_sla"] = SlaState.RUNNING if due is not None else None
    current.update(columns)
    check = check_at(current, policy.warn)
    if check != state.get("sla_check_at"):
        columns["sla_check_at"] = check
    return columns


def _resumed(policy: PolicyRules, state: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    columns = {}
    paused_at = state["sla_paused_at"]
    for target in TARGETS:
        due = state.get(f"{target}_due_at")
        if due is not None and state.get(f"{target}_sla") in RUNNING_SLA_STATES:
            columns[f"{target}_due_at"] = policy.resume(target, due, paused_at, now)
    return columns


def replied(state: Mapping[str, Any], at: datetime, warn: timedelta) -> dict[str, Any]:
    """An agent's reply meets (or, late, breaches) the running reply clock."""
    columns: dict[str, Any] = {}
    for target in ("first_reply", "next_reply"):
        due, current = state.get(f"{target}_due_at"), state.get(f"{target}_sla")
        if due is not None and current in RUNNING_SLA_STATES:
            columns[f"{target}_sla"] = SlaState.MET if at <= due else SlaState.BREACHED
            break  # a reply answers one wait: the first, else the next
    if columns:
        columns["sla_check_at"] = check_at({**state, **columns}, warn)
    return columns


def status_changed(
    policy: PolicyRules | None, state: Mapping[str, Any], old: str, new: str, now: datetime
) -> dict[str, Any]:
    """Pending pauses every running clock; leaving pending resumes them; resolving meets
    (or breaches) the resolution target and stops the clocks."""
    columns: dict[str, Any] = {}
    warn = policy.warn if policy is not None else timedelta(0)
    if new in ("resolved", "closed"):
        due, current = state.get("resolution_due_at"), state.get("resolution_sla")
        if due is not None and current in RUNNING_SLA_STATES:
            columns["resolution_sla"] = SlaState.MET if now <= due else SlaState.BREACHED
        columns["sla_paused_at"] = None
        columns["sla_check_at"] = None
    elif new == "pending" and state.get("sla_paused_at") is None:
        columns["sla_paused_at"] = now
        columns["sla_check_at"] = None
    elif old == "pending" and state.get("sla_paused_at") is not None and policy is not None:
        columns.update(_resumed(policy, state, now))
        columns["sla_paused_at"] = None
        columns["sla_check_at"] = check_at({**state, **columns}, warn)
    return {k: v for k, v in columns.items() if state.get(k) != v}


def policy_changed(
    policy: PolicyRules, state: Mapping[str, Any], starts: Mapping[str, datetime | None]
) -> dict[str, Any]:
    """Another policy applies now (an agent raised the priority, moved the team or the
    tags): each clock still running runs again on its targets, from when it started
    (``starts``: the conversation's opening, the customer's wait). Paused clocks are
    left to resume on the policy they were paused under."""
    columns: dict[str, Any] = {"sla_policy_id": policy.id}
    if state.get("sla_paused_at") is not None:
        return columns
    for target in TARGETS:
        start = starts.get(target)
        running = state.get(f"{target}_sla") in RUNNING_SLA_STATES
        never_set = state.get(f"{target}_sla") is None and target == "resolution"
        if start is None or not (running or never_set):
            continue
        due = policy.due(target, start)
        columns[f"{target}_due_at"] = due
        columns[f"{target}_sla"] = SlaState.RUNNING if due is not None else None
    columns["sla_check_at"] = check_at({**state, **columns}, policy.warn)
    return {k: v for k, v in columns.items() if state.get(k) != v}


# The longest clock ``recomputed`` counts again: business time is counted at most
# ``HORIZON_DAYS`` ahead of a start (a clock older than that is left as it was).
LONGEST_RECOMPUTED = timedelta(days=HORIZON_DAYS - 2)


def recomputed(
    old: PolicyRules,
    new: PolicyRules,
    state: Mapping[str, Any],
    starts: Mapping[str, datetime | None],
    now: datetime,
) -> dict[str, Any]:
    """A calendar or a policy changed under running clocks (``old``: as the clocks were
    computed, ``new``: as it is now). Each clock still running runs again from when it
    started (``starts``) on the new calendar and target; met and breached ones stay.

    What a clock had beyond its target in the old reckoning (the time it was paused
    while the conversation waited on the customer, or a start earlier than ``starts``
    says) is kept, in the same kind of time: the due time is ``start`` plus the new
    target plus that. A warned clock whose breach moved out of the warning's reach runs
    again (it will be warned again); a paused one stays paused, to resume on the new
    due time."""
    columns: dict[str, Any] = {}
    for target in TARGETS:
        start, due = starts.get(target), state.get(f"{target}_due_at")
        current = state.get(f"{target}_sla")
        if start is None or due is None or current not in RUNNING_SLA_STATES:
            continue
        if due - start > LONGEST_RECOMPUTED:
            continue  # beyond what business time is counted over: left as it was
        before, after = old.targets.get(target), new.targets.get(target)
        if after is None:
            columns[f"{target}_due_at"], columns[f"{target}_sla"] = None, None
            continue
        beyond = timedelta(0)
        if before is not None:
            ran = business_time_between(old.hours, start, due) if before.business else due - start
            beyond = ran - timedelta(minutes=before.minutes)
        total = max(timedelta(minutes=after.minutes) + beyond, timedelta(0))
        moved = add_business_time(new.hours, start, total) if after.business else start + total
        columns[f"{target}_due_at"] = moved
        if current == SlaState.WARNED and moved - new.warn > now:
            columns[f"{target}_sla"] = SlaState.RUNNING
    merged = {**state, **columns}
    if state.get("sla_paused_at") is None:
        columns["sla_check_at"] = check_at(merged, new.warn)
    return {k: v for k, v in columns.items() if state.get(k) != v}


@dataclass(frozen=True)
class Escalation:
    """What the scanner found on one conversation: its new columns and what to tell."""

    columns: dict[str, Any]
    warned: list[tuple[str, datetime]]
    breached: list[tuple[str, datetime]]


def escalate(state: Mapping[str, Any], now: datetime, warn: timedelta) -> Escalation:
    """A running target whose breach is near is warned; one past due is breached. A reply
    the handlers did not get to (``first_reply_at`` set) still counts as met."""
    columns: dict[str, Any] = {}
    warned: list[tuple[str, datetime]] = []
    breached: list[tuple[str, datetime]] = []
    for target in TARGETS:
        due, current = state.get(f"{target}_due_at"), state.get(f"{target}_sla")
        if due is None or current not in RUNNING_SLA_STATES:
            continue
        if target == "first_reply" and state.get("first_reply_at") is not None:
            columns[f"{target}_sla"] = (
                SlaState.MET if state["first_reply_at"] <= due else SlaState.BREACHED
            )
        elif due <= now:
            columns[f"{target}_sla"] = SlaState.BREACHED
            breached.append((target, due))
        elif current == SlaState.RUNNING and due - warn <= now:
            columns[f"{target}_sla"] = SlaState.WARNED
            warned.append((target, due))
    columns["sla_check_at"] = check_at({**state, **columns}, warn)
    return Escalation(columns, warned, breached)
