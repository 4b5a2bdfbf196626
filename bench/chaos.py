"""Crash safety: kill -9 the server at random moments while customers write and agents reply.

    python bench/chaos.py                              # 20 kills on SQLite, ~5-10 min
    python bench/chaos.py --kills 100
    python bench/chaos.py --database-url postgres://postgres@127.0.0.1:5432/sportello_chaos

Starts the real ``sportello run`` (web server, job consumer and LMTP receiver in one process
group, its own ``SPORTELLO_HOME`` in a temporary folder, a free port) and a local SMTP sink
in a process of its own, which is never killed: the email channel's replies go out to it,
and it notes every send by Message-ID. Clients in threads then do what integrations, a mail
server and agents do, each retrying until the server acknowledges, as they would:

- an integration posts customers' messages to ``POST /api/v1/inbound``, each with its own
  ``external_id``, until it gets a 200 or 201;
- a mail server hands customers' emails to the LMTP receiver, each with its own Message-ID,
  until it gets a 250;
- two agents answer the email channel's conversations with ``POST .../reply`` and an
  ``Idempotency-Key``, until it gets a 200 or 201.

Meanwhile the server's process group gets SIGKILL at a random moment, 0.3-4 s after it
answers ``/healthz`` (or, one time in five, within 1.5 s of its start, while it migrates
and starts its services), and is started again at once, ``--kills`` times. Then the server
runs undisturbed until every reply's delivery has an outcome (the sweeper sends an
interrupted one again after 2 or 5 minutes, docs/architecture/outbound.md), and what the
clients were told is compared with what is stored and what the sink received. One JSON
line:

``{kills, acknowledged, lost, duplicated, replies_unsent, replies_sent_twice, ...}``:
``lost`` acknowledged messages not stored, ``duplicated`` external ids stored more than once
(of all that were sent, acknowledged or not), ``replies_unsent`` replies stored (whether or
not their answer reached the agent) that the sink never received, ``replies_sent_twice``
replies it received more than once (the documented at-least-once case), and counts beside
them. The target is 0, 0, 0; figures only, nothing here asserts.
"""

from __future__ import annotations

import argparse
import contextlib
import email.utils
import json
import os
import random
import signal
import smtplib
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from functools import partial
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import environment, loadgen
from bench.loadgen import Request
from bench.web import HOST, REPO, free_port

AGENT_EMAIL = "chaos.agent@bench.sportello.example"
AGENT_PASSWORD = "chaos-agent-password-2026"
TEXTS = (
    "Buongiorno, il mio ordine {n} non è ancora arrivato.",
    "Salve, vorrei il rimborso dell'ordine {n}: il pacco era danneggiato.",
    "Hello, my order {n} was charged twice, can you help?",
    "Posso cambiare l'indirizzo di consegna dell'ordine {n}?",
)
REPLIES = (
    "Grazie per averci scritto: controllo subito l'ordine e le rispondo entro un'ora.",
    "Ci scusiamo per il disagio, il rimborso è stato avviato oggi.",
    "Thank you, the second charge has been refunded.",
)


# --- the sink the replies go out to -------------------------------------------------------


