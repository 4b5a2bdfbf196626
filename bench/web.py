"""What an agent waits for: the inbox, a conversation, a customer, a search, at scale.

    python bench/web.py --short                       # 20k conversations on SQLite, ~2 min
    python bench/web.py --conversations 200000 --messages 1000000 --customers 60000
    python bench/web.py --short --database-url \\
        postgres://postgres@127.0.0.1:5432/sportello_bench_web --recreate
    SPORTELLO_HOME=/tmp/big python bench/web.py --reuse   # an already seeded database

Seeds with ``bench/seed.py`` (a subprocess), starts the real server (``sportello run
--no-worker``, another subprocess), signs in through the API (a bearer token) and through
the login form (a session cookie, for the agent UI), then drives each scenario with
:mod:`bench.loadgen` on loopback. Prints one JSON line per scenario: ``{scenario, requests,
concurrency, p50_ms, p95_ms, p99_ms, rps, queries_per_request, backend, errors,
server_cpu_ms, loadgen_cpu_ms, server_cpu_split}``, and lines for the seeding
(``scenario: seed``) and the server's memory (``server_memory``). The CPU figures are per
request, read from /proc around the scenario; the split is each server process's share.

``queries_per_request`` cannot be seen from outside the server, so each scenario's first
request is also run once in this process through Django's test client against the same
database, with its queries captured. Figures only: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import loadgen
from bench.loadgen import Request

REPO = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
VIEWS = ("unassigned", "mine", "team", "open", "snoozed", "resolved", "all")
BENCH_EMAIL = "bench.web@bench.sportello.example"
BENCH_PASSWORD = "bench-web-password-2026"
# Realistic searches: a rare-ish word, a two-word AND, English, the commonest word of a
# shop's inbox (the worst case: most conversations match) and a word nobody wrote.
SEARCHES = (
    "rimborso",
    "pacco danneggiato",
    "fattura elettronica",
    "refund",
    "ordine",
    "zanzara",
)
# Customers found by part of a name or address (the seeder's surnames, mail domains and
# phone numbers; a number as a person writes it; a surname before the first name; and text
# nobody has): the customer list's search box.
CUSTOMER_SEARCHES = (
    "santoro",
    "studio.example",
    "3000001",
    "+39 300 000 1001",
    "santoro giulia",
    "zzqx",
)
SHORT = {"conversations": 20_000, "messages": 100_000, "customers": 6_000}


@dataclass(frozen=True)
class Sizes:
    customers: int
    conversations: int
    messages: int


@dataclass
class Dataset:
    """What the scenarios need from the seeded database, found (or made) before the run."""

    agent_email: str
    password: str
    long_conversations: list[tuple[int, int]]  # (id, number), ~50 messages each
    long_created: int
    big_customers: list[int]  # ids, ~30 conversations each
    big_created: int
    reply_conversations: list[int]
    thread_lengths: list[int] = field(default_factory=list)
    customer_conversation_counts: list[int] = field(default_factory=list)


@dataclass
class Auth:
    token: str
    cookie: str  # "sessionid=...; csrftoken=..."

    def api(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def ui(self) -> dict[str, str]:
        return {"Cookie": self.cookie}


@dataclass
class Scenario:
    """One thing an agent does, as a request factory; ``make(i)`` is the i-th request."""

    name: str
    make: Callable[[int], Request]
    expect: Collection[int] = (200,)
    requests: int | None = None  # None: the run's --requests
    extra: dict[str, Any] = field(default_factory=dict)


# --- seeding and the database ------------------------------------------------------------


def seed_env(home: Path, database_url: str) -> dict[str, str]:
    """The environment a Sportello subprocess needs to find this benchmark's data."""
    env = {**os.environ, "SPORTELLO_HOME": str(home), "SPORTELLO_LOG_LEVEL": "WARNING"}
    env.pop("SPORTELLO_DATABASE_URL", None)
    if database_url:
        env["SPORTELLO_DATABASE_URL"] = database_url
    return env


def seed(home: Path, database_url: str, sizes: Sizes) -> dict[str, Any]:
    """Run ``bench/seed.py`` and return its JSON line (progress goes to stderr)."""
    command = [
        sys.executable,
        str(REPO / "bench" / "seed.py"),
        "--customers",
        str(sizes.customers),
        "--conversations",
        str(sizes.conversations),
        "--messages",
        str(sizes.messages),
    ]
    began = time.perf_counter()
    done = subprocess.run(
        command, env=seed_env(home, database_url), stdout=subprocess.PIPE, text=True, check=True
    )
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    figures["wall_seconds"] = round(time.perf_counter() - began, 2)
    return figures


