"""The only code that writes calendars and SLA policies, and that moves conversations'
SLA clocks (through ``conversations.actions.update_sla``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction

from sportello.accounts.models import Team
from sportello.channels.models import Channel
from sportello.conversations import actions as conversation_actions
from sportello.conversations.actions import timeline
from sportello.conversations.models import Conversation
from sportello.conversations.queries import (
    SLA_FIELDS,
    clocks_to_follow,
    sla_checks_due,
    sla_state,
)
from sportello.core import clock
from sportello.core.errors import Conflict, InvalidInput
from sportello.core.events import publish
from sportello.customers.models import Segment
from sportello.customers.queries import segment_of as segment_of_customer
from sportello.sla import queries, timers
from sportello.sla.events import ClocksMoved, SlaBreached, SlaWarning
from sportello.sla.hours import CalendarInvalid, OpeningHours
from sportello.sla.models import (
    DEFAULT_COUNTRY,
    DEFAULT_FIRST_REPLY_MINUTES,
    DEFAULT_HOURS,
    DEFAULT_TIME_ZONE,
    Calendar,
    CalendarAssignment,
    SlaPolicy,
)
from sportello.sla.timers import PolicyRules

_UNSET: Any = object()
CONDITION_KINDS = ("channels", "priorities", "teams", "tags", "segments")
MAX_TARGET_MINUTES = 366 * 24 * 60


# Calendars -------------------------------------------------------------------------------


def _check_calendar(calendar: Calendar) -> None:
    if not calendar.name.strip():
        raise InvalidInput("name: a calendar needs a name")
    if not isinstance(calendar.closed_days, list) or not isinstance(calendar.open_days, dict):
        raise InvalidInput("closed_days: a list of dates; open_days: dates with their intervals")
    OpeningHours.build(
        time_zone=calendar.time_zone,
        weekly=calendar.hours,
        country=calendar.holiday_country,
        subdivision=calendar.holiday_subdivision,
        closed_days=calendar.closed_days,
        open_days=calendar.open_days,
    )


def _save_unique(instance: Calendar | SlaPolicy, what: str) -> None:
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError:
        raise Conflict(f"a {what} named {instance.name!r} exists already") from None


def _attach(calendar: Calendar, channel_ids: list[int] | None, team_ids: list[int] | None) -> None:
    """Attach ``calendar`` to exactly these channels and teams (``None``: leave them); a
    channel or team attached to another calendar moves to this one."""
    for ids, column, model, what in (
        (channel_ids, "channel_id", Channel, "channel"),
        (team_ids, "team_id", Team, "team"),
    ):
        if ids is None:
            continue
        wanted = set(ids)
        found = set(
            model.objects.filter(workspace_id=calendar.workspace_id, pk__in=wanted).values_list(
                "pk", flat=True
            )
        )
        if wanted - found:
            missing = ", ".join(str(i) for i in sorted(wanted - found))
            raise InvalidInput(f"{what}_ids: no {what} {missing} in this workspace")
        CalendarAssignment.objects.filter(
            calendar=calendar, **{f"{column}__isnull": False}
        ).exclude(**{f"{column}__in": wanted}).delete()
        CalendarAssignment.objects.filter(
            workspace_id=calendar.workspace_id, **{f"{column}__in": wanted}
        ).exclude(calendar=calendar).delete()
        have = set(
            CalendarAssignment.objects.filter(calendar=calendar).values_list(column, flat=True)
        )
        CalendarAssignment.objects.bulk_create(
            CalendarAssignment(workspace_id=calendar.workspace_id, calendar=calendar, **{column: i})
            for i in sorted(wanted - have)
        )


@transaction.atomic
def create_calendar(
    workspace_id: int,
    *,
    channel_ids: list[int] | None = None,
    team_ids: list[int] | None = None,
    **fields: Any,
) -> Calendar:
    """A new calendar, checked: intervals that overlap, a week with no open hours, an
    unknown time zone or holiday region are refused with a message that names them.
    ``channel_ids`` and ``team_ids``: the channels and teams whose conversations it times
    (taken from the calendar they had)."""
    calendar = Calendar(workspace_id=workspace_id, **fields)
    _check_calendar(calendar)
    _save_unique(calendar, "calendar")
    _attach(calendar, channel_ids, team_ids)
    queries.forget(workspace_id)
    return calendar


@transaction.atomic
def update_calendar(
    calendar: Calendar,
    *,
    channel_ids: list[int] | None = None,
    team_ids: list[int] | None = None,
    **changes: Any,
) -> Calendar:
    """Change a calendar. When its hours, holidays, exceptions or time zone change, the
    running clocks counted on it follow, recomputed by a job after the commit
    (``follow_change``); attaching it to other channels or teams applies to clocks
    started from now on."""
    before = _calendar_definition(calendar)
    for name, value in changes.items():
        setattr(calendar, name, value)
    _check_calendar(calendar)
    _save_unique(calendar, "calendar")
    _attach(calendar, channel_ids, team_ids)
    queries.forget(calendar.workspace_id)
    if _calendar_definition(calendar) != before:
        _follow(calendar.workspace_id, {"calendar_id": calendar.pk, "old_calendar": before})
    return calendar


@transaction.atomic
def delete_calendar(calendar: Calendar) -> None:
    if calendar.is_default:
        raise Conflict("the default calendar cannot be deleted; edit its hours instead")
    if calendar.policies.exists():
        raise Conflict("SLA policies use this calendar; move them to another calendar first")
    calendar.delete()
    queries.forget(calendar.workspace_id)


# Policies --------------------------------------------------------------------------------


def _check_policy(policy: SlaPolicy) -> None:
    if not policy.name.strip():
        raise InvalidInput("name: a policy needs a name")
    if policy.calendar.workspace_id != policy.workspace_id:
        raise InvalidInput("calendar_id: no such calendar in this workspace")
    for target in timers.TARGETS:
        minutes = getattr(policy, f"{target}_minutes")
        if minutes is not None and not 1 <= minutes <= MAX_TARGET_MINUTES:
            raise InvalidInput(f"{target}_minutes: between 1 and {MAX_TARGET_MINUTES}")
    if policy.warn_minutes > MAX_TARGET_MINUTES:
        raise InvalidInput(f"warn_minutes: at most {MAX_TARGET_MINUTES}")
    conditions = policy.conditions
    if not isinstance(conditions, dict) or set(conditions) - set(CONDITION_KINDS):
        raise InvalidInput(f"conditions: an object with {', '.join(CONDITION_KINDS)}")
    segments = conditions.get("segments") or []
    if not isinstance(segments, list) or set(segments) - set(Segment.values):
        raise InvalidInput(f"conditions.segments: any of {', '.join(Segment.values)}")
    if policy.is_default and any(conditions.values()):
        raise InvalidInput("conditions: the default policy applies to every conversation")


@transaction.atomic
def create_policy(workspace_id: int, calendar: Calendar, **fields: Any) -> SlaPolicy:
    """A new policy, tried before the default one in ``position`` order."""
    policy = SlaPolicy(workspace_id=workspace_id, calendar=calendar, **fields)
    _check_policy(policy)
    _save_unique(policy, "policy")
    queries.forget(workspace_id)
    return policy


@transaction.atomic
def update_policy(policy: SlaPolicy, **changes: Any) -> SlaPolicy:
    """Change a policy. New conditions choose the policy of conversations opened from now
    on; new targets or a new calendar move the clocks still running on it, recomputed by
    a job after the commit (``follow_change``)."""
    before = _policy_targets(policy)
    for name, value in changes.items():
        setattr(policy, name, value)
    _check_policy(policy)
    _save_unique(policy, "policy")
    queries.forget(policy.workspace_id)
    if _policy_targets(policy) != before:
        _follow(policy.workspace_id, {"policy_id": policy.pk, "old_policy": before})
    return policy


def _calendar_definition(calendar: Calendar) -> dict[str, Any]:
    """What a calendar's open time is computed from (its name and attachments are not)."""
    return {
        "time_zone": calendar.time_zone,
        "weekly": calendar.hours,
        "country": calendar.holiday_country,
        "subdivision": calendar.holiday_subdivision,
        "closed_days": list(calendar.closed_days),
        "open_days": dict(calendar.open_days),
    }


