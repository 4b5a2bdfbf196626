"""Live chat under load: N widget websocket clients, each writing every ~10 s.

    python bench/chat.py                      # 1,000 visitors for 60 s
    python bench/chat.py --clients 200 --seconds 40 --agents 3
    python bench/chat.py --workers 2 --redis redis://127.0.0.1:6379/12   # two processes

Starts the real server (``sportello run --no-worker``, one uvicorn process, the in-memory
channel layer) on a fresh SQLite database in a temporary home, creates a web chat channel
and an agent with an API token in this process, then opens ``--clients`` visitor sockets
(``/ws/webchat/<key>/``, each with its own token and the allowed Origin). Each visitor
sends a message every 10 s on average (exponential gaps); the agent answers a sample of
them through ``POST /api/v1/conversations/<id>/reply``. ``--agents`` agents sign in
through the login form and hold the inbox's socket (``/ws/agent/``) meanwhile.

Prints one JSON line per direction, ``{direction, clients, messages, p50_ms, p99_ms,
lost}``:
- ``visitor_to_server``: from the visitor's send to its ``sent`` acknowledgement, which
  the server writes once the message is stored through the ingest pipeline and pushed to
  the conversation's groups (agents' pages subscribe there once the realtime layer exists);
- ``visitor_to_agent``: from the visitor's send to the ``message.received`` notification
  naming that message on each agent's socket (over every (message, socket) pair; ``lost``:
  acknowledged messages a socket never heard of);
- ``agent_to_visitor``: from the agent's reply request to the reply on the visitor's socket;
and a ``server_memory`` line (resident memory of the server, from /proc, with the CPU
seconds the server and this load generator used and the machine's load average: on a
shared machine, whether the server had the CPU it needed). The client runs on uvloop, in
its own process. ``lost`` counts
messages never acknowledged (or replies never received) by the end plus a 15 s grace.
``--profile PATH`` runs the server under ``bench/profiled.py`` (cProfile in every thread,
on each thread's CPU clock) and writes its figures there at the end of the run.
Figures only: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.web import HOST, Server, form_login, free_port, wait_until_up

REPO = Path(__file__).resolve().parent.parent
ORIGIN = "https://www.negozio-bench.it"
PASSWORD = "bench-chat-password-1"


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 1)


def timeline(tally: Tally) -> list[dict[str, Any]]:
    """The acknowledgement's p50/p99 per 10 s of the run (by when the message was sent),
    with the server's CPU seconds in those 10 s: whether the tail belongs to the first
    seconds, when the sockets connect and open their conversations, or to all."""
    windows: dict[int, list[float]] = {}
    for sent_at, ms in zip(tally.acked_at, tally.acked, strict=True):
        windows.setdefault(int(sent_at // 10), []).append(ms)
    return [
        {
            "from_s": window * 10,
            "messages": len(values),
            "p50_ms": percentile(values, 0.5),
            "p99_ms": percentile(values, 0.99),
            "server_cpu_s": tally.cpu_by_10s[window] if window < len(tally.cpu_by_10s) else None,
        }
        for window, values in sorted(windows.items())
    ]


def prepare(home: Path, agents: int) -> tuple[str, str]:
    """Migrate, and create the channel, ``agents`` agents who sign in with ``PASSWORD``
    (``agenteN@bench.sportello.example``) and an admin's API token: (public key, token)."""
    os.environ["SPORTELLO_HOME"] = str(home)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sportello.config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from sportello.accounts.actions import create_agent, issue_token
    from sportello.accounts.bootstrap import ensure_default_workspace
    from sportello.accounts.models import Role
    from sportello.channels.actions import create_channel

    call_command("migrate", verbosity=0)
    workspace = ensure_default_workspace()
    agent = create_agent(
        workspace,
        email="bench.chat@bench.sportello.example",
        password=None,
        display_name="Banco Prova",
        role=Role.ADMIN,
    )
    for n in range(agents):
        create_agent(
            workspace,
            email=f"agente{n}@bench.sportello.example",
            password=PASSWORD,
            display_name=f"Agente {n}",
            role=Role.AGENT,
        )
    channel = create_channel(
        workspace.pk,
        kind="webchat",
        name="Chat",
        slug="chat",
        config={"allowed_origins": [ORIGIN]},
    )
    return str(channel.config["webhook_key"]), issue_token(agent)


