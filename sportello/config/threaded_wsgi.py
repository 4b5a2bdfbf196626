"""Django's WSGI handler served to uvicorn on a fixed pool of threads, one hand-over a request.

``a2wsgi`` (docs/adr/0006) passes every piece of a request between the event loop and the
worker thread on its own: the body, the status and headers, each chunk of the answer and its
end, each a coroutine scheduled from the thread with ``run_coroutine_threadsafe`` while the
thread waits for it. On two busy cores each of those ~6 hand-overs is a wake-up of the other
side and a turn of the GIL. Most requests and answers are small and whole, so here:

- the event loop reads the request body up to ``BUFFERED_BODY`` before the thread starts;
  a longer body is read on from the thread as the application asks for it (a2wsgi's
  ``Body``), so Django's size limits still refuse an oversized upload without it being
  held in memory first;
- an answer that is not streaming (``HttpResponse``, a list of chunks) is collected in the
  thread and sent by the event loop when the thread is done; a streaming answer
  (``StreamingHttpResponse``, a file) is sent chunk by chunk from the thread, as a2wsgi does.

The environ is a2wsgi's ``build_environ``. A websocket reaching it is closed (``asgi.py``
routes websockets to Channels beside this application); lifespan events are acknowledged.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from a2wsgi.wsgi import Body, build_environ

BUFFERED_BODY = 256 * 1024

Message = dict[str, Any]
Receive = Callable[[], Any]
Send = Callable[[Message], Any]


class _Body(Body):
    """The request body: what the event loop already read, then the rest on demand."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop, receive: Receive, head: bytes, more: bool
    ) -> None:
        super().__init__(loop, receive)  # type: ignore[arg-type]
        self.buffer.extend(head)
        self._has_more = more


class ThreadedWSGI:
    def __init__(self, app: Callable[..., Iterable[bytes]], workers: int) -> None:
        self.app = app
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="web")

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "websocket":
            await send({"type": "websocket.close", "code": 1000})
        elif kind == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return

    async def _http(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        loop = asyncio.get_running_loop()
        head, more = bytearray(), True
        while more and len(head) < BUFFERED_BODY:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            head.extend(message.get("body", b""))
            more = message.get("more_body", False)
        body = _Body(loop, receive, bytes(head), more)
        environ: dict[str, Any] = dict(build_environ(scope, body))  # type: ignore[arg-type]
        call = _Call(self.app, loop, send)
        run = functools.partial(contextvars.copy_context().run, call.run, environ)
        answer = await loop.run_in_executor(self.executor, run)
        if answer is not None:  # a whole answer: sent from here
            start, content = answer
            await send(start)
            await send({"type": "http.response.body", "body": content})


class _Call:
    """One request in its worker thread."""

    def __init__(
        self, app: Callable[..., Iterable[bytes]], loop: asyncio.AbstractEventLoop, send: Send
    ) -> None:
        self.app = app
        self.loop = loop
        self.send = send
        self.start: Message | None = None
        self.sent_start = False
        self.written: list[bytes] = []

    def start_response(
        self, status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        if exc_info is not None and self.sent_start:
            raise exc_info[1].with_traceback(exc_info[2])
        self.start = {
            "type": "http.response.start",
            "status": int(status.split(" ", 1)[0]),
            "headers": [
                (name.strip().encode("latin1").lower(), value.strip().encode("latin1"))
                for name, value in headers
            ],
        }
        return self.written.append  # WSGI's legacy write(): kept before the body

    def run(self, environ: dict[str, Any]) -> tuple[Message, bytes] | None:
        environ["wsgi.errors"] = sys.stderr
        iterable = self.app(environ, self.start_response)
        try:
            if isinstance(iterable, list | tuple) or getattr(iterable, "streaming", None) is False:
                body = b"".join([*self.written, *iterable])
                assert self.start is not None, "the application did not start its response"
                return self.start, body
            for chunk in iterable:  # streaming: sent as it comes
                self._send_body(chunk)
            self._send_body(b"", more=False)
            return None
        finally:
            close = getattr(iterable, "close", None)
            if close is not None:
                close()

    def _send_body(self, chunk: bytes, *, more: bool = True) -> None:
        if not self.sent_start:
            assert self.start is not None, "the application did not start its response"
            self._to_loop(self.start)
            self.sent_start = True
            for written in self.written:
                self._to_loop({"type": "http.response.body", "body": written, "more_body": True})
        if chunk or not more:
            self._to_loop({"type": "http.response.body", "body": chunk, "more_body": more})

    def _to_loop(self, message: Message) -> None:
        asyncio.run_coroutine_threadsafe(self.send(message), self.loop).result()