def setup_django(home: Path, database_url: str) -> None:
    """Point this process at the benchmark's database (before anything imports settings)."""
    from bench import environment

    environment.configure(home=str(home), database_url=database_url or None)


def prepare(
    *,
    long_conversations: int = 5,
    long_messages: int = 50,
    big_customers: int = 3,
    big_customer_conversations: int = 30,
    reply_targets: int = 50,
) -> Dataset:
    """Find what the scenarios read, and make what the seeder does not: conversations of
    ~50 messages and customers of ~30 conversations are rare in the seeder's distribution
    (it draws a geometric number of messages per conversation), so a few are grown here
    through the conversation actions, as agents and customers would have grown them.

    The bench agent is one of the seeded agents (so "mine" and "team" hold real rows),
    given a known password; the same agent is used on every run."""
    from django.db.models import Case, Count, When

    from sportello.accounts.bootstrap import ensure_default_workspace
    from sportello.accounts.models import Agent
    from sportello.conversations.models import Conversation, Status
    from sportello.customers.models import Customer

    workspace = ensure_default_workspace()
    agent = (
        Agent.objects.filter(workspace=workspace, is_active=True, teams__isnull=False)
        .annotate(assigned=Count("assigned_conversations"))
        .order_by("-assigned", "pk")
        .select_related("user")
        .first()
    )
    if agent is None:
        raise SystemExit("no seeded agent in a team: seed the database with bench/seed.py")
    user = agent.user
    if not user.check_password(BENCH_PASSWORD):
        user.set_password(BENCH_PASSWORD)
        user.save(update_fields=["password"])

    rng = random.Random(2026)
    conversations = Conversation.objects.filter(workspace=workspace)
    long_rows = list(
        conversations.filter(message_count__gte=long_messages).order_by("-message_count", "pk")[
            :long_conversations
        ]
    )
    long_created = 0
    if len(long_rows) < long_conversations:
        skip = [c.pk for c in long_rows]
        candidates = (
            conversations.filter(channel__kind="email")
            .exclude(pk__in=skip)
            .select_related("customer", "channel")
            .order_by("-message_count", "-pk")[: long_conversations - len(long_rows)]
        )
        for conversation in candidates:
            _grow_conversation(conversation, agent, long_messages, rng)
            long_rows.append(conversation)
            long_created += 1

    customers = Customer.objects.filter(workspace=workspace)
    big = list(
        customers.filter(conversation_count__gte=big_customer_conversations)
        .order_by("-conversation_count", "pk")
        .values_list("pk", flat=True)[:big_customers]
    )
    big_created = 0
    if len(big) < big_customers:
        candidates_c = (
            customers.exclude(pk__in=big)
            .filter(conversation_count__gt=0)
            .order_by("-conversation_count", "pk")[: big_customers - len(big)]
        )
        for customer in candidates_c:
            _grow_customer(customer, agent, big_customer_conversations, rng)
            big.append(customer.pk)
            big_created += 1

    # The most recent conversations, open ones first (a tiny seed may have none open).
    # Replied to on the API channel: the seeded email and messaging channels have no
    # server or account to send through, and a reply that cannot leave is refused (422).
    reply_to = list(
        conversations.filter(channel__kind="api")
        .exclude(pk__in=[c.pk for c in long_rows])
        .order_by(Case(When(status=Status.OPEN, then=0), default=1), "-last_message_at", "-pk")
        .values_list("pk", flat=True)[:reply_targets]
    )
    long_ids = [c.pk for c in long_rows]
    lengths = dict(
        conversations.filter(pk__in=long_ids).annotate(n=Count("messages")).values_list("pk", "n")
    )
    counts = dict(customers.filter(pk__in=big).values_list("pk", "conversation_count"))
    numbers = dict(conversations.filter(pk__in=long_ids).values_list("pk", "number"))
    return Dataset(
        agent_email=user.email,
        password=BENCH_PASSWORD,
        long_conversations=[(pk, numbers[pk]) for pk in long_ids],
        long_created=long_created,
        big_customers=big,
        big_created=big_created,
        reply_conversations=reply_to,
        thread_lengths=[lengths[pk] for pk in long_ids],
        customer_conversation_counts=[counts[pk] for pk in big],
    )