def conversation_of(token: str) -> int | None:
    from sportello.conversations.models import Message
    from sportello.providers.webchat.visitors import handle_of

    found = (
        Message.objects.filter(external_id__startswith=f"wc:{handle_of(token)}:")
        .values_list("conversation_id", flat=True)
        .first()
    )
    return int(found) if found is not None else None


def stored(unacknowledged: dict[str, str]) -> int:
    """How many of the messages never acknowledged (client id -> token) are stored all
    the same (the socket died after the pipeline took them)."""
    from sportello.conversations.models import Message
    from sportello.providers.webchat.visitors import external_id, handle_of

    ids = [external_id(handle_of(token), client_id) for client_id, token in unacknowledged.items()]
    return Message.objects.filter(external_id__in=ids).count()


class Tally:
    def __init__(self) -> None:
        self.sent: dict[str, float] = {}
        # Acknowledged messages: their id and when they were sent; and, per agent socket,
        # when each message id's notification arrived.
        self.stored: dict[int, float] = {}
        self.heard: list[dict[int, float]] = []
        self.owner: dict[str, str] = {}
        self.acked: list[float] = []
        self.acked_at: list[float] = []  # when each acknowledged message was sent
        self.started = time.perf_counter()
        self.cpu_by_10s: list[float] = []  # the server's CPU seconds in each 10 s
        self.replies: dict[str, float] = {}
        self.reply_ms: list[float] = []
        self.errors = 0


async def visitor(
    port: int, key: str, index: int, tally: Tally, until: float, tokens: list[str]
) -> None:
    import websockets

    token = f"bench{index:06d}".ljust(43, "x")
    tokens.append(token)
    url = f"ws://{HOST}:{port}/ws/webchat/{key}/?token={token}"
    try:
        async with websockets.connect(url, origin=ORIGIN, open_timeout=60) as socket:  # type: ignore[arg-type]

            async def reader() -> None:
                async for raw in socket:
                    event = json.loads(raw)
                    now = time.perf_counter()
                    if event.get("type") == "sent":
                        client_id = event["message"].get("client_id", "")
                        if client_id in tally.sent:
                            sent_at = tally.sent.pop(client_id)
                            tally.acked.append((now - sent_at) * 1000)
                            tally.acked_at.append(sent_at - tally.started)
                            tally.stored[int(event["message"]["id"])] = sent_at
                    elif event.get("type") == "message":
                        text = event["message"].get("text", "")
                        if event["message"].get("author") == "agent" and text in tally.replies:
                            tally.reply_ms.append((now - tally.replies.pop(text)) * 1000)

            reading = asyncio.create_task(reader())
            await asyncio.sleep(random.uniform(0, 10))
            count = 0
            while time.perf_counter() < until:
                client_id = f"v{index}m{count}"
                tally.sent[client_id] = time.perf_counter()
                tally.owner[client_id] = token
                await socket.send(
                    json.dumps(
                        {"type": "message", "text": f"Domanda {count}", "client_id": client_id}
                    )
                )
                count += 1
                await asyncio.sleep(min(30.0, random.expovariate(1 / 10)))
            await asyncio.sleep(15)  # grace for what is still in flight
            reading.cancel()
    except Exception:
        tally.errors += 1


async def agent(port: int, api_token: str, tokens: list[str], tally: Tally, until: float) -> None:
    """Reply about once a second to a random visitor who has written."""
    import httpx

    async with httpx.AsyncClient(base_url=f"http://{HOST}:{port}", timeout=30) as client:
        await asyncio.sleep(12)
        number = 0
        while time.perf_counter() < until:
            token = random.choice(tokens)
            conversation = await asyncio.to_thread(conversation_of, token)
            if conversation is not None:
                text = f"Risposta {number}"
                tally.replies[text] = time.perf_counter()
                try:
                    answer = await client.post(
                        f"/api/v1/conversations/{conversation}/reply",
                        json={"text": text},
                        headers={"Authorization": f"Bearer {api_token}"},
                    )
                    refused = answer.status_code >= 300
                except httpx.HTTPError:  # a saturated server: counted, the run goes on
                    refused = True
                if refused:
                    tally.replies.pop(text, None)
                    tally.errors += 1
                number += 1
            await asyncio.sleep(1)