class SmtpSink:
    """An SMTP server in a process of its own, never killed, that accepts everything and
    notes each message's Message-ID and the time it arrived, a line each, in a file: what
    it noted is what a customer's mail server would have received. Its own process, so
    its answers are not slowed by the clients' threads in this one."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [sys.executable, __file__, "--sink", str(self.port), str(self.path)]
        self.process = subprocess.Popen(command)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with smtplib.SMTP(HOST, self.port, timeout=5) as smtp:
                    smtp.noop()
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit("the SMTP sink did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)

    def received(self) -> tuple[Counter[str], dict[str, float]]:
        """How many times each Message-ID arrived, and when it first did."""
        sent: Counter[str] = Counter()
        first: dict[str, float] = {}
        for line in self.path.read_text().splitlines():
            when, _, message_id = line.partition(" ")
            sent[message_id] += 1
            first.setdefault(message_id, float(when))
        return sent, first


class SinkHandler:
    def __init__(self, path: Path) -> None:
        self.out = path.open("a", buffering=1)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        headers = BytesHeaderParser().parsebytes(envelope.original_content or b"")
        message_id = " ".join((headers.get("Message-ID") or "").split())
        self.out.write(f"{time.time():.6f} {message_id}\n")
        return "250 2.0.0 Ok: queued"


def run_sink(port: int, path: Path) -> None:
    from aiosmtpd.controller import Controller

    stops = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, stops)  # the server's thread inherits the mask
    controller = Controller(SinkHandler(path), hostname=HOST, port=port)
    controller.start()
    signal.sigwait(stops)
    controller.stop()


# --- the server, killed and started again ----------------------------------------------------


@dataclass
class Server:
    home: Path
    database_url: str
    port: int
    lmtp_port: int
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            SPORTELLO_HOME=str(self.home),
            SPORTELLO_LMTP_PORT=str(self.lmtp_port),
            SPORTELLO_IMAP_IDLE="false",
            SPORTELLO_LOG_LEVEL="WARNING",
            # This tree's code, whichever virtualenv runs it.
            PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        )
        if self.database_url:
            env["SPORTELLO_DATABASE_URL"] = self.database_url
        else:
            env.pop("SPORTELLO_DATABASE_URL", None)
        return env

    def start(self) -> None:
        """``sportello run`` as an operator's service manager would start it again (the
        ``sportello`` command's own module, so the code is this tree's)."""
        command = [sys.executable, "-m", "sportello.config.cli", "run"]
        command += ["--host", HOST, "--port", str(self.port)]
        with (self.home / "chaos-server.log").open("ab") as log:
            self.process = subprocess.Popen(
                command,
                env=self.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                cwd=str(self.home),
            )
        self.starts += 1

    def wait_until_up(self, timeout: float = 120.0) -> float:
        """Seconds until ``/healthz`` answers 200."""
        assert self.process is not None
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                tail = (self.home / "chaos-server.log").read_text(errors="replace")[-3000:]
                raise SystemExit(f"the server stopped on its own:\n{tail}")
            try:
                if loadgen.send_once(HOST, self.port, Request("GET", "/healthz"), 5).status == 200:
                    return time.monotonic() - started
            except OSError:
                pass
            time.sleep(0.1)
        raise SystemExit(f"the server did not answer /healthz within {timeout:.0f} s")

    def kill(self) -> None:
        """SIGKILL to the whole process group: web, job consumer and LMTP receiver at once."""
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


# --- the clients ------------------------------------------------------------------------------


@dataclass
class Ledger:
    """What the clients sent and what the server acknowledged."""

    api_sent: list[str] = field(default_factory=list)
    api_acknowledged: set[str] = field(default_factory=set)
    lmtp_sent: list[str] = field(default_factory=list)
    lmtp_acknowledged: set[str] = field(default_factory=set)
    replies_acknowledged: set[int] = field(default_factory=set)
    replies_asked: int = 0
    retries: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, what: str, counter: Counter[str]) -> None:
        with self.lock:
            counter[what] += 1


def until_acknowledged(
    attempt: Callable[[], bool | None], stop_retrying: threading.Event, ledger: Ledger, kind: str
) -> bool:
    """Call ``attempt`` until it says the server acknowledged (``True``) or refused for
    good (``None``); a failure to connect or a 5xx is tried again, as a real client does."""
    delay = 0.05
    while True:
        try:
            outcome = attempt()
        except (OSError, smtplib.SMTPException, loadgen._Closed):
            outcome = False
        if outcome is None:
            return False
        if outcome:
            return True
        ledger.note(kind, ledger.retries)
        if stop_retrying.is_set():
            return False
        time.sleep(delay)
        delay = min(delay * 2, 1.0)


class Clients:
    def __init__(
        self, port: int, lmtp_port: int, token: str, channel: str, address: str, run: str
    ) -> None:
        self.port = port
        self.lmtp_port = lmtp_port
        self.headers = {"Authorization": f"Bearer {token}"}
        self.channel = channel
        self.address = address
        self.run = run
        self.ledger = Ledger()
        self.stop = threading.Event()  # no new messages
        self.give_up = threading.Event()  # no more retries (only if draining takes too long)
        self.threads: list[threading.Thread] = []

    def start(self) -> None:
        for n, target in enumerate((self.post_inbound, self.post_inbound, self.hand_over_mail)):
            thread = threading.Thread(target=target, args=(n,), daemon=True)
            thread.start()
            self.threads.append(thread)
        for n in range(2):
            thread = threading.Thread(target=self.reply, args=(n,), daemon=True)
            thread.start()
            self.threads.append(thread)

    def join(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for thread in self.threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self.give_up.set()
        for thread in self.threads:
            thread.join(30)

    def post_inbound(self, worker: int) -> None:
        rng = random.Random(worker)
        n = 0
        while not self.stop.is_set():
            n += 1
            external_id = f"chaos-{self.run}-api-{worker}-{n}"
            customer = rng.randrange(200)
            body = loadgen.json_body(
                {
                    "channel": "api",
                    "external_id": external_id,
                    "sender": {
                        "name": f"Cliente {customer}",
                        "email": f"cliente{customer}.{self.run}@example.it",
                    },
                    "text": rng.choice(TEXTS).format(n=n),
                }
            )
            request = Request("POST", "/api/v1/inbound", body, self.headers)
            with self.ledger.lock:
                self.ledger.api_sent.append(external_id)
            if self._post(request, "inbound") is not None:
                with self.ledger.lock:
                    self.ledger.api_acknowledged.add(external_id)

    def hand_over_mail(self, worker: int) -> None:
        rng = random.Random(100 + worker)
        n = 0
        while not self.stop.is_set():
            n += 1
            message = EmailMessage()
            customer = rng.randrange(100)
            message["From"] = f"Cliente {customer} <posta{customer}.{self.run}@example.it>"
            message["To"] = self.address
            message["Subject"] = f"Ordine {n}"
            message["Date"] = email.utils.formatdate(localtime=False)
            message_id = f"<chaos-{self.run}-lmtp-{n}@clienti.example.it>"
            message["Message-ID"] = message_id
            message.set_content(rng.choice(TEXTS).format(n=n))
            raw = message.as_bytes()
            sender = f"posta{customer}.{self.run}@example.it"
            with self.ledger.lock:
                self.ledger.lmtp_sent.append(message_id)
            attempt = partial(self._try_lmtp, sender, raw)
            if until_acknowledged(attempt, self.give_up, self.ledger, "lmtp"):
                with self.ledger.lock:
                    self.ledger.lmtp_acknowledged.add(message_id)

    def reply(self, worker: int) -> None:
        """An agent answering the email channel's conversations, one reply at a time."""
        rng = random.Random(7 + worker)
        conversations: list[int] = []
        while not self.stop.is_set():
            if not conversations or rng.random() < 0.1:
                conversations = self._email_conversations() or conversations
            if not conversations:
                time.sleep(0.2)
                continue
            conversation = rng.choice(conversations)
            body = loadgen.json_body({"text": rng.choice(REPLIES)})
            headers = {**self.headers, "Idempotency-Key": str(uuid.uuid4())}
            path = f"/api/v1/conversations/{conversation}/reply"
            request = Request("POST", path, body, headers)
            with self.ledger.lock:
                self.ledger.replies_asked += 1
            answer = self._post(request, "reply")
            if answer is not None:
                with self.ledger.lock:
                    self.ledger.replies_acknowledged.add(int(json.loads(answer.body)["id"]))
            time.sleep(rng.uniform(0.0, 0.2))  # an agent types

    def _post(self, request: Request, kind: str) -> loadgen.Response | None:
        """The answer that acknowledged ``request``, once one did; ``None`` if refused."""
        answers: list[loadgen.Response] = []
        attempt = partial(self._try_http, request, kind, answers)
        return answers[-1] if until_acknowledged(attempt, self.give_up, self.ledger, kind) else None

    def _try_http(
        self, request: Request, kind: str, answers: list[loadgen.Response]
    ) -> bool | None:
        answer = loadgen.send_once(HOST, self.port, request, 30)
        if answer.status in (200, 201):
            answers.append(answer)
            return True
        if 400 <= answer.status < 500:
            self.ledger.note(f"{kind} {answer.status}", self.ledger.refused)
            return None
        return False

    def _try_lmtp(self, sender: str, raw: bytes) -> bool | None:
        with smtplib.LMTP(HOST, self.lmtp_port, timeout=30) as lmtp:
            try:
                lmtp.sendmail(sender, [self.address], raw)
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as exc:
                code = _smtp_code(exc)
                if 500 <= code < 600:
                    self.ledger.note(f"lmtp {code}", self.ledger.refused)
                    return None
                return False
        return True

    def _email_conversations(self) -> list[int]:
        path = loadgen.query(
            "/api/v1/conversations", {"view": "all", "channel": self.channel, "limit": 50}
        )
        try:
            answer = loadgen.send_once(
                HOST, self.port, Request("GET", path, None, self.headers), 30
            )
        except (OSError, loadgen._Closed):
            return []
        if answer.status != 200:
            return []
        return [int(item["id"]) for item in json.loads(answer.body)["items"]]


