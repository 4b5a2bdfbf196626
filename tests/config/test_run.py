"""`sportello run` as a user starts it: a real uvicorn server and job consumer."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

SPORTELLO = Path(sys.executable).parent / "sportello"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def _request(url: str, body: dict | None = None, token: str = "") -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method="POST" if data else "GET")
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@contextmanager
def _running(tmp_path: Path, *arguments: str, **variables: str) -> Iterator[str]:
    """`sportello run` with a home in ``tmp_path``, the given ``SPORTELLO_*`` variables and
    none of this process's; its base URL once it answers. Stopped with Ctrl-C after the
    block, which it must survive with exit code 0."""
    port = _free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SPORTELLO_") and k != "DJANGO_SETTINGS_MODULE"
    }
    env.update(SPORTELLO_HOME=str(tmp_path), **variables)
    server = subprocess.Popen(
        [str(SPORTELLO), "run", "--port", str(port), *arguments],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        # Start-up migrates a new database: on a busy CI machine that took over 30 s.
        deadline = time.monotonic() + 180
        while True:
            try:
                status, health = _request(f"{base}/healthz")
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail("sportello run did not answer")
                time.sleep(0.2)
        assert status == 200 and health == {"status": "ok", "database": "ok", "queue": "ok"}
        yield base
    finally:
        server.send_signal(signal.SIGINT)
        try:
            output, _ = server.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            output, _ = server.communicate()
    assert server.returncode == 0, output


def _in_the_file_itself(database: Path, query: str, seconds: float = 20) -> tuple:
    """``query``'s first row read from the database file with its write-ahead log ignored,
    once it is not empty, or at the latest after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            file = sqlite3.connect(f"{database.resolve().as_uri()}?immutable=1", uri=True)
            try:
                row = file.execute(query).fetchone()
            finally:
                file.close()
        except sqlite3.DatabaseError:  # read while a checkpoint was copying pages: try again
            row = None
        if (row and any(row)) or time.monotonic() > deadline:
            return row
        time.sleep(0.2)


# The first case starts on an empty home, as a newcomer's first `sportello run` does; the
# others on a migrated database (tests/conftest.py, migrated_home), to spare the migration.
@pytest.mark.parametrize(
    ("queue", "workers", "new_home"),
    [("sqlite", 1, True), ("redis", 1, False), ("sqlite", 2, False)],
)
def test_run_serves_the_api_with_a_working_queue(request, tmp_path, queue, workers, new_home):
    if queue == "redis" and not _redis_answers():
        pytest.skip("Redis does not answer on 127.0.0.1:6379")
    if not new_home:
        tmp_path = request.getfixturevalue("migrated_home")
    variables = {
        "SPORTELLO_ADMIN_EMAIL": "titolare@bottega.it",
        "SPORTELLO_ADMIN_PASSWORD": "una-password-lunga",
    }
    if queue == "redis":
        variables.update(
            SPORTELLO_REDIS_URL="redis://127.0.0.1:6379/15",
            SPORTELLO_QUEUE_NAME=f"t{_free_port()}",
        )
    with _running(tmp_path, "--workers", str(workers), **variables) as base:
        status, token = _request(
            f"{base}/api/v1/auth/token",
            {"email": "titolare@bottega.it", "password": "una-password-lunga"},
        )
        assert status == 200
        status, created = _request(
            f"{base}/api/v1/inbound",
            {
                "channel": "api",
                "external_id": "x1",
                "sender": {"email": "c@example.it"},
                "text": "Buongiorno, avete la taglia 42?",
            },
            token["token"],
        )
        assert status == 201 and created["duplicate"] is False
        if queue == "sqlite":
            # A few pages, far below SQLite's own checkpoint threshold: only the server's
            # checkpoint thread copies them into the database file this soon.
            assert _in_the_file_itself(
                tmp_path / "sportello.sqlite3",
                "SELECT count(*) FROM conversations_message WHERE external_id = 'x1'",
            ) == (1,)


def test_run_starts_the_email_providers_lmtp_receiver(migrated_home):
    """GIVEN SPORTELLO_LMTP_PORT WHEN `sportello run` starts THEN the email provider's
    service (Provider.services) listens there, and stops with the server."""
    import smtplib

    lmtp_port = _free_port()
    with _running(
        migrated_home,
        "--no-worker",
        SPORTELLO_LMTP_PORT=str(lmtp_port),
        SPORTELLO_IMAP_IDLE="false",
    ):
        lmtp = smtplib.LMTP("127.0.0.1", lmtp_port, timeout=10)
        code, _ = lmtp.noop()
        lmtp.quit()
        assert code == 250