def _grow_conversation(conversation: Any, agent: Any, target: int, rng: random.Random) -> None:
    """Customer and agent take turns until the conversation holds ``target`` messages."""
    from bench.texts import Writer, pick_topic
    from sportello.conversations.actions import receive_message, reply

    writer = Writer(rng)
    language = conversation.language or "it"
    customer = conversation.customer
    topic = pick_topic(rng)
    slots = writer.slots(language, name=customer.name, agent=agent.display_name.split()[0])
    count = conversation.message_count
    while count < target:
        if count % 2 == 0:
            written = writer.customer_message(topic, language, slots, first=False, long=True)
            receive_message(
                channel=conversation.channel,
                customer=customer,
                conversation=conversation,
                text=written.text,
                sender_name=customer.name,
                language=language,
            )
        else:
            reply(conversation, agent, writer.agent_reply(topic, language, slots, long=True).text)
        count += 1


def _grow_customer(customer: Any, agent: Any, target: int, rng: random.Random) -> None:
    """The customer writes again and again, each matter resolved before the next."""
    from bench.texts import Writer, pick_topic
    from sportello.conversations.actions import receive_message, set_status
    from sportello.conversations.models import Conversation, Status

    writer = Writer(rng)
    last = Conversation.objects.filter(customer=customer).select_related("channel").first()
    channel = last.channel if last is not None else None
    if channel is None:
        return
    language = customer.language or "it"
    slots = writer.slots(language, name=customer.name, agent=agent.display_name.split()[0])
    for _ in range(target - customer.conversation_count):
        topic = pick_topic(rng)
        received = receive_message(
            channel=channel,
            customer=customer,
            conversation=None,
            text=writer.customer_message(topic, language, slots, first=True, long=True).text,
            subject=writer.subject(topic, language, slots).text,
            sender_name=customer.name,
            language=language,
        )
        set_status(received.conversation, agent, Status.RESOLVED)


def count_queries(request: Request) -> int:
    """The SQL statements one request costs, run in this process by Django's test client
    (same database, same token or session as the server's requests). Counted by an
    execute wrapper: ``connection.queries`` keeps only the last 9,000."""
    from django.db import connection
    from django.test import Client

    count = 0

    def counting(execute: Callable[..., Any], *args: Any) -> Any:
        nonlocal count
        count += 1
        return execute(*args)

    with connection.execute_wrapper(counting):
        response = Client().generic(
            request.method,
            request.path,
            data=request.body or b"",
            content_type="application/json",
            headers=dict(request.headers),
        )
    if response.status_code >= 400:
        print(f"  count_queries {request.path}: HTTP {response.status_code}", file=sys.stderr)
    return count


def explain(request: Request) -> list[tuple[str, str]]:
    """The slowest-looking queries of one request with their plans (EXPLAIN QUERY PLAN on
    SQLite, EXPLAIN ANALYZE on PostgreSQL): the three longest by time, for the report."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    with CaptureQueriesContext(connection) as captured:
        client.generic(request.method, request.path, headers=dict(request.headers))
    slowest = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:3]
    plans = []
    prefix = "EXPLAIN ANALYZE " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    with connection.cursor() as cursor:
        for query in slowest:
            sql = query["sql"]
            cursor.execute(prefix + sql)
            plan = "\n".join(" | ".join(str(c) for c in row) for row in cursor.fetchall())
            plans.append((f"{query['time']} s: {sql}", plan))
    return plans


# --- the server ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def sportello_command() -> str:
    local = REPO / ".venv" / "bin" / "sportello"
    found = str(local) if local.exists() else shutil.which("sportello")
    if not found:
        raise SystemExit("the sportello command is not installed (make run installs it)")
    return found


@dataclass
class Server:
    """A server subprocess started by a benchmark, in its own process group."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def rss_kb(self) -> dict[str, int]:
        """Resident memory of the server and of its worker processes, from /proc: VmRSS,
        and RssAnon (private memory; VmRSS also counts the database file's pages that
        SQLite's mmap touched, shared by every process)."""
        pids = [self.process.pid, *_descendants(self.process.pid)]
        status = {pid: _memory_kb(pid) for pid in pids}
        return {
            "rss_kb": status[self.process.pid].get("VmRSS", 0),
            "rss_total_kb": sum(s.get("VmRSS", 0) for s in status.values()),
            "rss_anon_total_kb": sum(s.get("RssAnon", 0) for s in status.values()),
            "processes": len(pids),
        }

    def cpu_ticks(self) -> dict[int, int]:
        """CPU time (user + system, in clock ticks) of the server and each of its workers."""
        return {pid: _cpu_ticks(pid) for pid in [self.process.pid, *_descendants(self.process.pid)]}

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)


