"""The web benchmark's scenarios run end to end against a live server, on tiny data.

A smoke test of ``bench/web.py`` and ``bench/loadgen.py``: every scenario's requests are
answered with the status it expects, and each gets a query count. It prints no figure and
asserts no time: the figures come from ``python bench/web.py``.
"""

from __future__ import annotations

import pytest

from bench import loadgen, web
from bench.seeding import seed

# Django's live server answers in two writes, so each request waits out a delayed ACK
# (~40 ms): a few requests per scenario keep the whole test near ten seconds.
REQUESTS = 5


@pytest.mark.django_db(transaction=True)
def test_every_scenario_runs_against_a_live_server(live_server):
    # One connection at a time: on SQLite the live server shares the in-memory database.
    seed(customers=12, conversations=40, messages=160, random_seed=4)
    dataset = web.prepare(
        long_conversations=2,
        long_messages=8,
        big_customers=1,
        big_customer_conversations=4,
        reply_targets=5,
    )
    port = int(live_server.url.rsplit(":", 1)[1])
    auth = web.login(port, dataset.agent_email, dataset.password)
    scenarios = web.sportello_scenarios(port, auth, dataset, deep_rows=5, requests=REQUESTS)

    lines = web.run_scenarios(
        scenarios, port, requests=REQUESTS, concurrency=1, backend="test", emit=lambda line: None
    )

    names = {line["scenario"] for line in lines}
    assert {"api_inbox_open", "html_inbox_all_deep", "html_conversation_50"} <= names
    assert {"html_customer_30", "api_search_rimborso", "api_inbound", "api_reply"} <= names
    for line in lines:
        assert line["errors"] == 0, line
        assert line["requests"] == REQUESTS, line
        assert line["queries_per_request"] > 0, line
    assert len(dataset.long_conversations) == 2 and min(dataset.thread_lengths) >= 8


def test_the_load_generator_only_targets_loopback():
    with pytest.raises(ValueError):
        loadgen.Connection("192.0.2.1", 80, timeout=1)


def test_the_load_generator_reads_answers_by_length_chunked_and_to_the_close():
    """A raw server answering three ways on one connection, the last closing it; the client
    reconnects for the request after."""
    import socket
    import threading

    answers = [
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nSet-Cookie: a=1\r\n\r\nhello",
        b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"4\r\nciao\r\n6;x=y\r\n mondo\r\n0\r\n\r\n",
        b"HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\nfine",
        b"HTTP/1.1 204 No Content\r\n\r\n",
    ]
    seen: list[bytes] = []
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        pending = list(answers)
        while pending:
            conn, _ = listener.accept()
            with conn:
                while pending:
                    data = conn.recv(65536)
                    if not data:
                        break
                    seen.append(data)
                    answer = pending.pop(0)
                    conn.sendall(answer)
                    if b"Connection: close" in answer:
                        break

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    connection = loadgen.Connection("127.0.0.1", port, timeout=5)
    first = connection.send(loadgen.Request("GET", "/a", headers={"Cookie": "s=1"}))
    assert (first.status, first.body, first.cookies()) == (200, b"hello", {"a": "1"})
    second = connection.send(loadgen.Request("POST", "/b", b'{"x": 1}'))
    assert (second.status, second.body) == (201, b"ciao mondo")
    third = connection.send(loadgen.Request("GET", "/c"))
    assert (third.status, third.body) == (404, b"fine")
    fourth = connection.send(loadgen.Request("GET", "/d"))
    assert (fourth.status, fourth.body) == (204, b"")
    connection.close()
    thread.join(5)
    listener.close()
    assert seen[0].startswith(b"GET /a HTTP/1.1\r\nHost: 127.0.0.1:") and b"Cookie: s=1" in seen[0]
    assert seen[1].endswith(b'Content-Length: 8\r\n\r\n{"x": 1}')
    assert b"Content-Type: application/json" in seen[1]


def test_cpu_figures_give_each_requests_share_and_the_split_between_workers():
    import os

    tick = os.sysconf("SC_CLK_TCK")
    before = {1: 10, 2: 100, 3: 50}
    after = {1: 10, 2: 100 + 3 * tick, 3: 50 + tick, 4: 0}  # 4: a worker that did nothing
    figures = web.cpu_figures(before, after, requests=400, loadgen_seconds=0.2)
    assert figures == {
        "server_cpu_ms": 10.0,
        "loadgen_cpu_ms": 0.5,
        "server_cpu_split": [0.75, 0.25],
    }
