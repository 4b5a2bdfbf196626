"""A small closed-loop HTTP load generator for the benchmarks, on loopback only.

Why not ``wrk`` or ``locust``: the scenarios need per-request bodies (unique inbound ids),
cookies and bearer tokens, the figures must be the same JSON as the other benchmarks, and
nothing beyond the standard library should be needed to run ``make bench`` anywhere.

Each of ``concurrency`` threads holds one keep-alive ``http.client`` connection and sends
its next request as soon as the previous answer is read (a closed loop: the figure is what
the server sustains, not what an open-loop arrival rate would queue up). Latency is timed
from the request being written to the last byte of the answer. Threads share the GIL with
nothing heavy: building a request and reading an answer cost tens of microseconds, small
next to what the server spends, but the generator does share the machine's cores with the
server, which the figures include.
"""

from __future__ import annotations

import http.client
import itertools
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
    """A keep-alive connection that reconnects once when the server closed it meanwhile."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        if host not in LOOPBACK:
            raise ValueError(f"the load generator only targets loopback, not {host!r}")
        self.host, self.port, self.timeout = host, port, timeout
        self.conn: http.client.HTTPConnection | None = None

    def send(self, request: Request) -> Response:
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                headers = dict(request.headers)
                if request.body is not None:
                    headers.setdefault("Content-Type", "application/json")
                self.conn.request(request.method, request.path, request.body, headers)
                answer = self.conn.getresponse()
                body = answer.read()
                if answer.will_close:
                    self.close()
                return Response(answer.status, answer.getheaders(), body)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


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
