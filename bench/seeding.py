"""Filling a workspace with years of customer care, fast, for benchmarks.

Going through the actions costs ~1 ms a message: a million conversations would take hours.
This writes the same rows the actions would (customers and identities, conversations with
their timeline events, messages, notes, raw inbound records, tags), with the denormalised
counters consistent, in batches: ``executemany`` on SQLite, ``COPY`` on PostgreSQL.

The full-text index follows by itself: the FTS5 triggers index each inserted message on
SQLite, the GIN index covers ``search_text`` on PostgreSQL.

Run it on a database nobody else is writing to: primary keys are allocated from the current
maxima (conversation numbers, though, are reserved on the workspace the way the actions do).
The CLI is ``bench/seed.py``; this module is importable in tests, inside their transaction.
"""

from __future__ import annotations

import json
import math
import random
import time
from array import array
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import F
from django.utils.text import slugify

from bench.bulk import Batches, Table, timestamp_formatter
from bench.texts import (
    FIRST_NAMES,
    LAST_NAMES,
    TOPICS,
    Topic,
    Writer,
    Written,
    pick_topic,
)
from sportello.accounts.actions import create_agent, create_team
from sportello.accounts.bootstrap import ensure_default_workspace
from sportello.accounts.models import Agent, Team
from sportello.channels import registry
from sportello.channels.actions import ensure_channel
from sportello.channels.models import Channel
from sportello.conversations.actions.store import preview_of
from sportello.conversations.models import Conversation, Message, Status, Tag
from sportello.core.models import Workspace
from sportello.customers.models import Customer, Identity
from sportello.ingest.models import InboundRecord
from sportello.language.stemming import fold

YEAR = 365.25 * 86400
DAY = 86400.0
EMAIL_DOMAINS = ("posta.example.it", "mail.example.it", "example.com", "studio.example.it")

# Share of conversations per channel kind, and the identity a customer needs to use it.
CHANNEL_WEIGHTS = {
    "email": 35,
    "whatsapp": 25,
    "webchat": 12,
    "phone": 8,
    "messenger": 8,
    "api": 7,
    "telegram": 5,
}
CHANNEL_IDENTITY = {
    "email": "email",
    "webchat": "email",
    "api": "email",
    "whatsapp": "whatsapp",
    "phone": "phone",
    "messenger": "messenger",
    "telegram": "telegram",
}
# Channels whose messages read like letters (greeting, several sentences, signature).
LETTER_CHANNELS = {"email", "api"}
IDENTITY_WEIGHTS = {"email": 60, "whatsapp": 25, "phone": 20, "messenger": 8, "telegram": 5}
IDENTITY_BIT = {kind: 1 << n for n, kind in enumerate(IDENTITY_WEIGHTS)}

TEAMS: dict[str, tuple[str, ...]] = {
    "Assistenza clienti": ("delay", "size", "address", "product", "discount", "compliment"),
    "Resi e rimborsi": ("return", "refund", "damaged"),
    "Amministrazione": ("invoice", "payment"),
}
AGENTS: tuple[tuple[str, str], ...] = (
    ("Giulia Bianchi", "Assistenza clienti"),
    ("Marco Ferri", "Assistenza clienti"),
    ("Sara Colombo", "Assistenza clienti"),
    ("Luca Marchetti", "Assistenza clienti"),
    ("Elena Fabbri", "Assistenza clienti"),
    ("Paolo Greco", "Resi e rimborsi"),
    ("Chiara Neri", "Resi e rimborsi"),
    ("Davide Sala", "Resi e rimborsi"),
    ("Anna Villa", "Amministrazione"),
    ("Roberto Galli", "Amministrazione"),
)
# States of conversations with activity in the last two weeks.
RECENT_STATUSES = (Status.OPEN, Status.PENDING, Status.SNOOZED, Status.RESOLVED)
RECENT_WEIGHTS = (45, 25, 10, 20)
PRIORITIES = (0, 1, 2, 3)
PRIORITY_WEIGHTS = (7, 80, 10, 3)