def _memory_kb(pid: int) -> dict[str, int]:
    sizes: dict[str, int] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(("VmRSS:", "RssAnon:", "RssFile:")):
                name, value = line.split()[:2]
                sizes[name.rstrip(":")] = int(value)
    except OSError:
        pass
    return sizes


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def cpu_figures(
    before: dict[int, int], after: dict[int, int], requests: int, loadgen_seconds: float
) -> dict[str, Any]:
    """CPU a request cost the server's processes and the load generator, and how the
    server's share split between its processes. A client stays on the worker that accepted
    it until it connects again (``loadgen.REQUESTS_PER_CONNECTION``), so the split says how
    evenly a run spread."""
    ticks = os.sysconf("SC_CLK_TCK")
    used = {pid: after[pid] - before.get(pid, 0) for pid in after}
    total = sum(used.values())
    busy = sorted((t for t in used.values() if t), reverse=True)
    return {
        "server_cpu_ms": round(total * 1000 / ticks / max(requests, 1), 2),
        "loadgen_cpu_ms": round(loadgen_seconds * 1000 / max(requests, 1), 2),
        "server_cpu_split": [round(t / total, 2) for t in busy] if total else [],
    }


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, stack = [], [root]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def wait_until_up(port: int, path: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server stopped: see {log}\n{log.read_text()[-3000:]}")
        try:
            if loadgen.send_once(HOST, port, Request("GET", path), timeout=5).status < 500:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the server did not answer {path} within 90 s: see {log}")


@contextmanager
def sportello_server(
    home: Path, database_url: str, *, workers: int = 1, port: int = 0
) -> Iterator[Server]:
    """``sportello run --no-worker`` on loopback until the block ends."""
    port = port or free_port()
    log = home / "bench-server.log"
    command = [sportello_command(), "run", "--no-worker", "--host", HOST, "--port", str(port)]
    if workers > 1:
        command += ["--workers", str(workers)]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            env=seed_env(home, database_url),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=str(home),
        )
    server = Server(process, port, log)
    try:
        wait_until_up(port, "/healthz", process, log)
        yield server
    finally:
        server.stop()


def login(port: int, email: str, password: str) -> Auth:
    """A bearer token from the API, and a session cookie from the login form."""
    answer = loadgen.send_once(
        HOST,
        port,
        Request(
            "POST",
            "/api/v1/auth/token",
            loadgen.json_body({"email": email, "password": password}),
        ),
    )
    if answer.status != 200:
        raise SystemExit(f"API login failed: HTTP {answer.status} {answer.body[:300]!r}")
    token = json.loads(answer.body)["token"]
    return Auth(token=token, cookie=form_login(port, "/login/", email, password))


def form_login(port: int, path: str, username: str, password: str) -> str:
    """Sign in through a Django login form (CSRF cookie, then the post); returns the
    Cookie header of the signed-in session."""
    page = loadgen.send_once(HOST, port, Request("GET", path))
    cookies = page.cookies()
    marker = b'name="csrfmiddlewaretoken" value="'
    start = page.body.index(marker) + len(marker)
    csrf = page.body[start : page.body.index(b'"', start)].decode()
    form = f"username={quote(username)}&password={quote(password)}&csrfmiddlewaretoken={csrf}"
    answer = loadgen.send_once(
        HOST,
        port,
        Request(
            "POST",
            path,
            form.encode(),
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
                "Referer": f"http://{HOST}:{port}{path}",
            },
        ),
    )
    cookies.update(answer.cookies())
    if answer.status != 302 or "sessionid" not in cookies:
        raise SystemExit(f"form login failed: HTTP {answer.status} {answer.body[:300]!r}")
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


# --- scenarios ------------------------------------------------------------------------


