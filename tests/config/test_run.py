"""`sportello run` as a user starts it: a real uvicorn server and job consumer."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

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


@pytest.mark.parametrize(("queue", "workers"), [("sqlite", 1), ("redis", 1), ("sqlite", 2)])
def test_run_serves_the_api_with_a_working_queue(tmp_path, queue, workers):
    if queue == "redis" and not _redis_answers():
        pytest.skip("Redis does not answer on 127.0.0.1:6379")
    port = _free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SPORTELLO_") and k != "DJANGO_SETTINGS_MODULE"
    }
    env.update(
        SPORTELLO_HOME=str(tmp_path),
        SPORTELLO_ADMIN_EMAIL="titolare@bottega.it",
        SPORTELLO_ADMIN_PASSWORD="una-password-lunga",
    )
    if queue == "redis":
        env.update(SPORTELLO_REDIS_URL="redis://127.0.0.1:6379/15", SPORTELLO_QUEUE_NAME=f"t{port}")
    server = subprocess.Popen(
        [str(SPORTELLO), "run", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                status, health = _request(f"{base}/healthz")
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)
        else:
            pytest.fail("sportello run did not answer")
        assert status == 200 and health == {"status": "ok", "database": "ok", "queue": "ok"}
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
        assert (tmp_path / "sportello.sqlite3").exists()
    finally:
        server.send_signal(signal.SIGINT)
        try:
            output, _ = server.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            output, _ = server.communicate()
    assert server.returncode == 0, output


def test_run_starts_the_email_providers_lmtp_receiver(tmp_path):
    """GIVEN SPORTELLO_LMTP_PORT WHEN `sportello run` starts THEN the email provider's
    service (Provider.services) listens there, and stops with the server."""
    import smtplib

    port, lmtp_port = _free_port(), _free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SPORTELLO_") and k != "DJANGO_SETTINGS_MODULE"
    }
    env.update(
        SPORTELLO_HOME=str(tmp_path),
        SPORTELLO_LMTP_PORT=str(lmtp_port),
        SPORTELLO_IMAP_IDLE="false",
    )
    server = subprocess.Popen(
        [str(SPORTELLO), "run", "--port", str(port), "--no-worker"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        for _ in range(150):
            try:
                lmtp = smtplib.LMTP("127.0.0.1", lmtp_port, timeout=10)
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("no LMTP receiver answered")
        code, _ = lmtp.noop()
        lmtp.quit()
        assert code == 250
        for _ in range(150):  # the web server is up too before it is asked to stop
            try:
                assert _request(f"http://127.0.0.1:{port}/healthz")[0] == 200
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            output, _ = server.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            output, _ = server.communicate()
    assert server.returncode == 0, output
