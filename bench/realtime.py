"""From ``POST /api/v1/inbound`` to the notification on every agent's socket.

    python bench/realtime.py                          # 50 agent sockets, 200 messages, SQLite
    python bench/realtime.py --agents 50 --messages 500 --workers 2 \\
        --redis-url redis://127.0.0.1:6379/1          # two web processes sharing Redis

Starts the real server (``sportello run --no-worker``, a subprocess, on a fresh home),
signs ``--agents`` agents in through the login form, opens one websocket each
(``/ws/agent/``, as the inbox does), then posts the messages one after another through the
API, ``--pause`` seconds apart. For each message and each socket, the time from just before
the POST to the ``message.received`` notification naming that message: its p50/p99 over all
(message, socket) pairs, and how many never came within ``--grace`` seconds (``lost``).

Prints one JSON line: ``{agents, messages, p50_ms, p99_ms, max_ms, lost, post_p50_ms,
post_p99_ms, fanout_p50_ms, fanout_p99_ms, workers, layer, backend}`` (``post_*``: the
POST's own answer time, which the latency includes; ``fanout_*``: from that answer to the
socket). Figures only: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in {None, ""}:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import loadgen
from bench.loadgen import Request
from bench.web import HOST, form_login, seed_env, sportello_server

PASSWORD = "bench-password-123"

SEED = """
import json, os, sys, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sportello.config.settings")
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from sportello.accounts.actions import create_agent, issue_token
from sportello.accounts.bootstrap import ensure_default_workspace
workspace = ensure_default_workspace()
agents = [
    create_agent(workspace, email=f"agente{n}@negozio.it", password=sys.argv[2],
                 display_name=f"Agente {n}")
    for n in range(int(sys.argv[1]))
]
print(json.dumps({"token": issue_token(agents[0])}))
"""


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def listen(
    port: int, cookie: str, arrivals: dict[int, float], ready: asyncio.Event, done: asyncio.Event
) -> None:
    """One agent's inbox: the arrival time of each message's notification, by message id."""
    import websockets

    async with websockets.connect(
        f"ws://{HOST}:{port}/ws/agent/",
        additional_headers={"Cookie": cookie, "Origin": f"http://{HOST}:{port}"},
        max_size=2**20,
    ) as socket:
        hello = json.loads(await socket.recv())
        assert hello["type"] == "hello", hello
        ready.set()
        while not done.is_set():
            try:
                raw = await asyncio.wait_for(socket.recv(), timeout=0.5)
            except TimeoutError:
                continue
            event = json.loads(raw)
            if event.get("event") == "message.received":
                arrivals.setdefault(event["id"], time.perf_counter())


def post_inbound(port: int, token: str, n: int) -> tuple[float, int, float]:
    """One customer message through the API: (when it was sent, its message id, ms)."""
    body = loadgen.json_body(
        {
            "channel": "api",
            "external_id": f"rt-{n}",
            "sender": {"name": f"Cliente {n}", "email": f"cliente{n % 97}@example.it"},
            "text": f"Buongiorno, una domanda sull'ordine {4000 + n}",
        }
    )
    started = time.perf_counter()
    answer = loadgen.send_once(
        HOST,
        port,
        Request("POST", "/api/v1/inbound", body, {"Authorization": f"Bearer {token}"}),
    )
    if answer.status not in (200, 201):
        raise SystemExit(f"inbound failed: HTTP {answer.status} {answer.body[:300]!r}")
    return (
        started,
        int(json.loads(answer.body)["message_id"]),
        (time.perf_counter() - started) * 1000,
    )


async def scenario(
    args: argparse.Namespace, port: int, token: str, cookies: list[str]
) -> dict[str, object]:
    sockets: list[dict[int, float]] = [{} for _ in cookies]
    done = asyncio.Event()
    readies = [asyncio.Event() for _ in cookies]
    tasks = [
        asyncio.create_task(listen(port, cookie, arrivals, ready, done))
        for cookie, arrivals, ready in zip(cookies, sockets, readies, strict=True)
    ]
    await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), timeout=60)
    sent: list[tuple[float, int]] = []
    posts: list[float] = []
    answered: dict[int, float] = {}
    for n in range(args.messages):
        started, message_id, ms = await asyncio.to_thread(post_inbound, port, token, n)
        sent.append((started, message_id))
        posts.append(ms)
        answered[message_id] = started + ms / 1000
        await asyncio.sleep(args.pause)
    deadline = time.perf_counter() + args.grace
    while time.perf_counter() < deadline:
        if all(message_id in arrivals for arrivals in sockets for _, message_id in sent):
            break
        await asyncio.sleep(0.05)
    done.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    latencies = [
        (arrivals[message_id] - started) * 1000
        for arrivals in sockets
        for started, message_id in sent
        if message_id in arrivals
    ]
    lost = len(sent) * len(sockets) - len(latencies)
    # From the POST's answer to the socket: the fan-out alone (negative when the
    # notification overtook the answer on its way back).
    fanout = [
        (arrivals[message_id] - answered[message_id]) * 1000
        for arrivals in sockets
        for _, message_id in sent
        if message_id in arrivals
    ]
    return {
        "agents": len(cookies),
        "messages": len(sent),
        "p50_ms": round(statistics.median(latencies), 2) if latencies else None,
        "p99_ms": round(percentile(latencies, 0.99), 2) if latencies else None,
        "max_ms": round(max(latencies), 2) if latencies else None,
        "lost": lost,
        "post_p50_ms": round(statistics.median(posts), 2),
        "post_p99_ms": round(percentile(posts, 0.99), 2),
        "fanout_p50_ms": round(statistics.median(fanout), 2) if fanout else None,
        "fanout_p99_ms": round(percentile(fanout, 0.99), 2) if fanout else None,
        "workers": args.workers,
        "layer": "redis" if args.redis_url else "memory",
        "backend": "postgresql" if args.database_url else "sqlite",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--pause", type=float, default=0.02, help="seconds between posts")
    parser.add_argument("--grace", type=float, default=5.0, help="seconds to wait at the end")
    parser.add_argument("--workers", type=int, default=1, help="web processes")
    parser.add_argument("--redis-url", default="")
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    if args.workers > 1 and not args.redis_url:
        raise SystemExit("several web processes share notifications through --redis-url")

    with tempfile.TemporaryDirectory(prefix="sportello-realtime-bench-") as tmp:
        home = Path(tmp)
        env = seed_env(home, args.database_url)
        if args.redis_url:
            env["SPORTELLO_REDIS_URL"] = args.redis_url
        seeded = subprocess.run(
            [sys.executable, "-c", SEED, str(args.agents), PASSWORD],
            env=env,
            cwd=home,
            capture_output=True,
            check=True,
        )
        token = json.loads(seeded.stdout.decode().strip().splitlines()[-1])["token"]
        import bench.web as web

        original = web.seed_env
        web.seed_env = lambda home, url: env  # type: ignore[assignment]  # the Redis URL too
        try:
            with sportello_server(home, args.database_url, workers=args.workers) as server:
                cookies = [
                    form_login(server.port, "/login/", f"agente{n}@negozio.it", PASSWORD)
                    for n in range(args.agents)
                ]
                result = asyncio.run(scenario(args, server.port, token, cookies))
        finally:
            web.seed_env = original
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
