"""The Asterisk connector against a fake ARI: a real websocket server on 127.0.0.1 that
checks the path and the credentials, then sends a caller's channel ringing and hung up
unanswered. The connector, started as ``sportello run`` starts it, makes the callback."""

from __future__ import annotations

import base64
import contextlib
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from websockets.sync.server import ServerConnection, serve

from sportello.providers.phone.ari_service import AriConnectors, events_url, start
from sportello.providers.phone.config import read_config
from sportello.providers.phone.models import Callback
from tests.providers.phone.helpers import make_phone_channel

USER, PASSWORD = "sportello", "password-ari-di-prova"


def ari_event(kind: str, state: str, **more: Any) -> str:
    channel = {
        "id": "1765000000.42",
        "name": "PJSIP/trunk-00000042",
        "state": state,
        "caller": {"name": "Mario Rossi", "number": "3471234567"},
        "connected": {"name": "", "number": ""},
        "dialplan": {"context": "from-trunk", "exten": "0212345678", "priority": 1},
        "creationtime": "2026-12-06T09:15:00.000+0100",
    }
    return json.dumps(
        {
            "type": kind,
            "application": "sportello",
            "timestamp": "2026-12-06T09:15:00.000+0100",
            "channel": channel,
            **more,
        }
    )


@contextmanager
def fake_ari(frames: list[str]) -> Iterator[dict[str, Any]]:
    seen: dict[str, Any] = {"requests": []}

    def handler(connection: ServerConnection) -> None:
        request = connection.request
        assert request is not None
        seen["requests"].append((request.path, request.headers.get("Authorization")))
        for frame in frames:
            connection.send(frame)
        # Hold the socket open until the client leaves (or ten seconds).
        with contextlib.suppress(Exception):
            connection.recv(timeout=10)

    with serve(handler, "127.0.0.1", 0) as server:
        seen["port"] = server.socket.getsockname()[1]
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield seen
        finally:
            server.shutdown()


def test_the_events_url_is_ari_s_websocket():
    config = read_config(
        {
            "secret": "x" * 20,
            "ari_url": "https://pbx.example.it:8089/",
            "ari_user": "u",
            "ari_password": "p",
            "ari_app": "sportello care",
        }
    )
    assert events_url(config) == "wss://pbx.example.it:8089/ari/events?app=sportello%20care"


def test_no_connector_without_an_ari_url_or_outside_the_worker(db, workspace):
    make_phone_channel(workspace.pk)
    assert start(worker=False) is None
    connectors = AriConnectors()
    connectors.refresh()
    assert connectors.connectors == {}


@pytest.mark.django_db(transaction=True)
def test_a_call_hung_up_unanswered_on_asterisk_becomes_a_callback(workspace):
    frames = [
        ari_event("StasisStart", "Ring", args=[]),
        ari_event("ChannelStateChange", "Ringing"),
        ari_event("PlaybackStarted", "Ringing"),
        ari_event("ChannelHangupRequest", "Ringing", cause=16),
        ari_event("ChannelDestroyed", "Down", cause=16),
    ]
    with fake_ari(frames) as seen:
        make_phone_channel(
            workspace.pk,
            ari_url=f"http://127.0.0.1:{seen['port']}",
            ari_user=USER,
            ari_password=PASSWORD,
        )
        assert start(worker=False) is None
        connectors = start(worker=True)
        assert connectors is not None
        try:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not Callback.objects.exists():
                time.sleep(0.05)
            (connector,) = connectors.connectors.values()
            tally = connector.tally
        finally:
            connectors.stop()
    path, authorization = seen["requests"][0]
    assert path == "/ari/events?app=sportello"
    assert authorization == "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    callback = Callback.objects.get()
    assert callback.phone == "+393471234567" and callback.missed_calls == 1
    assert tally["callback"] == 1 and tally["dropped"] == 1
