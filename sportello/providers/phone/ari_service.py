"""The Asterisk connector: ARI's event websocket read by ``sportello run``.

For each active phone channel with an ``ari_url``, a thread holds a websocket to
``<ari_url>/ari/events?app=<ari_app>`` (HTTP basic credentials ``ari_user``:
``ari_password``), reads each event, turns it into call events (``ari.py``) and takes them
as the webhook does (``actions.record_call_event``: each (call, event) once). A dropped
connection is opened again after a growing pause (1 s to 60 s). Events that are not a
change of a call (playbacks, DTMF) are counted and dropped: Asterisk sends many, and none
is evidence of anything lost; a frame that is not JSON is recorded in RejectedInbound.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
from collections import Counter
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from django.db import close_old_connections
from websockets.exceptions import WebSocketException
from websockets.sync.client import ClientConnection, connect

from sportello.channels.models import Channel
from sportello.core.errors import SportelloError
from sportello.providers.common.webhooks import ignore
from sportello.providers.phone.actions import record_call_event
from sportello.providers.phone.ari import parse_ari_event
from sportello.providers.phone.config import SOURCE, PhoneConfig, read_config
from sportello.providers.phone.parse import NotACallEvent

log = logging.getLogger(__name__)
MAX_PAUSE = 60.0
REFRESH_SECONDS = 60.0


def events_url(config: PhoneConfig) -> str:
    """``http://pbx:8088`` → ``ws://pbx:8088/ari/events?app=sportello``."""
    parts = urlsplit(config.ari_url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    path = parts.path.rstrip("/") + "/ari/events"
    return urlunsplit((scheme, parts.netloc, path, f"app={quote(config.ari_app)}", ""))


def take_frame(channel: Channel, frame: str | bytes, tally: Counter[str]) -> None:
    """One websocket message of ARI: its call events taken, or why not."""
    raw = frame.encode() if isinstance(frame, str) else frame
    try:
        body: Any = json.loads(raw)
    except ValueError:
        tally["ignored"] += 1
        ignore(
            source=SOURCE,
            reason="an ARI frame that is not JSON",
            raw=raw,
            workspace_id=channel.workspace_id,
            channel_id=channel.pk,
        )
        return
    try:
        events = parse_ari_event(body)
    except NotACallEvent:
        tally["dropped"] += 1
        return
    for event in events:
        tally[record_call_event(channel, event).outcome] += 1


class AriConnector:
    """One channel's websocket to Asterisk, read in a thread until ``stop()``."""

    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self.config = read_config(channel.config)
        self.tally: Counter[str] = Counter()
        self.connected = threading.Event()
        self._stopping = threading.Event()
        self._socket: ClientConnection | None = None
        self._thread = threading.Thread(target=self._run, name=f"ari-{channel.pk}", daemon=True)

    def start(self) -> AriConnector:
        self._thread.start()
        return self

    def _headers(self) -> dict[str, str]:
        token = f"{self.config.ari_user}:{self.config.ari_password}".encode()
        return {"Authorization": "Basic " + base64.b64encode(token).decode()}

    def _run(self) -> None:
        pause = 1.0
        while not self._stopping.is_set():
            try:
                with connect(
                    events_url(self.config), additional_headers=self._headers(), open_timeout=10
                ) as socket:
                    self._socket = socket
                    self.connected.set()
                    pause = 1.0
                    for frame in socket:
                        try:
                            take_frame(self.channel, frame, self.tally)
                        except Exception:  # one event must not end the connector
                            log.exception("ARI event of channel %s not taken", self.channel.pk)
                        finally:
                            close_old_connections()
            except (OSError, WebSocketException) as exc:
                log.warning("ARI of channel %s: %s", self.channel.pk, exc)
            finally:
                self._socket = None
                self.connected.clear()
            self._stopping.wait(pause)
            pause = min(MAX_PAUSE, pause * 2)

    def stop(self) -> None:
        self._stopping.set()
        socket = self._socket
        if socket is not None:
            socket.close()
        self._thread.join(timeout=5)


class AriConnectors:
    """The connectors of every phone channel with an ``ari_url``: looked up at once and
    every minute after, so a channel added, changed or switched off is followed without
    a restart. Stopped with ``sportello run``."""

    def __init__(self) -> None:
        self.connectors: dict[int, AriConnector] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="ari-channels", daemon=True)

    def start(self) -> AriConnectors:
        self._thread.start()
        return self

    def refresh(self) -> None:
        wanted: dict[int, Channel] = {}
        for channel in Channel.objects.filter(kind="phone", is_active=True):
            try:
                if read_config(channel.config).ari_url:
                    wanted[channel.pk] = channel
            except SportelloError:
                continue
        with self._lock:
            if self._stopping.is_set():
                return
            for pk, connector in list(self.connectors.items()):
                if pk not in wanted or wanted[pk].config != connector.channel.config:
                    connector.stop()
                    del self.connectors[pk]
            for pk, channel in wanted.items():
                if pk not in self.connectors:
                    self.connectors[pk] = AriConnector(channel).start()

    def _watch(self) -> None:
        while not self._stopping.is_set():
            try:
                self.refresh()
            except Exception:  # the database away for a moment: try again in a minute
                log.exception("ARI channels not read")
            finally:
                close_old_connections()
            self._stopping.wait(REFRESH_SECONDS)

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)
        with self._lock:
            for connector in self.connectors.values():
                connector.stop()
            self.connectors.clear()


def start(*, worker: bool) -> AriConnectors | None:
    """``Provider.services``: in a process that runs jobs (one reader per installation:
    two would take each event twice, harmlessly, but for nothing), the connectors of the
    phone channels that have an ``ari_url``."""
    if not worker:
        return None
    return AriConnectors().start()