def _smtp_code(exc: smtplib.SMTPException) -> int:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return min(int(code) for code, _ in exc.recipients.values())
    return int(getattr(exc, "smtp_code", 451))


# --- setting up and counting (Django in this process, never while the server writes) -----------


@dataclass
class Setup:
    token: str
    workspace_id: int
    channel_id: int
    channel_slug: str
    address: str


def prepare(run: str, sink_port: int) -> Setup:
    """An agent with a token, and an email channel whose replies go to the sink."""
    from django.db import connections

    from sportello.accounts.actions import create_agent, issue_token
    from sportello.accounts.bootstrap import ensure_default_workspace
    from sportello.accounts.models import Agent, Role
    from sportello.channels.actions import create_channel

    environment.migrate()
    workspace = ensure_default_workspace()
    agent = Agent.objects.filter(workspace=workspace, user__email=AGENT_EMAIL).first()
    if agent is None:
        agent = create_agent(workspace, email=AGENT_EMAIL, password=AGENT_PASSWORD, role=Role.ADMIN)
    address = f"assistenza.{run}@chaos.sportello.example"
    channel = create_channel(
        workspace.pk,
        kind="email",
        name=f"Posta {run}",
        slug=f"posta-{run}",
        config={
            "address": address,
            "smtp": {"host": HOST, "port": sink_port, "ssl": False, "starttls": False},
        },
    )
    setup = Setup(
        issue_token(agent, name=f"chaos-{run}"), workspace.pk, channel.pk, channel.slug, address
    )
    connections.close_all()
    return setup