async def inbox(port: int, cookie: str, heard: dict[int, float], until: float) -> None:
    """One agent's inbox socket: when each message's ``message.received`` arrived. A
    dropped socket reconnects (what it missed meanwhile counts as lost)."""
    import websockets

    while time.perf_counter() < until + 15:
        try:
            async with websockets.connect(
                f"ws://{HOST}:{port}/ws/agent/",
                additional_headers={"Cookie": cookie, "Origin": f"http://{HOST}:{port}"},
                max_size=2**20,
                open_timeout=60,
                ping_interval=None,  # a loaded server answers late; the page does not ping
            ) as socket:
                hello = json.loads(await socket.recv())
                assert hello["type"] == "hello", hello
                while time.perf_counter() < until + 15:
                    try:
                        raw = await asyncio.wait_for(socket.recv(), timeout=0.5)
                    except TimeoutError:
                        continue
                    event = json.loads(raw)
                    if event.get("event") == "message.received" and event.get("id"):
                        heard.setdefault(int(event["id"]), time.perf_counter())
        except (OSError, websockets.exceptions.WebSocketException):
            await asyncio.sleep(1)


async def sample_cpu(server: Server, tally: Tally, until: float) -> None:
    """The server's CPU seconds in each 10 s of the run: how busy it was when."""
    tick = os.sysconf("SC_CLK_TCK")
    before = sum(server.cpu_ticks().values())
    while time.perf_counter() < until:
        await asyncio.sleep(10)
        now = sum(server.cpu_ticks().values())
        tally.cpu_by_10s.append(round((now - before) / tick, 1))
        before = now


async def drive(
    port: int,
    key: str,
    api_token: str,
    clients: int,
    seconds: float,
    cookies: list[str],
    server: Server,
) -> Tally:
    tally = Tally()
    sampling = asyncio.create_task(sample_cpu(server, tally, tally.started + seconds))
    tokens: list[str] = []
    until = time.perf_counter() + seconds
    tasks = []
    for cookie in cookies:
        heard: dict[int, float] = {}
        tally.heard.append(heard)
        tasks.append(asyncio.create_task(inbox(port, cookie, heard, until)))
    for index in range(clients):
        tasks.append(asyncio.create_task(visitor(port, key, index, tally, until, tokens)))
        if index % 50 == 49:
            await asyncio.sleep(0.2)  # connect in waves, as page views arrive
    tasks.append(asyncio.create_task(agent(port, api_token, tokens, tally, until)))
    await asyncio.gather(*tasks)
    await sampling
    return tally


def dump_profile(pid: int, path: Path) -> None:
    """Ask the profiled server for its figures (SIGUSR1) and wait until they are written."""
    import signal

    path.unlink(missing_ok=True)
    os.kill(pid, signal.SIGUSR1)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if path.exists() and path.stat().st_size:
            time.sleep(1)  # the dump is written in one go; let it finish
            return
        time.sleep(0.2)


