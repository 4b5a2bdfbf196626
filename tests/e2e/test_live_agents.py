"""Two agents in two browsers on the real server (``sportello run``: uvicorn, websockets
included), and a message posted through the API: what each sees without reloading.

The server is a subprocess on a temporary SQLite home, as an installation runs it; the
pages' live part is the real one (Channels' in-memory layer inside that process).
Screenshots of the inbox and the conversation (presence, typing, the stale-reply notice),
in Italian and English at 1366x800 and 360x740, go to /tmp/shots/realtime/.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "password-live-123"
SHOTS = Path("/tmp/shots/realtime")

SEED = f"""
import json, os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sportello.config.settings")
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from sportello.accounts.actions import create_agent, issue_token
from sportello.accounts.bootstrap import ensure_default_workspace
workspace = ensure_default_workspace()
giulia = create_agent(workspace, email="giulia@negozio.it", password={PASSWORD!r},
                      display_name="Giulia Bianchi", language="it")
create_agent(workspace, email="marco@negozio.it", password={PASSWORD!r},
             display_name="Marco Verdi", language="en")
print(json.dumps({{"token": issue_token(giulia)}}))
"""


@dataclass
class Server:
    url: str
    token: str
    process: Process

    def inbound(self, text: str, *, email: str, name: str, subject: str = "") -> dict[str, Any]:
        body = {
            "channel": "api",
            "external_id": f"live-{email}-{time.monotonic_ns()}",
            "sender": {"name": name, "email": email},
            "subject": subject,
            "text": text,
        }
        request = urllib.request.Request(
            f"{self.url}/api/v1/inbound",
            data=json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            result: dict[str, Any] = json.loads(answer.read())
            return result


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


INGEST = """
import os, sys, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sportello.config.settings")
django.setup()
from sportello.channels.models import Channel
from sportello.ingest.inbound import InboundMessage, Sender
from sportello.ingest.pipeline import ingest
channel = Channel.objects.get(slug="api")
ingest(InboundMessage(workspace_id=channel.workspace_id, channel_id=channel.pk,
    sender=Sender(name="Lucia Verdi", email="lucia@example.it"), subject=sys.argv[1],
    text=sys.argv[2], external_id="offline-1"), source="test")