def pending_deliveries(channel_id: int) -> int:
    from django.db import connections

    from sportello.outbound.models import Delivery, DeliveryStatus

    try:
        return Delivery.objects.filter(
            channel_id=channel_id, status__in=[DeliveryStatus.QUEUED, DeliveryStatus.SENDING]
        ).count()
    finally:
        connections.close_all()


def reckon(setup: Setup, ledger: Ledger, sink: SmtpSink) -> dict[str, Any]:
    """Compare what the clients were told with what is stored and what the sink received."""
    sent, first_received = sink.received()
    from django.db import connections
    from django.db.models import Count

    from sportello.conversations.models import Direction, Kind, Message
    from sportello.outbound.models import Delivery

    sent_ids = [*ledger.api_sent, *ledger.lmtp_sent]
    stored: Counter[str] = Counter()
    for start in range(0, len(sent_ids), 500):
        rows = (
            Message.objects.filter(
                workspace_id=setup.workspace_id, external_id__in=sent_ids[start : start + 500]
            )
            .values("external_id")
            .annotate(n=Count("pk"))
        )
        stored.update({row["external_id"]: row["n"] for row in rows})
    acknowledged = ledger.api_acknowledged | ledger.lmtp_acknowledged
    # Every reply stored, with or without a delivery (a reply without one would never be
    # sent: send_reply stores both in one transaction, so there should be none).
    replies = list(
        Message.objects.filter(
            channel_id=setup.channel_id, direction=Direction.OUTBOUND, kind=Kind.MESSAGE
        ).values_list("pk", flat=True)
    )
    deliveries = list(
        Delivery.objects.filter(channel_id=setup.channel_id).values(
            "message_id", "status", "provider_message_id", "maybe_sent", "attempts", "sent_at"
        )
    )
    connections.close_all()
    by_message = {d["message_id"]: d for d in deliveries}
    sends = {
        pk: sent.get((by_message.get(pk) or {}).get("provider_message_id") or "", 0)
        for pk in replies
    }
    # From the sink's receiving a reply to the server's noting it sent (``sent_at`` is
    # taken as that transaction starts): a kill in between sends the reply again.
    lags = sorted(
        (d["sent_at"].timestamp() - first_received[d["provider_message_id"]]) * 1000
        for d in deliveries
        if d["sent_at"] and d["provider_message_id"] in first_received
    )
    return {
        "acknowledged": len(acknowledged),
        "lost": sum(1 for external_id in acknowledged if not stored.get(external_id)),
        "duplicated": sum(1 for n in stored.values() if n > 1),
        "replies_unsent": sum(1 for n in sends.values() if n == 0),
        "replies_sent_twice": sum(1 for n in sends.values() if n > 1),
        "acknowledged_api": len(ledger.api_acknowledged),
        "acknowledged_lmtp": len(ledger.lmtp_acknowledged),
        "sent_not_acknowledged": len(set(sent_ids) - acknowledged),
        "stored_not_acknowledged": sum(1 for e in stored if e not in acknowledged),
        "replies_asked": ledger.replies_asked,
        "replies_acknowledged": len(ledger.replies_acknowledged),
        "replies_acknowledged_not_stored": sum(
            1 for m in ledger.replies_acknowledged if m not in sends
        ),
        "replies_stored": len(replies),
        "replies_without_delivery": sum(1 for pk in replies if pk not in by_message),
        "replies_delivered": sum(1 for n in sends.values() if n),
        "replies_maybe_sent": sum(1 for d in deliveries if d["maybe_sent"]),
        "received_to_noted_ms_p50": round(lags[len(lags) // 2]) if lags else None,
        "received_to_noted_ms_max": round(lags[-1]) if lags else None,
        "replies_not_sent_status": dict(
            Counter(d["status"] for d in deliveries if d["status"] != "sent")
        ),
        "retries": dict(ledger.retries),
        "refused": dict(ledger.refused),
    }


# --- the run ------------------------------------------------------------------------------------


def chaos(args: argparse.Namespace) -> dict[str, Any]:
    home = Path(args.home or tempfile.mkdtemp(prefix="sportello-chaos-"))
    environment.configure(home=str(home), database_url=args.database_url)
    seed = args.seed if args.seed is not None else random.randrange(10**6)
    rng = random.Random(seed)
    run = f"{int(time.time()) % 10**7}{rng.randrange(100)}"
    sink = SmtpSink(home / "chaos-sink.log")
    sink.start()
    setup = prepare(run, sink.port)
    server = Server(home, args.database_url, free_port(), free_port())
    clients = Clients(
        server.port, server.lmtp_port, setup.token, setup.channel_slug, setup.address, run
    )
    began = time.monotonic()
    restarts: list[float] = []
    try:
        server.start()
        clients.start()
        for n in range(args.kills):
            if rng.random() < args.early:
                time.sleep(rng.uniform(0.0, 1.5))  # starting: migrating, requeueing
                if server.process is not None and server.process.poll() is not None:
                    server.wait_until_up()  # it stopped on its own: say why
            else:
                restarts.append(server.wait_until_up())
                time.sleep(rng.uniform(args.min_alive, args.max_alive))
            server.kill()
            print(f"kill {n + 1}/{args.kills}", file=sys.stderr, flush=True)
            server.start()
        restarts.append(server.wait_until_up())
        chaos_seconds = time.monotonic() - began
        clients.stop.set()
        clients.join(timeout=120)
        drained = time.monotonic()
        while pending_deliveries(setup.channel_id) and time.monotonic() - drained < args.drain:
            time.sleep(2)
        drain_seconds = time.monotonic() - drained
        time.sleep(2)  # a send whose outcome was just recorded has reached the sink
        figures = reckon(setup, clients.ledger, sink)
    finally:
        server.stop()
        sink.stop()
    return {
        "scenario": "chaos",
        "backend": "postgresql" if args.database_url.startswith("postgres") else "sqlite",
        "kills": args.kills,
        **figures,
        "seed": seed,
        "server_starts": server.starts,
        "restart_seconds_max": round(max(restarts, default=0.0), 2),
        "chaos_seconds": round(chaos_seconds, 1),
        "drain_seconds": round(drain_seconds, 1),
        "home": str(home),
    }


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--database-url", default="", help="PostgreSQL; SQLite in the home else")
    parser.add_argument("--home", default="", help="SPORTELLO_HOME (a new temporary folder)")
    parser.add_argument("--seed", type=int, default=None, help="the kills' random moments")
    parser.add_argument("--min-alive", type=float, default=0.3, help="seconds, after start-up")
    parser.add_argument("--max-alive", type=float, default=4.0)
    parser.add_argument(
        "--early", type=float, default=0.2, help="share of kills while the server starts"
    )
    parser.add_argument(
        "--drain", type=float, default=600, help="seconds to wait for the replies' outcomes"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--sink"]:  # the sink's own process (SmtpSink.start)
        run_sink(int(argv[1]), Path(argv[2]))
        return 0
    args = build_parser().parse_args(argv)
    print(json.dumps(chaos(args)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