def _policy_targets(policy: SlaPolicy) -> dict[str, Any]:
    """What a policy's due times are computed from."""
    fields = [f"{target}_{part}" for target in timers.TARGETS for part in ("minutes", "business")]
    return {
        "calendar_id": policy.calendar_id,
        "warn_minutes": policy.warn_minutes,
        **{name: getattr(policy, name) for name in fields},
    }


def _follow(workspace_id: int, change: dict[str, Any]) -> None:
    """Queue the recomputation of the clocks a change moves, once it commits (a job: a
    workspace may have a million open conversations)."""
    publish(ClocksMoved(workspace_id=workspace_id, change=change))


@transaction.atomic
def delete_policy(policy: SlaPolicy) -> None:
    if policy.is_default:
        raise Conflict("the default policy cannot be deleted; change its targets instead")
    policy.delete()
    queries.forget(policy.workspace_id)


@transaction.atomic
def ensure_defaults(workspace_id: int) -> SlaPolicy:
    """The workspace's default calendar (Mon-Fri 09:00-18:00 Europe/Rome, Italian public
    holidays) and default policy (first reply within one business hour on it), created on
    first need: the data migration gave them to the workspaces that existed, and a
    workspace created since gets them with its first message or its first look at the
    policies. Two processes creating them at once: the loser finds the winner's."""
    policy = SlaPolicy.objects.filter(workspace_id=workspace_id, is_default=True).first()
    if policy is not None:
        return policy
    try:
        with transaction.atomic():
            calendar = queries.default_calendar(workspace_id) or Calendar.objects.create(
                workspace_id=workspace_id,
                name="Orario d'ufficio",
                time_zone=DEFAULT_TIME_ZONE,
                hours=DEFAULT_HOURS,
                holiday_country=DEFAULT_COUNTRY,
                is_default=True,
            )
            policy = SlaPolicy.objects.create(
                workspace_id=workspace_id,
                name="Predefinita",
                is_default=True,
                calendar=calendar,
                first_reply_minutes=DEFAULT_FIRST_REPLY_MINUTES,
            )
    except IntegrityError:
        policy = SlaPolicy.objects.get(workspace_id=workspace_id, is_default=True)
    queries.forget(workspace_id)
    return policy


