"""A small closed-loop HTTP load generator for the benchmarks, on loopback only.

Why not ``wrk`` or ``locust``: the scenarios need per-request bodies (unique inbound ids),
cookies and bearer tokens, the figures must be the same JSON as the other benchmarks, and
nothing beyond the standard library should be needed to run ``make bench`` anywhere.

Each of ``concurrency`` threads holds one keep-alive connection (a plain socket, opened
again every ``REQUESTS_PER_CONNECTION`` requests) and sends its next request as soon as the
previous answer is read (a closed loop: the figure is what the server sustains, not what an
open-loop arrival rate would queue up). Latency is timed from just before the request is
written (a new connection's handshake included) to the last byte of the answer. Building a
request and reading an answer cost 0.1-0.3 ms of CPU, small next to what the server spends,
but the generator does share the machine's cores with the server, which the figures include.
"""

from __future__ import annotations

import http.client
import itertools
import socket
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode

LOOPBACK = ("127.0.0.1", "localhost", "::1")
# A client connects again after this many requests. A server of several processes keeps a
# connection on the process that accepted it: four connections that stayed open for a
# whole scenario split 2:2 or 3:1 (or 4:0) between two workers at random, and the run's
# figures followed the split (inbound 236-286/s, one HTML page 31 vs 68 ms p95, the same
# code). Many clients arriving and leaving, as a real server sees them, spread out; so do
# these, reconnecting to whichever worker accepts first.
REQUESTS_PER_CONNECTION = 20


@dataclass(frozen=True)
class Request:
    """One HTTP request of a scenario."""

    method: str
    path: str
    body: bytes | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str:
        return next((v for k, v in self.headers if k.lower() == name.lower()), "")

    def cookies(self) -> dict[str, str]:
        jar: SimpleCookie = SimpleCookie()
        for key, value in self.headers:
            if key.lower() == "set-cookie":
                jar.load(value)
        return {name: morsel.value for name, morsel in jar.items()}


@dataclass
class Result:
    """What one run measured; :meth:`figures` gives the JSON fields of a scenario."""

    requests: int
    concurrency: int
    seconds: float
    latencies: list[float]
    statuses: Counter[int]
    errors: int
    first_error: str = ""

    def figures(self) -> dict[str, Any]:
        cuts = _percentiles(self.latencies)
        return {
            "requests": self.requests,
            "concurrency": self.concurrency,
            "p50_ms": round(cuts[0] * 1000, 2),
            "p95_ms": round(cuts[1] * 1000, 2),
            "p99_ms": round(cuts[2] * 1000, 2),
            "rps": round(len(self.latencies) / self.seconds, 1) if self.seconds else 0.0,
            "errors": self.errors,
        }


def _percentiles(values: list[float]) -> tuple[float, float, float]:
    if not values:
        return (0.0, 0.0, 0.0)
    if len(values) == 1:
        return (values[0],) * 3  # type: ignore[return-value]
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return (cuts[49], cuts[94], cuts[98])


def json_body(payload: Any) -> bytes:
    import json

    return json.dumps(payload).encode()


def query(path: str, params: Mapping[str, Any]) -> str:
    """``path`` with the parameters that are not ``None`` as its query string."""
    kept = {k: v for k, v in params.items() if v is not None}
    return f"{path}?{urlencode(kept)}" if kept else path