def deep_cursor(port: int, auth: Auth, view: str, rows: int) -> tuple[str | None, int]:
    """Follow ``next_cursor`` a hundred conversations at a time until ``rows`` deep (or
    the view's end); returns the cursor and how many conversations lie before it."""
    cursor, depth = None, 0
    limit = max(1, min(100, rows))
    while depth < rows:
        path = loadgen.query(
            "/api/v1/conversations", {"view": view, "limit": limit, "cursor": cursor}
        )
        answer = loadgen.send_once(HOST, port, Request("GET", path, headers=auth.api()))
        if answer.status != 200:
            raise SystemExit(f"GET {path}: HTTP {answer.status} {answer.body[:300]!r}")
        page = json.loads(answer.body)
        if not page["next_cursor"]:
            break
        cursor = page["next_cursor"]
        depth += len(page["items"])
    return cursor, depth


def sportello_scenarios(
    port: int,
    auth: Auth,
    dataset: Dataset,
    *,
    deep_rows: int,
    requests: int,
    sustained: int | None = None,
    views: Sequence[str] = VIEWS,
    writes: bool = True,
) -> list[Scenario]:
    """Every scenario of the issue, in the order they run (reads first, writes last);
    ``deep_rows=0`` leaves out the deep pages, ``writes=False`` the posts."""
    api, ui = auth.api(), auth.ui()

    def get(path: str, headers: dict[str, str]) -> Callable[[int], Request]:
        return lambda i: Request("GET", path, headers=headers)

    scenarios: list[Scenario] = []
    for view in views:
        cursor, depth = deep_cursor(port, auth, view, deep_rows) if deep_rows else (None, 0)
        first = loadgen.query("/api/v1/conversations", {"view": view})
        scenarios.append(Scenario(f"api_inbox_{view}", get(first, api)))
        scenarios.append(Scenario(f"html_inbox_{view}", get(f"/?view={view}", ui)))
        if view == "open":
            # The triage sorts: each walks its own expression index.
            for sort in ("waiting", "due"):
                path = f"/?view={view}&sort={sort}"
                scenarios.append(Scenario(f"html_inbox_{view}_{sort}", get(path, ui)))
        if cursor:
            deep = loadgen.query("/api/v1/conversations", {"view": view, "cursor": cursor})
            html_deep = loadgen.query("/", {"view": view, "cursor": cursor})
            scenarios.append(
                Scenario(f"api_inbox_{view}_deep", get(deep, api), extra={"depth": depth})
            )
            scenarios.append(
                Scenario(f"html_inbox_{view}_deep", get(html_deep, ui), extra={"depth": depth})
            )

    long = dataset.long_conversations
    scenarios.append(
        Scenario(
            "api_conversation_50",
            lambda i: Request(
                "GET", f"/api/v1/conversations/{long[i % len(long)][0]}", headers=api
            ),
            extra={"thread_lengths": dataset.thread_lengths},
        )
    )
    scenarios.append(
        Scenario(
            "html_conversation_50",
            lambda i: Request("GET", f"/c/{long[i % len(long)][1]}/", headers=ui),
            extra={"thread_lengths": dataset.thread_lengths},
        )
    )
    big = dataset.big_customers
    counts = {"conversations": dataset.customer_conversation_counts}
    scenarios.append(
        Scenario(
            "api_customer_30",
            lambda i: Request("GET", f"/api/v1/customers/{big[i % len(big)]}", headers=api),
            extra=counts,
        )
    )
    scenarios.append(
        Scenario(
            "api_customer_conversations_30",
            lambda i: Request(
                "GET",
                f"/api/v1/conversations?customer_id={big[i % len(big)]}&limit=30",
                headers=api,
            ),
            extra=counts,
        )
    )
    scenarios.append(
        Scenario(
            "html_customer_30",
            lambda i: Request("GET", f"/customers/{big[i % len(big)]}/", headers=ui),
            extra=counts,
        )
    )
    scenarios.append(Scenario("html_customers", get("/customers/", ui)))
    for text in CUSTOMER_SEARCHES:
        path = loadgen.query("/customers/", {"q": text})
        slug = "".join(c if c.isalnum() else "_" for c in text).strip("_")
        scenarios.append(Scenario(f"html_customers_{slug}", get(path, ui), extra={"q": text}))
    for words in SEARCHES:
        slug = words.replace(" ", "_")
        api_path = loadgen.query("/api/v1/conversations", {"view": "all", "q": words})
        scenarios.append(Scenario(f"api_search_{slug}", get(api_path, api), extra={"q": words}))
        html_path = loadgen.query("/", {"q": words})
        scenarios.append(Scenario(f"html_search_{slug}", get(html_path, ui), extra={"q": words}))

    if writes:
        inbound = sustained or requests
        scenarios.append(
            Scenario(
                "api_inbound",
                inbound_requests(api, inbound),
                expect=(201,),
                requests=inbound,
            )
        )
        scenarios.append(
            Scenario("api_reply", reply_requests(api, dataset.reply_conversations), expect=(201,))
        )
    return scenarios


