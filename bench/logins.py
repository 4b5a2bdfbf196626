"""What a flood of bad sign-ins does to everyone else's requests (issue 13, point 7).

    python bench/logins.py                      # SQLite, 16 attackers, 10 s a scenario
    python bench/logins.py --seconds 5 --attackers 8
    python bench/logins.py --database-url postgres://postgres@127.0.0.1:5432/sportello_bench_logins

Migrates a new home (its first admin is the victim), then for each scenario starts the real
server (``sportello run --no-worker``, 2 web threads), takes a bearer token, and for
``--seconds`` runs ``--attackers`` threads posting wrong passwords to
``POST /api/v1/auth/token`` as fast as they are answered, while one thread reads
``GET /api/v1/conversations?limit=1`` with the token, one request after another.

Scenarios, each set by the server's environment:
- ``quiet``: no attacker, the shipped settings: the reference;
- ``no_limits``: the limits out of the way (a million failures allowed, as many password
  checks at once as requests): how the server behaved before them;
- ``checks_limited``: only the concurrent password checks limited (the default, half the
  web threads), failures still unlimited: a burst from many addresses;
- ``defaults``: the shipped settings (5 failures an account, 20 an address, lockouts).

Prints one JSON line a scenario: ``{scenario, seconds, attackers, victim_requests,
victim_p50_ms, victim_p95_ms, victim_max_ms, victim_errors, login_answers}`` (the
attackers' statuses and how many of each). Figures only: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import loadgen
from bench.loadgen import Request
from bench.web import HOST, Server, free_port, wait_until_up

REPO = Path(__file__).resolve().parent.parent
EMAIL = "bench.logins@bench.sportello.example"
PASSWORD = "bench-logins-password-2026"
UNLIMITED = "1000000"
SCENARIOS: dict[str, dict[str, str]] = {
    "quiet": {},
    "no_limits": {
        "SPORTELLO_LOGIN_FAILURES_PER_ACCOUNT": UNLIMITED,
        "SPORTELLO_LOGIN_FAILURES_PER_ADDRESS": UNLIMITED,
        "SPORTELLO_LOGIN_CONCURRENCY": "1000",
    },
    "checks_limited": {
        "SPORTELLO_LOGIN_FAILURES_PER_ACCOUNT": UNLIMITED,
        "SPORTELLO_LOGIN_FAILURES_PER_ADDRESS": UNLIMITED,
    },
    "defaults": {},
}


# Each scenario starts with no failure counted: the one before counted thousands.
FORGET_FAILURES = (
    "import django; django.setup();"
    " from sportello.accounts.models import LoginThrottle;"
    " LoginThrottle.objects.all().delete()"
)


def environment(home: Path, database_url: str, extra: dict[str, str]) -> dict[str, str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "SPORTELLO_HOME": str(home),
        "SPORTELLO_LOG_LEVEL": "ERROR",
        "SPORTELLO_ADMIN_EMAIL": EMAIL,
        "SPORTELLO_ADMIN_PASSWORD": PASSWORD,
        "SPORTELLO_WEB_THREADS": "2",
        "DJANGO_SETTINGS_MODULE": "sportello.config.settings",
        **extra,
    }
    env.pop("SPORTELLO_DATABASE_URL", None)
    if database_url:
        env["SPORTELLO_DATABASE_URL"] = database_url
    return env


def sportello(*args: str) -> list[str]:
    """This checkout's ``sportello`` command (PYTHONPATH points at it)."""
    return [sys.executable, "-m", "sportello.config.cli", *args]


def start(home: Path, env: dict[str, str]) -> Server:
    port = free_port()
    log = home / "bench-logins-server.log"
    command = sportello("run", "--no-worker", "--host", HOST, "--port", str(port))
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Server(process, port, log)
    try:
        wait_until_up(port, "/healthz", process, log)
    except BaseException:
        server.stop()
        raise
    return server


def token(port: int) -> str:
    body = loadgen.json_body({"email": EMAIL, "password": PASSWORD, "name": "bench"})
    answer = loadgen.send_once(HOST, port, Request("POST", "/api/v1/auth/token", body))
    if answer.status != 200:
        raise SystemExit(f"sign-in failed: HTTP {answer.status} {answer.body[:300]!r}")
    return str(json.loads(answer.body)["token"])


def flood(port: int, key: str, seconds: float, attackers: int) -> dict[str, Any]:
    stop = threading.Event()
    answers: Counter[str] = Counter()
    lock = threading.Lock()
    wrong = Request(
        "POST",
        "/api/v1/auth/token",
        loadgen.json_body({"email": EMAIL, "password": "wrong-password"}),
    )

    def attack() -> None:
        while not stop.is_set():
            try:
                status = str(loadgen.send_once(HOST, port, wrong, timeout=60).status)
            except OSError as exc:
                status = type(exc).__name__
            with lock:
                answers[status] += 1

    threads = [threading.Thread(target=attack, daemon=True) for _ in range(attackers)]
    for thread in threads:
        thread.start()
    time.sleep(0.5 if attackers else 0)  # the flood under way before the victim's first request
    read = Request(
        "GET", "/api/v1/conversations?limit=1", headers={"Authorization": f"Bearer {key}"}
    )
    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        began = time.perf_counter()
        try:
            ok = loadgen.send_once(HOST, port, read, timeout=60).status == 200
        except OSError:
            ok = False
        latencies.append((time.perf_counter() - began) * 1000)
        errors += not ok
    stop.set()
    for thread in threads:
        thread.join(70)
    latencies.sort()
    return {
        "victim_requests": len(latencies),
        "victim_p50_ms": round(latencies[len(latencies) // 2], 1),
        "victim_p95_ms": round(latencies[int(len(latencies) * 0.95)], 1),
        "victim_max_ms": round(latencies[-1], 1),
        "victim_errors": errors,
        "login_answers": dict(sorted(answers.items())),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--attackers", type=int, default=16)
    parser.add_argument("--database-url", default="", help="PostgreSQL; SQLite when empty")
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), action="append")
    args = parser.parse_args(argv)
    home = Path(tempfile.mkdtemp(prefix="sportello-bench-logins-"))
    if args.database_url:
        from bench.environment import create_postgres_database

        create_postgres_database(args.database_url)
    subprocess.run(
        sportello("migrate"),
        env=environment(home, args.database_url, {}),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    for name in args.scenario or list(SCENARIOS):
        attackers = 0 if name == "quiet" else args.attackers
        env = environment(home, args.database_url, SCENARIOS[name])
        subprocess.run([sys.executable, "-c", FORGET_FAILURES], env=env, check=True)
        server = start(home, env)
        try:
            figures = flood(server.port, token(server.port), args.seconds, attackers)
        finally:
            server.stop()
        line = {
            "scenario": name,
            "seconds": args.seconds,
            "attackers": attackers,
            "backend": "postgresql" if args.database_url else "sqlite",
            **figures,
        }
        print(json.dumps(line), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