@dataclass(frozen=True)
class SeedResult:
    customers: int
    conversations: int
    messages: int
    events: int
    identities: int
    inbound_records: int
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Staff:
    """The agents and teams conversations are assigned to."""

    teams: dict[str, Team]
    members: dict[str, list[Agent]]
    by_topic: dict[str, str] = field(default_factory=dict)

    @property
    def agents(self) -> list[Agent]:
        return [agent for team in self.members.values() for agent in team]


def seed_workspace(slug: str | None) -> Workspace:
    """The default workspace, or the one with ``slug`` (created when missing)."""
    if not slug:
        return ensure_default_workspace()
    workspace = Workspace.objects.filter(slug=slug).first()
    if workspace is None:
        workspace = Workspace.objects.create(name=slug.replace("-", " ").title(), slug=slug)
    ensure_channel(workspace.pk, kind="api", name="API", slug="api")
    return workspace


def seed_staff(workspace: Workspace) -> Staff:
    """Ten agents in three teams, through the accounts actions (no password: nobody signs in
    as a seeded agent, and hashing ten passwords would cost seconds)."""
    teams: dict[str, Team] = {}
    members: dict[str, list[Agent]] = {name: [] for name in TEAMS}
    for display_name, team_name in AGENTS:
        login = slugify(display_name).replace("-", ".")
        agent = create_agent(
            workspace,
            email=f"{login}.{workspace.slug}@seed.sportello.example",
            password=None,
            display_name=display_name,
        )
        members[team_name].append(agent)
    for team_name, agents in members.items():
        teams[team_name] = create_team(workspace, team_name, agents)
    by_topic = {topic: team for team, topics in TEAMS.items() for topic in topics}
    return Staff(teams=teams, members=members, by_topic=by_topic)


def seed_channels(workspace: Workspace) -> dict[str, Channel]:
    return {
        kind: ensure_channel(
            workspace.pk, kind=kind, name=str(registry.provider(kind).label), slug=kind
        )
        if kind != "api"
        else Channel.objects.get(workspace=workspace, slug="api")
        for kind in CHANNEL_WEIGHTS
    }


def seed_tags(workspace: Workspace) -> dict[str, int]:
    names = sorted({tag for topic in TOPICS for tag in topic.tags})
    Tag.objects.bulk_create(
        [Tag(workspace=workspace, name=name) for name in names], ignore_conflicts=True
    )
    return dict(Tag.objects.filter(workspace=workspace, name__in=names).values_list("name", "id"))


def reserve_numbers(workspace: Workspace, count: int) -> int:
    """Take ``count`` conversation numbers at once, as ``next_conversation_number`` would
    one by one; returns the first."""
    with transaction.atomic():
        Workspace.objects.filter(pk=workspace.pk).update(
            last_conversation_number=F("last_conversation_number") + count
        )
        last = Workspace.objects.values_list("last_conversation_number", flat=True).get(
            pk=workspace.pk
        )
    return int(last) - count + 1