def rules_in_force(workspace_id: int) -> list[PolicyRules]:
    rules = queries.policies_in_force(workspace_id)
    if not rules:
        ensure_defaults(workspace_id)
        rules = queries.policies_in_force(workspace_id)
    return rules


# Clocks ----------------------------------------------------------------------------------


def clocks_for_message(
    *,
    workspace_id: int,
    conversation: Conversation | None,
    channel_id: int,
    team_id: int | None,
    sent_at: datetime | None,
    segment: str = "",
) -> dict[str, Any]:
    """The SLA columns a customer's message sets (for ``receive_message``'s ``sla``): a
    new conversation's first-reply and resolution clocks, an answered one's next-reply
    clock, a paused one's clocks running again. The clock starts at ``sent_at``."""
    now = clock.now()
    start = timers.clock_start(sent_at, now)
    rules = rules_in_force(workspace_id)
    if conversation is None:
        policy = timers.choose(
            rules,
            channel_id=channel_id,
            priority=1,
            team_id=team_id,
            tags=(),
            segment=segment,
        )
        if policy is None:
            return {}
        policy = queries.on_local_calendar(
            workspace_id, policy, channel_id=channel_id, team_id=team_id
        )
        return timers.opened(policy, start)
    policy = _policy_of(rules, conversation)
    if policy is None:
        return {}
    return timers.customer_wrote(policy, _state_of(conversation), start, now)


_STATE = ("status", "first_reply_at", "waiting_since", *SLA_FIELDS)


def _policy_of(rules: list[PolicyRules], conversation: Conversation) -> PolicyRules | None:
    """The policy a conversation's clocks run on: the one it was given, else the one its
    channel, priority and team choose now (a conversation older than the policies); on
    the calendar of its channel or team when one is attached."""
    found = next((p for p in rules if p.id == conversation.sla_policy_id), None)
    if found is None:
        found = timers.choose(
            rules,
            channel_id=conversation.channel_id,
            priority=conversation.priority,
            team_id=conversation.team_id,
        )
    return _local(conversation, found)


def _local(conversation: Conversation, policy: PolicyRules | None) -> PolicyRules | None:
    if policy is None:
        return None
    return queries.on_local_calendar(
        conversation.workspace_id,
        policy,
        channel_id=conversation.channel_id,
        team_id=conversation.team_id,
    )


def _state_of(conversation: Conversation) -> dict[str, Any]:
    return {name: getattr(conversation, name) for name in _STATE}


def _write(
    conversation: Conversation,
    state: Mapping[str, Any],
    columns: Mapping[str, Any],
    events: list[tuple[str, dict[str, Any]]] | None = None,
) -> bool:
    # Only on the values decided from: a concurrent change makes this decision stale.
    expect = {name: state[name] for name in columns if name in SLA_FIELDS}
    return conversation_actions.update_sla(
        conversation, columns, expect=expect, events=events or []
    )


