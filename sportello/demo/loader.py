"""Load the demo shop (``shop.toml`` beside this module) into the first workspace.

Everything goes through the ingest pipeline and the conversation actions, the way real
traffic does; nothing is saved directly. Loading twice adds nothing: every customer message
has an external id (``demo-<story>-<n>``) and a story whose first message comes back as a
duplicate is already there. The whole load is one transaction, so an interrupted load leaves
nothing half done. It refuses a workspace where one of the demo's channel slugs already has
a provider configuration: the demo is for a trial installation, not a business's workspace.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.db import transaction

from sportello.accounts.actions import create_agent, create_team
from sportello.accounts.bootstrap import ensure_default_workspace
from sportello.accounts.models import Agent, Team
from sportello.automation.replies import add_shared_reply
from sportello.channels.actions import ensure_channel
from sportello.channels.models import Channel
from sportello.conversations.actions import (
    add_note,
    assign,
    reply,
    set_priority,
    set_status,
    set_tags,
)
from sportello.conversations.models import Conversation, Priority, Status
from sportello.core import clock
from sportello.core.models import Workspace
from sportello.ingest.inbound import InboundMessage, Sender
from sportello.ingest.pipeline import ingest

SHOP_FILE = Path(__file__).with_name("shop.toml")
LINE_KINDS = ("customer", "reply", "note", "resolve")
LATER = {"minutes_later": 1, "hours_later": 60, "days_later": 24 * 60}  # in minutes


@dataclass(frozen=True)
class Person:
    """Someone who writes to the shop; each channel sees only its own identity of them."""

    name: str
    email: str = ""
    phone: str = ""
    telegram: str = ""
    messenger: str = ""

    def on(self, kind: str) -> Sender:
        if kind == "email":
            return Sender(name=self.name, email=self.email)
        if kind == "webchat":
            # The chat widget's form asks for an email and, optionally, a phone number.
            return Sender(name=self.name, email=self.email, phone=self.phone)
        if kind == "whatsapp":
            return Sender(name=self.name, phone=self.phone, handles={"whatsapp": self.phone})
        if kind == "telegram":
            return Sender(name=self.name, handles={"telegram": self.telegram})
        if kind == "messenger":
            return Sender(name=self.name, handles={"messenger": self.messenger})
        return Sender(name=self.name, phone=self.phone)


@dataclass(frozen=True)
class DemoChannel:
    """A channel the shop is reached on, keyed by its slug."""

    kind: str
    name: str
    config: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DemoAgent:
    """A member of the shop's staff; ``teams`` are keys of the file's ``[teams]``."""

    email: str
    name: str
    role: str
    teams: tuple[str, ...]


@dataclass(frozen=True)
class Line:
    """One step of a story: ``kind`` is one of LINE_KINDS, ``after`` is in minutes since
    the previous line."""

    kind: str
    after: int
    text: str = ""
    agent: str = ""
    quotes_first: bool = False


@dataclass(frozen=True)
class Story:
    """One conversation: who writes on which channel, what is said, how it stands now."""

    key: str
    person: str
    channel: str
    days_ago: float
    lines: tuple[Line, ...]
    subject: str = ""
    status: str = Status.OPEN
    assignee: str = ""
    team: str = ""
    tags: tuple[str, ...] = ()
    priority: int = Priority.NORMAL
    snooze_days: int = 0


@dataclass(frozen=True)
class Shop:
    """The demo file, read: keys name the agents, teams, channels and people stories use."""

    name: str
    password: str
    triaged_by: str
    teams: dict[str, str]
    channels: dict[str, DemoChannel]
    agents: dict[str, DemoAgent]
    people: dict[str, Person]
    stories: tuple[Story, ...]
    canned_replies: tuple[dict[str, str], ...] = ()


def read_shop(path: Path = SHOP_FILE) -> Shop:
    """Parse the demo file; an unknown key or a line of no known kind is an error."""
    with path.open("rb") as file:
        data = tomllib.load(file)
    delays: dict[str, int] = data["usual_delays"]
    return Shop(
        name=data["shop"],
        password=data["password"],
        triaged_by=data["triaged_by"],
        teams=data["teams"],
        channels={slug: DemoChannel(**channel) for slug, channel in data["channels"].items()},
        agents={
            key: DemoAgent(**{**agent, "teams": tuple(agent["teams"])})
            for key, agent in data["agents"].items()
        },
        people={key: Person(**person) for key, person in data["people"].items()},
        stories=tuple(_story(story, delays) for story in data["stories"]),
        canned_replies=tuple(data.get("canned_replies", ())),
    )


def _story(table: dict[str, Any], delays: dict[str, int]) -> Story:
    table["lines"] = tuple(_line(line, delays) for line in table["lines"])
    table["tags"] = tuple(table.get("tags", ()))
    table["status"] = Status(table.get("status", Status.OPEN))
    table["priority"] = int(Priority[table.get("priority", "normal").upper()])
    return Story(**table)


def _line(table: dict[str, Any], delays: dict[str, int]) -> Line:
    kinds = [kind for kind in LINE_KINDS if kind in table]
    if len(kinds) != 1:
        raise ValueError(f"a story line says one of {', '.join(LINE_KINDS)}: {table}")
    kind = kinds[0]
    said = table.pop(kind)
    given = [table.pop(unit) * minutes for unit, minutes in LATER.items() if unit in table]
    after = sum(given) if given else delays[kind]
    if kind == "resolve":
        return Line(kind, after, agent=said, **table)
    return Line(kind, after, text=said, **table)


@dataclass
class Loaded:
    """What a load found and did, for the summary."""

    added: int = 0
    present: int = 0
    conversation_ids: set[int] = field(default_factory=set)
    customer_ids: set[int] = field(default_factory=set)


def load_demo(shop: Shop | None = None) -> str:
    """Load the demo into the first workspace; returns a summary to print."""
    shop = shop or read_shop()
    workspace = ensure_default_workspace()
    refusal = _refusal(shop, workspace)
    if refusal:
        return refusal
    with transaction.atomic():
        channels = {
            slug: ensure_channel(
                workspace.pk, kind=channel.kind, name=channel.name, slug=slug, config=channel.config
            )
            for slug, channel in shop.channels.items()
        }
        agents = {
            key: create_agent(
                workspace,
                email=agent.email,
                password=shop.password,
                display_name=agent.name,
                role=agent.role,
            )
            for key, agent in shop.agents.items()
        }
        teams = {
            key: create_team(
                workspace, name, [agents[k] for k, a in shop.agents.items() if key in a.teams]
            )
            for key, name in shop.teams.items()
        }
        for canned in shop.canned_replies:
            add_shared_reply(workspace.pk, **canned)
        loaded = Loaded()
        now = clock.now()
        for story in sorted(shop.stories, key=lambda s: -s.days_ago):
            _play(shop, story, workspace, channels, agents, teams, now, loaded)
    return _summary(shop, workspace, loaded)


def _refusal(shop: Shop, workspace: Workspace) -> str:
    """A reason not to load, when a channel the demo would use is a configured provider:
    its agents' replies would go to fictional people through a real account."""
    configured = [
        channel.slug
        for channel in Channel.objects.filter(workspace=workspace, slug__in=list(shop.channels))
        if channel.config and channel.config != shop.channels[channel.slug].config
    ]
    if not configured:
        return ""
    return (
        f"Demo not loaded: channel(s) {', '.join(sorted(configured))} of workspace "
        f"{workspace.name!r} are configured with a provider. Load the demo into a trial "
        "installation (an empty SPORTELLO_HOME)."
    )