def _run(main: Any) -> Tally:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency of the server
        return asyncio.run(main)
    return uvloop.run(main)  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--agents", type=int, default=3, help="agent inbox sockets")
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    parser.add_argument(
        "--redis", default="", help="Redis URL for the layer and cache (needed by --workers 2+)"
    )
    parser.add_argument(
        "--profile",
        default="",
        help="write the server's cProfile figures (every thread, bench/profiled.py) here",
    )
    args = parser.parse_args()
    if args.workers > 1 and not args.redis:
        parser.error("--workers above 1 needs --redis (the processes share the channel layer)")
    if args.profile and args.workers > 1:
        parser.error("--profile profiles one server process: use it with --workers 1")
    home = Path(tempfile.mkdtemp(prefix="sportello-bench-chat-"))
    key, api_token = prepare(home, args.agents)
    port = free_port()
    log = home / "server.log"
    env = {**os.environ, "SPORTELLO_HOME": str(home), "SPORTELLO_LOG_LEVEL": "WARNING"}
    if args.redis:
        env.update(SPORTELLO_REDIS_URL=args.redis, SPORTELLO_QUEUE_NAME=f"benchchat{port}")
    import resource
    import subprocess

    with log.open("wb") as out:
        profiled = ["bench.profiled", str(Path(args.profile).resolve())] if args.profile else []
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                *profiled,
                "sportello.config.cli",
                "run",
                "--no-worker",
                "--no-migrate",
                "--host",
                HOST,
                "--port",
                str(port),
                "--workers",
                str(args.workers),
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=str(REPO),
        )
    server = Server(process, port, log)
    try:
        wait_until_up(port, "/healthz", process, log)
        cookies = [
            form_login(port, "/login/", f"agente{n}@bench.sportello.example", PASSWORD)
            for n in range(args.agents)
        ]
        ticks_before = server.cpu_ticks()
        client_before = resource.getrusage(resource.RUSAGE_SELF)
        tally = _run(drive(port, key, api_token, args.clients, args.seconds, cookies, server))
        client_after = resource.getrusage(resource.RUSAGE_SELF)
        memory: dict[str, Any] = dict(server.rss_kb())
        tick = os.sysconf("SC_CLK_TCK")
        ticks_after = server.cpu_ticks()
        spent = {pid: ticks - ticks_before.get(pid, 0) for pid, ticks in ticks_after.items()}
        memory["server_cpu_s"] = round(sum(spent.values()) / tick, 1)
        if args.workers > 1:
            # How the kernel spread the sockets: one busy worker beside an idle one queues.
            memory["server_cpu_s_by_process"] = sorted(
                (round(ticks / tick, 1) for ticks in spent.values()), reverse=True
            )
        memory["client_cpu_s"] = round(
            client_after.ru_utime
            + client_after.ru_stime
            - client_before.ru_utime
            - client_before.ru_stime,
            1,
        )
        memory["load_average_1m"] = round(os.getloadavg()[0], 2)
        memory["workers"] = args.workers
        memory["layer"] = "redis" if args.redis else "memory"
        if args.profile:
            dump_profile(process.pid, Path(args.profile))
    finally:
        server.stop()
    acked, replied = len(tally.acked), len(tally.reply_ms)
    unacknowledged = {client_id: tally.owner[client_id] for client_id in tally.sent}
    stored_anyway = stored(unacknowledged)
    print(
        json.dumps(
            {
                "direction": "visitor_to_server",
                "clients": args.clients,
                "messages": acked + len(tally.sent),
                "p50_ms": percentile(tally.acked, 0.5),
                "p99_ms": percentile(tally.acked, 0.99),
                "lost": len(tally.sent) - stored_anyway,
                "unacknowledged_but_stored": stored_anyway,
                "socket_errors": tally.errors,
            }
        )
    )
    print(json.dumps({"direction": "visitor_to_server", "by_10s": timeline(tally)}))
    to_agents = [
        (heard[message_id] - sent_at) * 1000
        for heard in tally.heard
        for message_id, sent_at in tally.stored.items()
        if message_id in heard
    ]
    pairs = len(tally.stored) * len(tally.heard)
    print(
        json.dumps(
            {
                "direction": "visitor_to_agent",
                "clients": args.clients,
                "agents": args.agents,
                "messages": len(tally.stored),
                "p50_ms": percentile(to_agents, 0.5),
                "p99_ms": percentile(to_agents, 0.99),
                "lost": pairs - len(to_agents),
            }
        )
    )
    print(
        json.dumps(
            {
                "direction": "agent_to_visitor",
                "clients": args.clients,
                "messages": replied + len(tally.replies),
                "p50_ms": percentile(tally.reply_ms, 0.5),
                "p99_ms": percentile(tally.reply_ms, 0.99),
                "lost": len(tally.replies),
            }
        )
    )
    print(json.dumps({"scenario": "server_memory", "clients": args.clients, **memory}))


if __name__ == "__main__":
    main()