def reply_sent(conversation_id: int, at: datetime) -> None:
    """An agent's reply meets (or, late, breaches) the reply clock that was running."""
    conversation = sla_state(conversation_id)
    if conversation is None:
        return
    policy = queries.policy_in_force(conversation.workspace_id, conversation.sla_policy_id)
    state = _state_of(conversation)
    columns = timers.replied(state, at, policy.warn if policy else timedelta(0))
    if columns:
        _write(conversation, state, columns)


def status_changed(conversation_id: int, old: str, new: str) -> None:
    """Pending pauses the clocks, leaving it resumes them, resolving ends them."""
    conversation = sla_state(conversation_id)
    if conversation is None:
        return
    policy = _local(
        conversation,
        queries.policy_in_force(conversation.workspace_id, conversation.sla_policy_id),
    )
    state = _state_of(conversation)
    columns = timers.status_changed(policy, state, old, new, clock.now())
    if columns:
        _write(conversation, state, columns)


def conditions_changed(conversation_id: int) -> None:
    """Priority, team or tags changed: if another policy now applies, its targets replace
    the old ones on the clocks still running (an urgent conversation gets the urgent
    target), counted from when each clock started."""
    conversation = sla_state(conversation_id)
    if conversation is None or conversation.status in ("resolved", "closed"):
        return
    rules = rules_in_force(conversation.workspace_id)
    tags = list(conversation.tags.values_list("name", flat=True))
    policy = timers.choose(
        rules,
        channel_id=conversation.channel_id,
        priority=conversation.priority,
        team_id=conversation.team_id,
        tags=tags,
        segment=segment_of_customer(conversation.customer_id),
    )
    if policy is None or policy.id == conversation.sla_policy_id:
        return
    policy = _local(conversation, policy)
    assert policy is not None
    state = _state_of(conversation)
    starts = {
        "first_reply": conversation.created_at if conversation.first_reply_at is None else None,
        "next_reply": conversation.waiting_since if conversation.first_reply_at else None,
        "resolution": conversation.created_at,
    }
    columns = timers.policy_changed(policy, state, starts)
    if columns:
        _write(conversation, state, columns)


BATCH = 500


def follow_change(
    workspace_id: int, change: Mapping[str, Any], *, after_id: int = 0, batches: int = 20
) -> tuple[int, int | None]:
    """Recompute the running clocks of the active conversations a calendar or policy
    change moves (``change``: ``calendar_id`` and its ``old_calendar`` definition, or
    ``policy_id`` and its ``old_policy`` targets), from when each started
    (``timers.recomputed``); met and breached outcomes stay.

    Walks the conversations in id order after ``after_id`` from the partial index
    ``conv_sla_policy_active``, one transaction per batch of ``BATCH`` (each row written
    only if its clocks did not move meanwhile), at most ``batches`` batches. Returns
    (clocks moved, the id to go on after; ``None`` when done)."""
    queries.forget(workspace_id)  # this process may have read them before the change
    rules = {rule.id: rule for rule in queries.policies_in_force(workspace_id)}
    was = _Before.of(change, rules)
    moved = 0
    now = clock.now()
    for _ in range(batches):
        with transaction.atomic():
            found = clocks_to_follow(workspace_id, was.policy_ids, after_id=after_id, limit=BATCH)
            changes = []
            for conversation in found:
                decided = _followed(conversation, rules, was, now)
                if decided is not None:
                    changes.append(decided)
            moved += sum(conversation_actions.update_sla_many(changes))
        if len(found) < BATCH:
            return moved, None
        after_id = found[-1].pk
    return moved, after_id


