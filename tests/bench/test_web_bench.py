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