"""


class Process:
    """``sportello run`` on a fixed port, stopped and started again at will."""

    def __init__(self, home: Path, env: dict[str, str], port: int) -> None:
        self.home, self.env, self.port = home, env, port
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        run = "import sys; from sportello.config.cli import main; sys.exit(main())"
        command = [sys.executable, "-c", run, "run", "--no-worker", "--no-migrate"]
        command += ["--host", "127.0.0.1", "--port", str(self.port)]
        with (self.home / "server.log").open("ab") as log:
            self.process = subprocess.Popen(
                command,
                env=self.env,
                cwd=self.home,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        for _ in range(300):
            if self.process.poll() is not None:
                raise RuntimeError((self.home / "server.log").read_text())
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def ingest(self, subject: str, text: str) -> None:
        """A message stored while no server runs (as an IMAP poll in a worker would)."""
        subprocess.run(
            [sys.executable, "-c", INGEST, subject, text],
            env=self.env,
            cwd=self.home,
            check=True,
            capture_output=True,
        )


@pytest.fixture
def server(migrated_home: Path) -> Iterator[Server]:
    tmp_path = migrated_home
    env = {
        **os.environ,
        "SPORTELLO_HOME": str(tmp_path),
        "PYTHONPATH": str(REPO),
        "SPORTELLO_LOG_LEVEL": "WARNING",
    }
    for name in ("SPORTELLO_DATABASE_URL", "SPORTELLO_REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(name, None)
    seeded = subprocess.run(
        [sys.executable, "-c", SEED], env=env, cwd=tmp_path, capture_output=True, check=True
    )
    token = json.loads(seeded.stdout.decode().strip().splitlines()[-1])["token"]
    process = Process(tmp_path, env, _free_port())
    process.start()
    try:
        yield Server(f"http://127.0.0.1:{process.port}", token, process)
    finally:
        process.stop()


def _signed_in(chromium: Any, server: Server, email: str, locale: str) -> Any:
    context = chromium.new_context(viewport={"width": 1366, "height": 800}, locale=locale)
    page = context.new_page()
    page.goto(f"{server.url}/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(f"{server.url}/")
    return page


def _live(page: Any) -> None:
    page.wait_for_selector("html[data-live='connected']", timeout=10_000)


def _shoot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in ((1366, 800), (360, 740)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=width < 400)
    page.set_viewport_size({"width": 1366, "height": 800})


def test_two_agents_see_each_other_and_the_api_live(chromium, server):
    from playwright.sync_api import expect

    giulia = _signed_in(chromium, server, "giulia@negozio.it", "it-IT")
    marco = _signed_in(chromium, server, "marco@negozio.it", "en-US")
    try:
        # An inbound message posted through the API appears in an open inbox, unread.
        _live(giulia)
        server.inbound(
            "Buongiorno, il mio ordine 4521 non è ancora arrivato.",
            email="mario@example.it",
            name="Mario Rossi",
            subject="Ordine 4521 in ritardo",
        )
        row = giulia.locator(".conv-row", has_text="Ordine 4521 in ritardo")
        expect(row).to_be_visible(timeout=5_000)
        expect(row).to_have_class("conv-row is-unread")
        expect(giulia.locator("#nav-views .count").first).not_to_have_text("0")
        _shoot(giulia, "inbox-it")

        # Both open it: each sees the other viewing; Marco's typing shows on Giulia's page.
        row.locator("a").click()
        giulia.wait_for_url("**/c/*/")
        _live(giulia)
        marco.goto(giulia.url)
        _live(marco)
        expect(giulia.locator("#presence")).to_have_text(
            "Anche Marco Verdi sta guardando questa conversazione", timeout=5_000
        )
        expect(marco.locator("#presence")).to_have_text(
            "Giulia Bianchi is also viewing this conversation", timeout=5_000
        )
        marco.locator("#reply_text").press_sequentially("Hello Mario, ")
        expect(giulia.locator("#presence")).to_have_text(
            "Marco Verdi sta scrivendo…", timeout=5_000
        )
        _shoot(giulia, "conversation-presence-it")

        # Giulia's reply appears on Marco's page without a reload.
        giulia.locator("#reply_text").fill("Gentile Mario, lo verifichiamo subito.")
        giulia.get_by_role("button", name="Invia risposta").click()
        expect(marco.locator("#thread")).to_contain_text(
            "Gentile Mario, lo verifichiamo subito.", timeout=5_000
        )
        _shoot(marco, "conversation-live-en")

        # A reply composed against an older state: Marco's box still carries what he saw
        # before Giulia's reply (as when his socket had not told him yet); the server warns.
        seen_before = marco.evaluate(
            "() => { const s = document.getElementById('reply-seen');"
            " const old = String(Number(s.value) - 1); s.value = old; return old; }"
        )
        assert seen_before
        marco.get_by_role("button", name="Send reply").click()
        notice = marco.locator("#stale-notice")
        expect(notice).to_contain_text("Giulia Bianchi replied", timeout=5_000)
        expect(notice).to_contain_text("lo verifichiamo subito")
        expect(marco.get_by_role("button", name="Send anyway")).to_be_visible()
        _shoot(marco, "conversation-stale-en")

        # The customer writes again: Marco's open page shows it, and its delivery/status live.
        server.inbound("Grazie, attendo notizie.", email="mario@example.it", name="Mario Rossi")
        expect(marco.locator("#thread")).to_contain_text("Grazie, attendo notizie.", timeout=5_000)

        # English inbox, and the Italian conversation with the stale notice, for review.
        marco.goto(f"{server.url}/")
        _live(marco)
        _shoot(marco, "inbox-en")
    finally:
        giulia.context.close()
        marco.context.close()


def test_reconnected_page_catches_up(chromium, server):
    """The server goes away (a restart); a message is stored meanwhile; when the page's
    socket is back it asks for what it missed, and the row shows without a reload."""
    from playwright.sync_api import expect

    giulia = _signed_in(chromium, server, "giulia@negozio.it", "it-IT")
    try:
        _live(giulia)
        server.process.stop()
        expect(giulia.locator("html")).to_have_attribute("data-live", "offline", timeout=10_000)
        expect(giulia.locator("#live-status")).to_have_text(
            "Aggiornamenti in pausa: riconnessione…"
        )
        server.process.ingest("Disponibilità giacca", "Avete la giacca blu in taglia M?")
        server.process.start()
        expect(giulia.locator(".conv-row", has_text="Disponibilità giacca")).to_be_visible(
            timeout=20_000
        )
        expect(giulia.locator("html")).to_have_attribute("data-live", "connected")
    finally:
        giulia.context.close()
