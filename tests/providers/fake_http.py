"""A fake provider API for the tests: a real HTTP server on 127.0.0.1, in a thread.

Every request is recorded (method, path, query, headers, body) for the test to read
back; each route answers through a function of the request, and answers queued with
``then`` come first, one per request (a 429, then a 500, then the route's own answer), so
a test can drive a provider's retries. Any provider whose base URL is a config value
(WhatsApp's ``graph_url``, Telegram's ``api_url``...) can be pointed at it.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


@dataclass(frozen=True)
class Reply:
    status: int = 200
    json: Any = None
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"

    def payload(self) -> bytes:
        return json.dumps(self.json).encode() if self.json is not None else self.body


Route = Callable[[Recorded], Reply]


class FakeProvider:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._routes: dict[tuple[str, str], Route] = {}
        self._queued: dict[tuple[str, str], deque[Reply]] = defaultdict(deque)
        self._lock = threading.Lock()
        self.url = ""

    def route(self, method: str, path: str, answer: Route | Reply) -> None:
        """How ``method path`` answers (a function of the request, or always the same)."""
        self._routes[(method, path)] = answer if callable(answer) else (lambda _: answer)

    def then(self, method: str, path: str, *replies: Reply) -> None:
        """Answers given before the route's own, one per request, in order."""
        with self._lock:
            self._queued[(method, path)].extend(replies)

    def sent(self, method: str | None = None, path: str | None = None) -> list[Recorded]:
        with self._lock:
            return [
                r
                for r in self.requests
                if (method is None or r.method == method) and (path is None or r.path == path)
            ]

    def _answer(self, request: Recorded) -> Reply:
        key = (request.method, request.path)
        with self._lock:
            self.requests.append(request)
            queued = self._queued.get(key)
            if queued:
                return queued.popleft()
        route = self._routes.get(key)
        if route is None:
            return Reply(404, {"error": {"message": f"no route {request.method} {request.path}"}})
        return route(request)


def _handler(fake: FakeProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            request = Recorded(
                method=self.command,
                path=parts.path,
                query=parse_qs(parts.query),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
            )
            reply = fake._answer(request)
            payload = reply.payload()
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(payload)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def fake_provider() -> Iterator[FakeProvider]:
    fake = FakeProvider()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