def inbound_requests(headers: dict[str, str], requests: int) -> Callable[[int], Request]:
    """Customers writing in through the generic API: ~30% new customers, the rest writing
    again (threaded into their open conversation); every external id is new (the 5% of
    provider replays in :mod:`bench.workload` are left out: this measures storing)."""
    from bench.workload import deliveries

    run = int(time.time() * 1000) % 10**9
    count = int(requests * 1.2) + 200  # the warm-up, the query count, the replays dropped
    work = [d for d in deliveries(count, seed=11, run=run) if d.kind != "replay"]

    def make(i: int) -> Request:
        delivery = work[i % len(work)]
        body = delivery.body()
        if i >= len(work):  # never reached with the sizes above; stays unique regardless
            body["external_id"] = f"{body['external_id']}-{i}"
        return Request("POST", "/api/v1/inbound", loadgen.json_body(body), headers)

    return make


def reply_requests(headers: dict[str, str], conversations: list[int]) -> Callable[[int], Request]:
    """An agent answering the most recent open conversations in turn."""
    from bench.texts import TOPICS, Writer

    rng = random.Random(5)
    writer = Writer(rng)
    texts = []
    for n in range(64):
        language = "it" if n % 5 else "en"
        slots = writer.slots(language, name="Maria Rossi", agent="Giulia")
        texts.append(
            writer.agent_reply(TOPICS[n % len(TOPICS)], language, slots, long=n % 2 == 0).text
        )

    def make(i: int) -> Request:
        conversation = conversations[i % len(conversations)]
        body = loadgen.json_body({"text": texts[i % len(texts)]})
        return Request("POST", f"/api/v1/conversations/{conversation}/reply", body, headers)

    return make


def measure(
    scenario: Scenario,
    port: int,
    *,
    requests: int,
    concurrency: int,
    backend: str,
    queries: int | None,
    server: Server | None = None,
) -> dict[str, Any]:
    """Run one scenario under load; returns its JSON line as a dict (with the CPU it cost,
    when the ``server`` is given)."""
    count = scenario.requests or requests
    warmup = min(concurrency * 2, count)
    before = server.cpu_ticks() if server else {}
    began = time.process_time()
    result = loadgen.run(
        HOST,
        port,
        scenario.make,
        requests=count,
        concurrency=concurrency,
        expect=scenario.expect,
        warmup=warmup,
    )
    if result.first_error:
        print(
            f"  {scenario.name}: {result.errors} errors, e.g. {result.first_error}", file=sys.stderr
        )
    figures = result.figures()
    line = {
        "scenario": scenario.name,
        **{k: figures[k] for k in ("requests", "concurrency", "p50_ms", "p95_ms", "p99_ms", "rps")},
        "queries_per_request": queries,
        "backend": backend,
        "errors": figures["errors"],
        **scenario.extra,
    }
    if server is not None:
        sent = result.requests + warmup
        line.update(cpu_figures(before, server.cpu_ticks(), sent, time.process_time() - began))
    return line


def run_scenarios(
    scenarios: list[Scenario],
    port: int,
    *,
    requests: int,
    concurrency: int,
    backend: str,
    only: str = "",
    emit: Callable[[dict[str, Any]], None] = lambda line: print(json.dumps(line), flush=True),
    server: Server | None = None,
) -> list[dict[str, Any]]:
    """Count each scenario's queries in this process, then load the server with it."""
    lines = []
    for scenario in scenarios:
        if only and only not in scenario.name:
            continue
        # The query count runs request number -1 (a POST's ids stay unique).
        queries = count_queries(scenario.make(10**7 + len(lines)))
        line = measure(
            scenario,
            port,
            requests=requests,
            concurrency=concurrency,
            backend=backend,
            queries=queries,
            server=server,
        )
        emit(line)
        lines.append(line)
    return lines