def next_id(model: type[models.Model]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {model._meta.db_table}")
        return int(cursor.fetchone()[0]) + 1


@dataclass
class Plan:
    """Who writes when: conversation start times (sorted, so numbers follow time) and the
    customer of each, decided before writing so customers can be written first."""

    starts: list[float]
    customer_of: array
    conversation_count: array
    first_contact: array


def make_plan(
    rng: random.Random, customers: int, conversations: int, end: float, span: float
) -> Plan:
    # sqrt skews towards recent dates: a shop that grows has more contacts lately.
    starts = sorted(end - span * (1.0 - math.sqrt(rng.random())) for _ in range(conversations))
    # Every customer writes at least once when there are enough conversations; of the rest,
    # three in ten come from the loyal tenth of the customers, who write again and again.
    owners = list(range(min(customers, conversations)))
    loyal = max(1, customers // 10)
    owners += [
        int((loyal if rng.random() < 0.3 else customers) * rng.random())
        for _ in range(conversations - len(owners))
    ]
    rng.shuffle(owners)
    customer_of = array("q", owners)
    conversation_count = array("q", [0]) * customers
    first_contact = array("d", [0.0]) * customers
    for start, owner in zip(starts, customer_of, strict=True):
        if conversation_count[owner] == 0:
            first_contact[owner] = start
        conversation_count[owner] += 1
    for owner in range(customers):
        if conversation_count[owner] == 0:
            first_contact[owner] = end - span * rng.random()
    return Plan(starts, customer_of, conversation_count, first_contact)


@dataclass
class Person:
    name: str
    language: str
    kinds: int  # IDENTITY_BIT flags

    def has(self, kind: str) -> bool:
        return bool(self.kinds & IDENTITY_BIT[kind])


def make_person(rng: random.Random) -> Person:
    language = "it" if rng.random() < 0.85 else "en"
    name = f"{rng.choice(FIRST_NAMES[language])} {rng.choice(LAST_NAMES[language])}"
    count = 1 + (rng.random() < 0.45) + (rng.random() < 0.15)
    kinds = 0
    pool = dict(IDENTITY_WEIGHTS)
    for _ in range(count):
        kind = rng.choices(list(pool), weights=list(pool.values()))[0]
        del pool[kind]
        kinds |= IDENTITY_BIT[kind]
    return Person(name=name, language=language, kinds=kinds)


def identity_value(kind: str, customer_id: int, name: str) -> str:
    """Normalised identity values, unique by construction (they carry the customer id)."""
    if kind == "email":
        local = ".".join(fold(part) for part in name.replace("'", "").split())
        return f"{local}.{customer_id}@{EMAIL_DOMAINS[customer_id % len(EMAIL_DOMAINS)]}"
    if kind in ("phone", "whatsapp"):
        return f"+393{customer_id % 1_000_000_000:09d}"
    if kind == "messenger":
        return str(7_000_000_000_000_000 + customer_id)
    return f"{fold(name.replace(' ', '').replace(chr(39), ''))}{customer_id}"


def sender_payload(kind: str, customer_id: int, person: Person) -> dict[str, Any]:
    """The ``sender`` of the InboundMessage a channel adapter would have made."""
    identity = CHANNEL_IDENTITY[kind]
    value = identity_value(identity, customer_id, person.name)
    sender: dict[str, Any] = {"name": person.name, "email": "", "phone": "", "handles": {}}
    if identity == "email":
        sender["email"] = value
    elif identity == "phone":
        sender["phone"] = value
    elif identity == "whatsapp":
        sender["phone"] = value if person.has("phone") else ""
        sender["handles"] = {"whatsapp": value}
    else:
        sender["handles"] = {identity: value}
    return sender


def message_counts(rng: random.Random, conversations: int, messages: int) -> Iterator[int]:
    """Messages per conversation, at least one each, summing to ``messages`` exactly.

    Geometric draws around the mean still to be placed: most conversations are short, some
    run long, and the running mean keeps the total on target without a big last one.
    """
    extra = messages - conversations
    for left in range(conversations, 0, -1):
        if left == 1:
            yield 1 + extra
            return
        mean = extra / left
        if mean <= 0:
            yield 1
            continue
        draw = int(math.log(1.0 - rng.random()) / math.log(mean / (mean + 1.0)))
        take = min(draw, extra, 80)
        extra -= take
        yield 1 + take


def seed(
    *,
    customers: int,
    conversations: int,
    messages: int,
    workspace_slug: str | None = None,
    random_seed: int = 2026,
    end: datetime | None = None,
    years: float = 3.0,
    raw_records: bool = True,
    batch_rows: int = 50_000,
    progress: Callable[[int], None] | None = None,
) -> SeedResult:
    """Seed ``customers``, ``conversations`` and ``messages`` (customer messages, agent
    replies and notes; the timeline events come on top) over ``years`` up to ``end``.

    Texts and structure are deterministic for a ``random_seed``; times are relative to
    ``end`` (now by default).
    """
    if conversations < 0 or customers < 0 or messages < conversations:
        raise ValueError("need customers >= 0 and messages >= conversations >= 0")
    if conversations and not customers:
        raise ValueError("conversations need at least one customer")
    began = time.perf_counter()
    rng = random.Random(random_seed)
    end_ts = (end or datetime.now(UTC)).timestamp()
    span = years * YEAR

    workspace = seed_workspace(workspace_slug)
    channels = seed_channels(workspace)
    staff = seed_staff(workspace)
    tag_ids = seed_tags(workspace)
    first_number = reserve_numbers(workspace, conversations)
    plan = make_plan(rng, customers, conversations, end_ts, span)

    seeder = _Seeder(
        rng=rng,
        workspace_id=workspace.pk,
        channels=channels,
        staff=staff,
        tag_ids=tag_ids,
        end=end_ts,
        raw_records=raw_records,
        batch_rows=batch_rows,
    )
    people = seeder.write_customers(plan, customers)
    seeder.write_conversations(plan, people, first_number, messages, progress)
    seeder.write_last_contacts(customers)
    seeder.reset_sequences()
    return SeedResult(
        customers=customers,
        conversations=conversations,
        messages=messages,
        events=seeder.events,
        identities=seeder.identities,
        inbound_records=seeder.raw_count,
        seconds=round(time.perf_counter() - began, 2),
    )


class _Seeder:
    """The writing half of :func:`seed`, holding the batches and the running counters."""

    def __init__(
        self,
        *,
        rng: random.Random,
        workspace_id: int,
        channels: dict[str, Channel],
        staff: Staff,
        tag_ids: dict[str, int],
        end: float,
        raw_records: bool,
        batch_rows: int,
    ) -> None:
        self.rng = rng
        self.writer = Writer(rng)
        self.workspace_id = workspace_id
        self.channels = channels
        self.staff = staff
        self.tag_ids = tag_ids
        self.end = end
        self.raw_records = raw_records
        self.at = timestamp_formatter()
        self.customer_table = Table(
            Customer,
            (
                "id", "workspace_id", "created_at", "updated_at", "name", "language",
                "custom_fields", "conversation_count",
            ),
        )  # fmt: skip
        self.identity_table = Table(
            Identity, ("workspace_id", "customer_id", "kind", "value", "created_at")
        )
        self.conversation_table = Table(
            Conversation,
            (
                "id", "workspace_id", "created_at", "updated_at", "number", "subject", "status",
                "priority", "customer_id", "channel_id", "assignee_id", "team_id", "language",
                "first_reply_at", "last_message_at", "last_inbound_at", "waiting_since",
                "snoozed_until", "resolved_at", "message_count", "preview",
            ),
        )  # fmt: skip
        self.message_table = Table(
            Message,
            (
                "id", "workspace_id", "conversation_id", "direction", "kind", "text", "html",
                "sender_agent_id", "sender_customer_id", "sender_name", "channel_id",
                "external_id", "event", "data", "attachments", "language", "search_text",
                "sent_at", "received_at", "created_at",
            ),
        )  # fmt: skip
        self.tag_table = Table(Conversation.tags.through, ("conversation_id", "tag_id"))
        self.raw_table = Table(
            InboundRecord,
            (
                "workspace_id", "channel_id", "external_id", "payload", "message_id",
                "conversation_id", "customer_id", "received_at",
            ),
        )  # fmt: skip
        self.batches = Batches(
            [
                self.customer_table,
                self.identity_table,
                self.conversation_table,
                self.message_table,
                self.tag_table,
                self.raw_table,
            ],
            batch_rows,
            messages=self.message_table,
        )
        self.first_customer_id = next_id(Customer)
        self.next_conversation_id = next_id(Conversation)
        self.next_message_id = next_id(Message)
        self.last_contact = array("d")
        self.events = 0
        self.identities = 0
        self.raw_count = 0

    # --- customers ---------------------------------------------------------------------

    def write_customers(self, plan: Plan, count: int) -> list[Person]:
        rng, at = self.rng, self.at
        people = []
        for index in range(count):
            person = make_person(rng)
            people.append(person)
            customer_id = self.first_customer_id + index
            created = at(plan.first_contact[index])
            self.customer_table.add(
                customer_id,
                self.workspace_id,
                created,
                created,
                person.name,
                person.language,
                "{}",
                plan.conversation_count[index],
            )
            for kind in IDENTITY_WEIGHTS:
                if person.kinds & IDENTITY_BIT[kind]:
                    value = identity_value(kind, customer_id, person.name)
                    self.identity_table.add(self.workspace_id, customer_id, kind, value, created)
                    self.identities += 1
            self.batches.maybe_flush()
        self.batches.flush()
        self.last_contact = array("d", [0.0]) * count
        return people

    def write_last_contacts(self, count: int) -> None:
        """``last_contact_at`` is the last inbound message, known only once all are written."""
        at = self.at
        rows = [
            (at(ts), at(ts), self.first_customer_id + index)
            for index, ts in enumerate(self.last_contact)
            if ts
        ]
        table = Customer._meta.db_table
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "CREATE TEMPORARY TABLE seed_last_contact (at timestamptz, at2 timestamptz, "
                    "id bigint)"
                )
                with cursor.cursor.copy("COPY seed_last_contact FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                cursor.execute(
                    f"UPDATE {table} c SET last_contact_at = s.at, updated_at = s.at "
                    "FROM seed_last_contact s WHERE c.id = s.id"
                )
                cursor.execute("DROP TABLE seed_last_contact")
            else:
                cursor.executemany(
                    f"UPDATE {table} SET last_contact_at = %s, updated_at = %s WHERE id = %s",
                    rows,
                )

    def reset_sequences(self) -> None:
        """PostgreSQL's id sequences must move past the ids written explicitly (SQLite's
        AUTOINCREMENT follows by itself)."""
        statements = connection.ops.sequence_reset_sql(
            no_style(), [Customer, Conversation, Message]
        )
        if statements:
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)

    # --- conversations -----------------------------------------------------------------

    def write_conversations(
        self,
        plan: Plan,
        people: list[Person],
        first_number: int,
        messages: int,
        progress: Callable[[int], None] | None,
    ) -> None:
        counts = message_counts(self.rng, len(plan.starts), messages)
        for index, (start, owner, count) in enumerate(
            zip(plan.starts, plan.customer_of, counts, strict=False)
        ):
            self.write_conversation(
                number=first_number + index,
                start=start,
                customer_index=owner,
                person=people[owner],
                count=count,
            )
            self.batches.maybe_flush()
            if progress is not None and index and index % 100_000 == 0:
                progress(index)
        self.batches.flush()

    def _channel_kind(self, person: Person) -> str:
        kinds = [k for k in CHANNEL_WEIGHTS if person.has(CHANNEL_IDENTITY[k])]
        return self.rng.choices(kinds, weights=[CHANNEL_WEIGHTS[k] for k in kinds])[0]

    def _times(self, start: float, count: int, letter: bool) -> list[float]:
        """Message times: letters go back and forth over hours or days, chats in minutes."""
        if count == 1:
            return [start]
        median = 18 * 3600.0 if letter else 25 * 60.0
        duration = min(self.rng.lognormvariate(math.log(median), 1.0) * count / 3, 30 * DAY)
        last = max(start, min(start + duration, self.end - 1.0))
        middle = sorted(start + self.rng.random() * (last - start) for _ in range(count - 2))
        return [start, *middle, last]

    def write_conversation(
        self, *, number: int, start: float, customer_index: int, person: Person, count: int
    ) -> None:
        rng, at, writer = self.rng, self.at, self.writer
        conversation_id = self.next_conversation_id
        self.next_conversation_id += 1
        customer_id = self.first_customer_id + customer_index
        language = person.language if rng.random() < 0.95 else ("en", "it")[person.language == "en"]
        topic = pick_topic(rng)
        channel_kind = self._channel_kind(person)
        channel = self.channels[channel_kind]
        letter = channel_kind in LETTER_CHANNELS
        times = self._times(start, count, letter)
        last_at = times[-1]

        status, assignee, team = self._triage(topic, last_at)
        agent = assignee or rng.choice(self.staff.agents)
        first_name = agent.display_name.split()[0]
        slots = writer.slots(language, name=person.name, agent=first_name)
        slots_reply = {**slots, "name": person.name.split()[0]}
        subject = writer.subject(topic, language, slots) if letter else None
        sender = sender_payload(channel_kind, customer_id, person) if self.raw_records else None

        self._event(conversation_id, "created", None, start, {"channel": channel.pk})
        if assignee is not None or team is not None:
            assigned_at = min(times[0] + (times[1] - times[0]) / 2 if count > 1 else start, last_at)
            self._event(
                conversation_id,
                "assigned",
                agent,
                assigned_at,
                {
                    "assignee": assignee.display_name if assignee else None,
                    "assignee_id": assignee.pk if assignee else None,
                    "team": team.name if team else None,
                },
            )

        message_count = 0
        first_reply_at = last_inbound_at = waiting_since = None
        preview = ""
        previous_inbound = False
        first_text = ""
        last_message_at = start
        for position, ts in enumerate(times):
            if position == 0:
                direction, kind = "in", "message"
            elif rng.random() < 0.05:
                direction, kind = "out", "note"
            elif previous_inbound:
                direction = "out" if rng.random() < 0.7 else "in"
                kind = "message"
            else:
                direction = "in" if rng.random() < 0.75 else "out"
                kind = "message"
            message_id = self.next_message_id
            self.next_message_id += 1
            if kind == "note":
                body = writer.note(topic, language, slots)
                self._message_row(
                    message_id, conversation_id, "out", "note", body, language, ts, agent=agent
                )
                continue
            message_count += 1
            # Notes leave last_message_at alone, as add_note does.
            last_message_at = ts
            if direction == "in":
                body = writer.customer_message(
                    topic, language, slots, first=position == 0, long=letter
                )
                stems = body.stems
                if position == 0:
                    first_text = body.text
                    if subject is not None and subject.stems:
                        stems = f"{subject.stems} {stems}" if stems else subject.stems
                external_id = f"seed-{channel_kind}-{message_id}"
                sent = ts - rng.uniform(1.0, 30.0)
                self._message_row(
                    message_id, conversation_id, "in", "message", Written(body.text, stems),
                    language, ts, customer_id=customer_id, sender_name=person.name,
                    channel_id=channel.pk, external_id=external_id, sent_at=sent, received_at=ts,
                )  # fmt: skip
                if sender is not None:
                    self._raw_record(
                        channel.pk, external_id, sender, body.text, subject, sent, message_id,
                        conversation_id, customer_id, ts,
                    )  # fmt: skip
                last_inbound_at = ts
                waiting_since = waiting_since or ts
                previous_inbound = True
            else:
                body = writer.agent_reply(topic, language, slots_reply, long=letter)
                self._message_row(
                    message_id, conversation_id, "out", "message", body, language, ts,
                    agent=agent, channel_id=channel.pk, sent_at=ts,
                )  # fmt: skip
                first_reply_at = first_reply_at or ts
                waiting_since = None
                previous_inbound = False
            preview = preview_of(body.text)

        resolved_at = snoozed_until = None
        updated_at = last_at
        if status in (Status.RESOLVED, Status.CLOSED):
            resolved_at = min(last_at + rng.uniform(60.0, 2 * DAY), self.end)
            updated_at = resolved_at
        elif status == Status.SNOOZED:
            snoozed_until = self.end + rng.uniform(DAY, 7 * DAY)
            updated_at = min(last_at + 600.0, self.end)
        if status != Status.OPEN:
            self._event(
                conversation_id,
                "status_changed",
                agent,
                updated_at,
                {"old": "open", "new": str(status)},
            )

        self.conversation_table.add(
            conversation_id, self.workspace_id, at(start), at(updated_at), number,
            (subject.text if subject else preview_of(first_text))[:300], str(status),
            rng.choices(PRIORITIES, weights=PRIORITY_WEIGHTS)[0], customer_id, channel.pk,
            assignee.pk if assignee else None, team.pk if team else None, language,
            _maybe(at, first_reply_at), at(last_message_at), _maybe(at, last_inbound_at),
            _maybe(at, waiting_since), _maybe(at, snoozed_until), _maybe(at, resolved_at),
            message_count, preview,
        )  # fmt: skip
        for tag in topic.tags:
            if rng.random() < 0.7:
                self.tag_table.add(conversation_id, self.tag_ids[tag])
        if last_inbound_at is not None and last_inbound_at > self.last_contact[customer_index]:
            self.last_contact[customer_index] = last_inbound_at

    def _triage(self, topic: Topic, last_at: float) -> tuple[str, Agent | None, Team | None]:
        """Old conversations are done; recent ones are spread over the inbox's states."""
        rng = self.rng
        if self.end - last_at > 14 * DAY:
            status = Status.RESOLVED if rng.random() < 0.85 else Status.CLOSED
            assigned = rng.random() < 0.95
        else:
            status = rng.choices(RECENT_STATUSES, weights=RECENT_WEIGHTS)[0]
            assigned = rng.random() < 0.7
        team_name = self.staff.by_topic[topic.key]
        team = self.staff.teams[team_name] if rng.random() < 0.7 else None
        assignee = rng.choice(self.staff.members[team_name]) if assigned else None
        return status, assignee, team

    def _message_row(
        self,
        message_id: int,
        conversation_id: int,
        direction: str,
        kind: str,
        body: Written,
        language: str,
        created_at: float,
        *,
        agent: Agent | None = None,
        customer_id: int | None = None,
        sender_name: str = "",
        channel_id: int | None = None,
        external_id: str | None = None,
        sent_at: float | None = None,
        received_at: float | None = None,
    ) -> None:
        at = self.at
        self.message_table.add(
            message_id, self.workspace_id, conversation_id, direction, kind, body.text, "",
            agent.pk if agent else None, customer_id,
            agent.display_name if agent else sender_name, channel_id, external_id, "", "{}",
            "[]", language, body.stems, _maybe(at, sent_at), _maybe(at, received_at),
            at(created_at),
        )  # fmt: skip

    def _event(
        self,
        conversation_id: int,
        event: str,
        by: Agent | None,
        ts: float,
        data: dict[str, Any],
    ) -> None:
        """A timeline event row, as :mod:`sportello.conversations.timeline` records it."""
        message_id = self.next_message_id
        self.next_message_id += 1
        self.events += 1
        self.message_table.add(
            message_id, self.workspace_id, conversation_id, "out" if by else "in", "event", "",
            "", by.pk if by else None, None, by.display_name if by else "", None, None, event,
            json.dumps(data), "[]", "", "", None, None, self.at(ts),
        )  # fmt: skip

    def _raw_record(
        self,
        channel_id: int,
        external_id: str,
        sender: dict[str, Any],
        text: str,
        subject: Written | None,
        sent_at: float,
        message_id: int,
        conversation_id: int,
        customer_id: int,
        received_at: float,
    ) -> None:
        """The stored InboundRecord, with the payload ``InboundMessage.to_payload`` gives."""
        payload = {
            "workspace_id": self.workspace_id,
            "channel_id": channel_id,
            "sender": sender,
            "text": text,
            "external_id": external_id,
            "subject": subject.text if subject else "",
            "html": "",
            "sent_at": datetime.fromtimestamp(sent_at, UTC).isoformat(),
            "references": [],
            "conversation_number": None,
            "attachments": [],
            "data": {},
            "raw": None,
        }
        self.raw_count += 1
        self.raw_table.add(
            self.workspace_id, channel_id, external_id, json.dumps(payload), message_id,
            conversation_id, customer_id, self.at(received_at),
        )  # fmt: skip


def _maybe(at: Callable[[float], str], ts: float | None) -> str | None:
    return None if ts is None else at(ts)