class Connection:
    """A keep-alive HTTP/1.1 connection that reconnects once when the server closed it
    meanwhile.

    Requests are written and answers read on a plain socket: ``http.client`` parses every
    answer's headers with the ``email`` package, ~0.5 ms of CPU a request here, on the same
    two cores as the server it measures. Answers are read by ``Content-Length`` or chunked,
    as the server sends them."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        if host not in LOOPBACK:
            raise ValueError(f"the load generator only targets loopback, not {host!r}")
        self.host, self.port, self.timeout = host, port, timeout
        self.sock: socket.socket | None = None
        self.buffer = b""

    def send(self, request: Request) -> Response:
        head = [f"{request.method} {request.path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        head.extend(f"{name}: {value}" for name, value in request.headers.items())
        names = {name.lower() for name in request.headers}
        body = request.body or b""
        if request.body is not None:
            if "content-type" not in names:
                head.append("Content-Type: application/json")
            head.append(f"Content-Length: {len(body)}")
        data = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body
        for attempt in (1, 2):
            if self.sock is None:
                self.sock = socket.create_connection((self.host, self.port), self.timeout)
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self.buffer = b""
            try:
                self.sock.sendall(data)
                return self._answer()
            except (ConnectionResetError, BrokenPipeError, _Closed) as exc:
                self.close()
                if attempt == 2:
                    closed = "the server closed the connection"
                    raise http.client.RemoteDisconnected(closed) from exc
        raise AssertionError("unreachable")

    def _read(self) -> bytes:
        assert self.sock is not None
        chunk = self.sock.recv(262144)
        if not chunk:
            raise _Closed
        return chunk

    def _until(self, marker: bytes) -> bytes:
        while (end := self.buffer.find(marker)) < 0:
            self.buffer += self._read()
        found, self.buffer = self.buffer[:end], self.buffer[end + len(marker) :]
        return found

    def _exactly(self, size: int) -> bytes:
        while len(self.buffer) < size:
            self.buffer += self._read()
        found, self.buffer = self.buffer[:size], self.buffer[size:]
        return found

    def _answer(self) -> Response:
        lines = self._until(b"\r\n\r\n").decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = []
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers.append((name.strip(), value.strip()))
        fields = {name.lower(): value for name, value in headers}
        if "content-length" in fields:
            body = self._exactly(int(fields["content-length"]))
        elif fields.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while size := int(self._until(b"\r\n").split(b";")[0], 16):
                parts.append(self._exactly(size))
                self._until(b"\r\n")
            self._until(b"\r\n")  # the empty trailer
            body = b"".join(parts)
        elif status in (204, 304) or 100 <= status < 200:
            body = b""
        else:  # no length: the answer ends with the connection
            try:
                while True:
                    self.buffer += self._read()
            except _Closed:
                body, self.buffer = self.buffer, b""
            self.close()
        if fields.get("connection", "").lower() == "close":
            self.close()
        return Response(status, headers, body)

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None
            self.buffer = b""


class _Closed(Exception):
    """The server closed the connection before the answer was complete."""


def send_once(host: str, port: int, request: Request, timeout: float = 60.0) -> Response:
    """One request on a fresh connection (logins, preparing cursors)."""
    connection = Connection(host, port, timeout)
    try:
        return connection.send(request)
    finally:
        connection.close()


def run(
    host: str,
    port: int,
    make_request: Callable[[int], Request],
    *,
    requests: int,
    concurrency: int,
    expect: Collection[int] = (200,),
    warmup: int = 0,
    max_seconds: float = 300.0,
    timeout: float = 120.0,
) -> Result:
    """Send ``requests`` requests, ``make_request(i)`` for i in 0..requests-1, from
    ``concurrency`` threads; the first ``warmup`` are sent before the clock starts (and
    are numbered after the measured ones, so unique ids stay unique).

    Stops early, with fewer requests, after ``max_seconds``: a benchmark loop is bounded
    in count and in time. An answer whose status is not in ``expect`` counts as an error.
    """
    concurrency = max(1, min(concurrency, requests or 1))
    if warmup:
        _loop(host, port, lambda i: make_request(requests + i), warmup, concurrency, expect,
              max_seconds, timeout)  # fmt: skip
    return _loop(host, port, make_request, requests, concurrency, expect, max_seconds, timeout)


def _loop(
    host: str,
    port: int,
    make_request: Callable[[int], Request],
    requests: int,
    concurrency: int,
    expect: Collection[int],
    max_seconds: float,
    timeout: float,
) -> Result:
    counter = itertools.count()
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    errors: list[str] = []
    deadline = time.monotonic() + max_seconds

    def worker() -> None:
        connection = Connection(host, port, timeout)
        mine: list[float] = []
        try:
            while time.monotonic() < deadline:
                index = next(counter)
                if index >= requests:
                    break
                request = make_request(index)
                began = time.perf_counter()
                try:
                    answer = connection.send(request)
                except OSError as exc:
                    with lock:
                        statuses[0] += 1
                        errors.append(f"{request.method} {request.path}: {exc!r}")
                    continue
                mine.append(time.perf_counter() - began)
                if len(mine) % REQUESTS_PER_CONNECTION == 0:
                    connection.close()  # the next request connects again
                with lock:
                    statuses[answer.status] += 1
                    if answer.status not in expect:
                        errors.append(
                            f"{request.method} {request.path}: HTTP {answer.status} "
                            f"{answer.body[:200]!r}"
                        )
        finally:
            connection.close()
            with lock:
                latencies.extend(mine)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    return Result(
        requests=sum(statuses.values()),
        concurrency=concurrency,
        seconds=seconds,
        latencies=latencies,
        statuses=statuses,
        errors=len(errors),
        first_error=errors[0] if errors else "",
    )