@contextmanager
def _clock_at(moment: datetime) -> Iterator[None]:
    """Actions ask :mod:`sportello.core.clock` what time it is; the demo answers with the
    time of each line, so the inbox holds a month of history instead of sixty conversations
    from the last second. Only ``sportello demo`` runs this, in a process of its own."""
    original: Callable[[], datetime] = clock.now
    clock.now = lambda: moment
    try:
        yield
    finally:
        clock.now = original


def _timeline(story: Story, now: datetime) -> list[datetime]:
    """When each line happens: from ``days_ago``, shifted back if the story would end in
    the future."""
    start = now - timedelta(days=story.days_ago)
    times: list[datetime] = []
    at = start
    for line in story.lines:
        at = at + timedelta(minutes=line.after) if times else at
        times.append(at)
    overrun = times[-1] + timedelta(minutes=2) - now
    if overrun > timedelta(0):
        times = [t - overrun for t in times]
    return times


def _play(
    shop: Shop,
    story: Story,
    workspace: Workspace,
    channels: dict[str, Channel],
    agents: dict[str, Agent],
    teams: dict[str, Team],
    now: datetime,
    loaded: Loaded,
) -> None:
    """Deliver the story's customer messages through the pipeline and let the agents act."""
    person = shop.people[story.person]
    channel = channels[story.channel]
    times = _timeline(story, now)
    first_id = f"demo-{story.key}-1"
    conversation_id = 0

    def conversation() -> Conversation:
        return Conversation.objects.get(pk=conversation_id)

    for number, (line, at) in enumerate(zip(story.lines, times, strict=True), start=1):
        with _clock_at(at):
            if line.kind == "customer":
                result = ingest(
                    InboundMessage(
                        workspace_id=workspace.pk,
                        channel_id=channel.pk,
                        sender=person.on(channel.kind),
                        text=line.text,
                        subject=_subject(story, number),
                        external_id=first_id if number == 1 else f"demo-{story.key}-{number}",
                        sent_at=at - timedelta(seconds=20),
                        references=[first_id] if line.quotes_first else [],
                    ),
                    source="demo",
                )
                loaded.conversation_ids.add(result.conversation_id)
                loaded.customer_ids.add(result.customer_id)
                if number == 1 and result.duplicate:
                    loaded.present += 1
                    return  # loaded before, with all that followed
                conversation_id = result.conversation_id
            elif line.kind == "reply":
                # History, "sent" weeks ago: stored only (``send_reply`` would deliver it).
                reply(conversation(), agents[line.agent], line.text)
            elif line.kind == "note":
                add_note(conversation(), agents[line.agent], line.text)
            else:
                set_status(conversation(), agents[line.agent], Status.RESOLVED)
        if number == 1:
            with _clock_at(at + timedelta(seconds=50)):
                _triage(story, conversation(), agents[shop.triaged_by], agents, teams)
    loaded.added += 1
    if story.status != Status.OPEN:
        agent = agents[story.assignee or shop.triaged_by]
        with _clock_at(times[-1] + timedelta(minutes=1)):
            snoozed_until = now + timedelta(days=story.snooze_days) if story.snooze_days else None
            set_status(conversation(), agent, story.status, snoozed_until=snoozed_until)