@dataclass(frozen=True)
class _Before:
    """What the clocks were computed on before the change, read once per run."""

    policy_ids: list[int]
    calendar_id: int | None = None  # a calendar changed: this one
    hours: OpeningHours | None = None  # its hours before (or the policy's old calendar's)
    policy_calendar_id: int = 0  # a policy changed: its calendar now
    targets: dict[str, timers.Target] | None = None  # and its targets before

    @classmethod
    def of(cls, change: Mapping[str, Any], rules: Mapping[int, PolicyRules]) -> _Before:
        if change.get("calendar_id") is not None:
            return cls(
                policy_ids=sorted(rules),
                calendar_id=change["calendar_id"],
                hours=OpeningHours.build(**change["old_calendar"]),
            )
        policy = rules.get(change["policy_id"])
        if policy is None:  # deactivated since: its clocks are left as they are
            return cls(policy_ids=[])
        old = change["old_policy"]
        targets = {
            target: timers.Target(old[f"{target}_minutes"], old[f"{target}_business"])
            for target in timers.TARGETS
            if old[f"{target}_minutes"] is not None
        }
        hours = None
        if old["calendar_id"] != policy.calendar_id:
            calendar = Calendar.objects.filter(pk=old["calendar_id"]).first()
            hours = queries.opening_hours(calendar) if calendar is not None else None
        return cls(
            policy_ids=[policy.id],
            hours=hours,
            policy_calendar_id=policy.calendar_id,
            targets=targets,
        )

    def old(self, new: PolicyRules) -> PolicyRules | None:
        """The rules ``new``'s clocks were computed on; ``None``: the change did not
        touch them (a calendar other than the one changed counts them)."""
        if self.calendar_id is not None:
            if new.calendar_id != self.calendar_id or self.hours is None:
                return None
            return replace(new, hours=self.hours)
        assert self.targets is not None
        old = replace(new, targets=self.targets)
        if self.hours is not None and new.calendar_id == self.policy_calendar_id:
            old = replace(old, hours=self.hours)
        return old


def _followed(
    conversation: Conversation, rules: Mapping[int, PolicyRules], was: _Before, now: datetime
) -> conversation_actions.SlaChange | None:
    """The change one conversation's clocks take, or ``None``."""
    new = _local(conversation, rules.get(conversation.sla_policy_id or 0))
    old = was.old(new) if new is not None else None
    if new is None or old is None:
        return None
    state = _state_of(conversation)
    starts = {
        "first_reply": conversation.created_at if conversation.first_reply_at is None else None,
        "next_reply": conversation.waiting_since if conversation.first_reply_at else None,
        "resolution": conversation.created_at,
    }
    try:
        columns = timers.recomputed(old, new, state, starts, now)
    except CalendarInvalid:
        # Open for longer than the calendar arithmetic looks ahead (three years): its
        # clocks stay as they were rather than stopping the walk.
        return None
    if not columns:
        return None
    expect = {name: state[name] for name in SLA_FIELDS}
    return conversation_actions.SlaChange(conversation, columns, expect)


def escalate_due(*, batches: int = 20) -> tuple[int, int]:
    """Warn of the breaches that are near and record those that happened, on every
    conversation the index says is due; returns (warnings, breaches).

    A batch is one transaction and its timeline events one insert (a commit per
    conversation cost ~9 ms each on SQLite); each conversation in it is written only if
    its clocks did not move meanwhile, so a reply recorded since the batch was read is
    never overwritten by a breach."""
    now = clock.now()
    warnings = breaches = 0
    for _ in range(batches):
        with transaction.atomic():
            due = sla_checks_due(now, limit=BATCH)
            found = [_escalation(conversation, now) for conversation in due]
            changes = [change for change, _ in found]
            written = conversation_actions.update_sla_many(changes)
            for (change, escalation), done in zip(found, written, strict=True):
                if done:
                    _publish(change.conversation, escalation)
                    warnings += len(escalation.warned)
                    breaches += len(escalation.breached)
        if len(due) < BATCH:
            break
    return warnings, breaches


def _escalation(
    conversation: Conversation, now: datetime
) -> tuple[conversation_actions.SlaChange, timers.Escalation]:
    policy = queries.policy_in_force(conversation.workspace_id, conversation.sla_policy_id)
    state = _state_of(conversation)
    found = timers.escalate(state, now, policy.warn if policy else timedelta(0))
    events = [timeline.sla_warning(t, due) for t, due in found.warned]
    events += [timeline.sla_breached(t, due) for t, due in found.breached]
    expect = {name: state[name] for name in found.columns if name in SLA_FIELDS}
    return conversation_actions.SlaChange(conversation, found.columns, expect, events), found


def _publish(conversation: Conversation, found: timers.Escalation) -> None:
    for kind, moments in ((SlaWarning, found.warned), (SlaBreached, found.breached)):
        for target, due in moments:
            publish(
                kind(
                    workspace_id=conversation.workspace_id,
                    conversation_id=conversation.pk,
                    target=target,
                    due_at=due,
                    assignee_id=conversation.assignee_id,
                    team_id=conversation.team_id,
                )
            )
