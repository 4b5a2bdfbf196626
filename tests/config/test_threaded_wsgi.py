"""The bridge between uvicorn's event loop and Django's WSGI handler on worker threads."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from sportello.config import threaded_wsgi
from sportello.config.threaded_wsgi import ThreadedWSGI


def _scope(method: str = "GET", path: str = "/", headers: list[tuple[bytes, bytes]] = ()):  # type: ignore[assignment]
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": list(headers),
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


def _run(coroutine: Any) -> None:
    """Run ``coroutine`` on an event loop of its own thread: a test before this one in the
    same process (the browser tests' Playwright) may have left a loop running in this one."""
    failed: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(coroutine)
        except BaseException as exc:  # re-raised in the test's thread
            failed.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if failed:
        raise failed[0]


def _call(app: Any, scope: dict, chunks: list[bytes]) -> tuple[list[dict], int]:
    """Run one request through ``app``; the messages it sent, and how many body messages it
    asked for."""
    sent: list[dict] = []
    pending = [
        {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
        for i, c in enumerate(chunks or [b""])
    ]
    asked = 0

    async def receive() -> dict:
        nonlocal asked
        asked += 1
        return pending.pop(0) if pending else {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    _run(app(scope, receive, send))
    return sent, asked


def _body(sent: list[dict]) -> bytes:
    return b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


def test_a_whole_answer_is_sent_by_the_loop_after_the_thread_is_done():
    threads: list[str] = []
    closed: list[bool] = []

    class Answer(list):
        def close(self) -> None:
            closed.append(True)

    def app(environ: dict, start_response: Any) -> list[bytes]:
        threads.append(threading.current_thread().name)
        start_response("201 Created", [("Content-Type", "text/plain"), ("X-Thing", "1")])
        return Answer([b"hello ", environ["PATH_INFO"].encode()])

    sent, _ = _call(ThreadedWSGI(app, workers=2), _scope(path="/ciao"), [])
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    assert sent[0]["status"] == 201
    assert (b"x-thing", b"1") in sent[0]["headers"]
    assert sent[1] == {"type": "http.response.body", "body": b"hello /ciao"}
    assert threads[0].startswith("web") and closed == [True]


def test_a_body_longer_than_the_buffer_is_read_on_from_the_thread():
    size = threaded_wsgi.BUFFERED_BODY * 3 + 17
    payload = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    chunks = [payload[i : i + 65536] for i in range(0, len(payload), 65536)]

    def app(environ: dict, start_response: Any) -> list[bytes]:
        data = environ["wsgi.input"].read()
        start_response("200 OK", [])
        return [str(len(data)).encode(), b" ", str(data == payload).encode()]

    sent, asked = _call(ThreadedWSGI(app, workers=1), _scope("POST"), chunks)
    assert _body(sent) == f"{size} True".encode()
    assert asked == len(chunks)


def test_an_application_that_reads_nothing_leaves_a_long_body_unread():
    # Django refuses an oversized body from its Content-Length without reading it: the loop
    # must not have buffered more than its share of it.
    chunks = [b"z" * 65536] * 64  # 4 MiB

    def app(environ: dict, start_response: Any) -> list[bytes]:
        start_response("413 Payload Too Large", [])
        return [b"too big"]

    sent, asked = _call(ThreadedWSGI(app, workers=1), _scope("POST"), chunks)
    assert sent[0]["status"] == 413
    assert asked * 65536 <= threaded_wsgi.BUFFERED_BODY + 65536


def test_a_streaming_answer_is_sent_chunk_by_chunk_from_the_thread():
    def app(environ: dict, start_response: Any) -> Iterator[bytes]:
        write = start_response("200 OK", [("Content-Type", "text/plain")])
        write(b"written ")
        yield b"one "
        yield b""
        yield b"two"

    sent, _ = _call(ThreadedWSGI(app, workers=1), _scope(), [])
    assert sent[0]["type"] == "http.response.start"
    bodies = [m for m in sent if m["type"] == "http.response.body"]
    assert [m["body"] for m in bodies] == [b"written ", b"one ", b"two", b""]
    assert [m["more_body"] for m in bodies] == [True, True, True, False]


def test_an_error_after_the_start_is_raised_again_with_its_traceback():
    def app(environ: dict, start_response: Any) -> Iterator[bytes]:
        start_response("200 OK", [])
        yield b"part"
        try:
            raise ValueError("broken")
        except ValueError:
            import sys

            start_response("500 Internal Server Error", [], sys.exc_info())

    with pytest.raises(ValueError, match="broken"):
        _call(ThreadedWSGI(app, workers=1), _scope(), [])


def test_lifespan_and_websockets():
    app = ThreadedWSGI(lambda e, s: [], workers=1)
    events = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent: list[dict] = []

    async def receive() -> dict:
        return events.pop(0)

    async def send(message: dict) -> None:
        sent.append(message)

    _run(app({"type": "lifespan"}, receive, send))
    _run(app({"type": "websocket"}, receive, send))
    assert [m["type"] for m in sent] == [
        "lifespan.startup.complete",
        "lifespan.shutdown.complete",
        "websocket.close",
    ]


@pytest.mark.django_db(transaction=True)
def test_django_through_the_bridge(settings):
    """Django's own handler: a JSON answer, a static file (streamed by WhiteNoise), and an
    oversized POST refused with the API's clear error."""
    from pathlib import Path

    from sportello.config.asgi import application

    sent, _ = _call(application, _scope(path="/healthz"), [])
    assert sent[0]["status"] == 200
    assert "database" in json.loads(_body(sent))

    css = Path(threaded_wsgi.__file__).parents[1] / "web" / "static" / "web" / "sportello.css"
    sent, _ = _call(application, _scope(path="/static/web/sportello.css"), [])
    assert sent[0]["status"] == 200
    assert _body(sent) == css.read_bytes()

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    big = b'{"text": "' + b"a" * 4096 + b'"}'
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(big)).encode())]
    sent, _ = _call(application, _scope("POST", "/api/v1/inbound", headers), [big])
    assert sent[0]["status"] in (401, 403, 413), _body(sent)
    assert "detail" in json.loads(_body(sent))