def _subject(story: Story, number: int) -> str:
    if not story.subject:
        return ""
    return story.subject if number == 1 else f"Re: {story.subject}"


def _triage(
    story: Story,
    conversation: Conversation,
    by: Agent,
    agents: dict[str, Agent],
    teams: dict[str, Team],
) -> None:
    """What a supervisor does when a conversation arrives: team, agent, tags, priority."""
    if story.assignee or story.team:
        assign(
            conversation,
            by,
            assignee=agents[story.assignee] if story.assignee else None,
            team=teams[story.team] if story.team else None,
        )
    if story.tags:
        set_tags(conversation, by, list(story.tags))
    if story.priority != conversation.priority:
        set_priority(conversation, by, story.priority)


def _summary(shop: Shop, workspace: Workspace, loaded: Loaded) -> str:
    statuses = dict.fromkeys(("open", "pending", "snoozed", "resolved"), 0)
    for status in Conversation.objects.filter(pk__in=loaded.conversation_ids).values_list(
        "status", flat=True
    ):
        statuses[status] = statuses.get(status, 0) + 1
    done = (
        f"{loaded.added} conversations added"
        if not loaded.present
        else f"{loaded.added} conversations added, {loaded.present} already there"
    )
    teams = ", ".join(shop.teams.values())
    lines = [
        f"{shop.name}: demo loaded into workspace {workspace.name!r}.",
        f"  {done}: " + ", ".join(f"{count} {name}" for name, count in statuses.items()),
        f"  {len(loaded.customer_ids)} customers, {len(shop.channels)} channels "
        f"({', '.join(shop.channels)}) besides api, {len(shop.teams)} teams ({teams})",
        f"  Agents (password {shop.password!r}):",
    ]
    for agent in shop.agents.values():
        team_names = ", ".join(shop.teams[key] for key in agent.teams)
        lines.append(f"    {agent.email:<30} {agent.name:<16} {agent.role:<11} {team_names}")
    return "\n".join(lines)