# --- the command ----------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=60_000)
    parser.add_argument("--conversations", type=int, default=200_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200, help="per scenario")
    parser.add_argument(
        "--sustained",
        type=int,
        default=3_000,
        help="requests of the inbound POST scenario (a rate sustained for seconds, not a burst)",
    )
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    parser.add_argument("--database-url", default=os.environ.get("SPORTELLO_DATABASE_URL", ""))
    parser.add_argument("--home", default=os.environ.get("SPORTELLO_HOME", ""))
    parser.add_argument("--reuse", action="store_true", help="use the database as it is")
    parser.add_argument(
        "--recreate", action="store_true", help="drop and create the PostgreSQL database first"
    )
    parser.add_argument("--deep-rows", type=int, default=5_000, help="depth of deep pages")
    parser.add_argument("--only", default="", help="run the scenarios whose name holds this")
    parser.add_argument("--explain", action="store_true", help="print query plans to stderr")
    parser.add_argument("--keep", action="store_true", help="keep a temporary home")
    parser.add_argument(
        "--short",
        action="store_true",
        help="20k conversations, 100k messages, 40 requests a scenario (make bench)",
    )
    return parser


def sizes_of(args: argparse.Namespace) -> Sizes:
    if args.short:
        return Sizes(SHORT["customers"], SHORT["conversations"], SHORT["messages"])
    return Sizes(args.customers, args.conversations, args.messages)


def open_home(args: argparse.Namespace) -> tuple[Path, bool]:
    """The SPORTELLO_HOME to use, and whether it is a temporary one to remove after."""
    if args.home:
        home = Path(args.home).expanduser().resolve()
        home.mkdir(parents=True, exist_ok=True)
        return home, False
    if args.reuse:
        raise SystemExit("--reuse needs --home or SPORTELLO_HOME (and the database URL if any)")
    return Path(tempfile.mkdtemp(prefix="sportello-web-bench-")), not args.keep


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.short:
        args.requests = min(args.requests, 40)
        args.sustained = min(args.sustained, 400)
        args.deep_rows = min(args.deep_rows, 2_000)
    home, temporary = open_home(args)
    try:
        if not args.reuse:
            if args.database_url and args.recreate:
                from bench import environment

                environment.create_postgres_database(args.database_url, recreate=True)
            seeded = seed(home, args.database_url, sizes_of(args))
            print(json.dumps({"scenario": "seed", **seeded}), flush=True)
        setup_django(home, args.database_url)
        from bench import environment

        backend = environment.backend()
        began = time.perf_counter()
        dataset = prepare()
        print(
            json.dumps(
                {
                    "scenario": "prepare",
                    "long_conversations_created": dataset.long_created,
                    "thread_lengths": dataset.thread_lengths,
                    "big_customers_created": dataset.big_created,
                    "customer_conversations": dataset.customer_conversation_counts,
                    "seconds": round(time.perf_counter() - began, 2),
                    "backend": backend,
                }
            ),
            flush=True,
        )
        with sportello_server(home, args.database_url, workers=args.workers) as server:
            auth = login(server.port, dataset.agent_email, dataset.password)
            scenarios = sportello_scenarios(
                server.port,
                auth,
                dataset,
                deep_rows=args.deep_rows,
                requests=args.requests,
                sustained=args.sustained,
            )
            run_scenarios(
                scenarios,
                server.port,
                requests=args.requests,
                concurrency=args.concurrency,
                backend=backend,
                only=args.only,
                server=server,
            )
            memory = server.rss_kb()
            print(
                json.dumps(
                    {
                        "scenario": "server_memory",
                        **memory,
                        "workers": args.workers,
                        "db_bytes": environment.database_bytes(),
                        "backend": backend,
                    }
                ),
                flush=True,
            )
            if args.explain:
                for scenario in scenarios:
                    if args.only and args.only not in scenario.name:
                        continue
                    if scenario.expect != (200,):
                        continue
                    print(f"--- {scenario.name}", file=sys.stderr)
                    for sql, plan in explain(scenario.make(0)):
                        print(f"{sql[:2000]}\n{plan}\n", file=sys.stderr)
    finally:
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        if temporary:
            shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
