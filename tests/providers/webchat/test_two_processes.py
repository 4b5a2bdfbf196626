"""Two real server processes sharing Redis (issue 16's scale-out test).

Two ``sportello run`` processes on two ports, one SQLite file and one Redis database (the
channel layer and the cache): a visitor's widget socket on process A writes, an agent's
inbox socket on process B hears of it live, the agent replies through B's API, and the
reply arrives on the visitor's socket on A. Nothing is shared between the processes but
the database and Redis, so the message crossed through the Redis layer both ways.
Skipped when Redis does not answer on 127.0.0.1:6379 (it uses DB 12).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[3]
REDIS_URL = "redis://127.0.0.1:6379/12"
ORIGIN = "https://www.negozio-bench.it"


def _redis_answers() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping())
    except Exception:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(home: Path, prefix: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SPORTELLO_") and k != "DJANGO_SETTINGS_MODULE"
    }
    env.update(
        SPORTELLO_HOME=str(home),
        SPORTELLO_REDIS_URL=REDIS_URL,
        SPORTELLO_QUEUE_NAME=prefix,
        SPORTELLO_LOG_LEVEL="WARNING",
    )
    return env


def _prepare(home: Path, prefix: str) -> dict[str, str]:
    """Migrate the home's database, and create the chat channel, an agent who signs in,
    and an API token (the benchmark's own set-up, run as a separate process)."""
    script = (
        "import json, sys; from pathlib import Path; from bench.chat import prepare; "
        "key, token = prepare(Path(sys.argv[1]), 1); print(json.dumps([key, token]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(home)],
        env=_env(home, prefix),
        cwd=str(REPO),
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    key, token = json.loads(done.stdout.strip().splitlines()[-1])
    return {"key": key, "token": token}


@contextmanager
def _server(home: Path, prefix: str, name: str) -> Iterator[int]:
    from bench.loadgen import Request, send_once

    port = _free_port()
    log = home / f"server-{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "sportello.config.cli", "run"),
                *("--no-worker", "--no-migrate", "--host", "127.0.0.1", "--port", str(port)),
            ],
            env=_env(home, prefix),
            cwd=str(REPO),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, log.read_text()[-3000:]
            try:
                if send_once("127.0.0.1", port, Request("GET", "/healthz"), timeout=5).status:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the server did not answer"
            time.sleep(0.2)
        yield port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)


async def _receive(socket: Any, wanted: Any) -> dict[str, Any]:
    """The first event on ``socket`` for which ``wanted(event)`` holds (10 s at most)."""
    async with asyncio.timeout(10):
        while True:
            event = json.loads(await socket.recv())
            if wanted(event):
                return dict(event)


@pytest.mark.skipif(not _redis_answers(), reason="Redis does not answer on 127.0.0.1:6379")
def test_a_chat_crosses_two_server_processes_through_redis(migrated_home):
    import httpx
    import websockets

    from bench.chat import PASSWORD
    from bench.web import form_login

    prefix = f"wc2p{_free_port()}"
    made = _prepare(migrated_home, prefix)
    token = "visitor-two-processes".ljust(43, "x")

    async def scenario(port_a: int, port_b: int, cookie: str) -> dict[str, Any]:
        visitor_url = f"ws://127.0.0.1:{port_a}/ws/webchat/{made['key']}/?token={token}"
        async with (
            websockets.connect(
                f"ws://127.0.0.1:{port_b}/ws/agent/",
                additional_headers={"Cookie": cookie, "Origin": f"http://127.0.0.1:{port_b}"},
            ) as inbox,
            websockets.connect(visitor_url, origin=ORIGIN) as widget,  # type: ignore[arg-type]
        ):
            assert (await _receive(inbox, lambda e: True))["type"] == "hello"
            await widget.send(
                json.dumps({"type": "message", "text": "Da A a B", "client_id": "m1"})
            )
            sent = await _receive(widget, lambda e: e.get("type") == "sent")
            message_id = sent["message"]["id"]
            heard = await _receive(
                inbox, lambda e: e.get("event") == "message.received" and e.get("id") == message_id
            )
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port_b}") as api:
                answer = await api.post(
                    f"/api/v1/conversations/{heard['conversation']}/reply",
                    json={"text": "Da B ad A"},
                    headers={"Authorization": f"Bearer {made['token']}"},
                )
                assert answer.status_code < 300, answer.text
            reply = await _receive(
                widget,
                lambda e: e.get("type") == "message" and e["message"].get("author") == "agent",
            )
            return {"heard": heard, "reply": reply["message"]}

    with ExitStack() as stack:
        port_a = stack.enter_context(_server(migrated_home, prefix, "a"))
        port_b = stack.enter_context(_server(migrated_home, prefix, "b"))
        cookie = form_login(port_b, "/login/", "agente0@bench.sportello.example", PASSWORD)
        seen = asyncio.run(scenario(port_a, port_b, cookie))

    assert seen["heard"]["event"] == "message.received"
    assert seen["reply"]["text"] == "Da B ad A"
    assert seen["reply"]["name"] == "Banco Prova"  # the agent's display name, nothing else
    assert "email" not in json.dumps(seen["reply"])
