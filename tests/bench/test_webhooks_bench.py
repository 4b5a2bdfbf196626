"""The webhook benchmark's scenarios run end to end against a live server, on tiny data:
every signed post is answered 200 and gets a query count. No figure, no time asserted:
the figures come from ``python bench/webhooks.py``."""

from __future__ import annotations

import pytest

from bench import web, webhooks
from bench.seeding import seed
from sportello.conversations.models import Message
from sportello.core.models import Workspace

REQUESTS = 4


@pytest.mark.django_db(transaction=True)
def test_every_webhook_scenario_runs_against_a_live_server(live_server):
    seed(customers=10, conversations=20, messages=60, random_seed=4)
    workspace = Workspace.objects.order_by("pk").first()
    assert workspace is not None
    channel_id, path = webhooks.whatsapp_channel(workspace.pk)
    port = int(live_server.url.rsplit(":", 1)[1])
    scenarios = webhooks.webhook_scenarios(
        path, sustained=REQUESTS, requests=REQUESTS, token=webhooks.api_token(workspace.pk)
    )

    lines = web.run_scenarios(
        scenarios, port, requests=REQUESTS, concurrency=1, backend="test", emit=lambda line: None
    )

    assert [line["scenario"] for line in lines] == [
        "api_inbound",
        "whatsapp_text",
        "whatsapp_replay",
        "whatsapp_media",
        "whatsapp_status",
    ]
    for line in lines:
        assert line["errors"] == 0, line
        assert line["queries_per_request"] > 0, line
    # Text and media posts (and their warm-ups and counted requests) each stored once;
    # the replays stored nothing.
    texts = Message.objects.filter(channel_id=channel_id, external_id__contains="-text-")
    assert texts.count() == len({m.external_id for m in texts}) >= REQUESTS


@pytest.mark.django_db(transaction=True)
def test_the_telegram_scenarios_run_against_a_live_server(live_server):
    seed(customers=10, conversations=20, messages=60, random_seed=4)
    workspace = Workspace.objects.order_by("pk").first()
    assert workspace is not None
    channel_id, path = webhooks.telegram_channel(workspace.pk)
    port = int(live_server.url.rsplit(":", 1)[1])
    scenarios = webhooks.telegram_scenarios(path, sustained=REQUESTS, requests=REQUESTS)

    lines = web.run_scenarios(
        scenarios, port, requests=REQUESTS, concurrency=1, backend="test", emit=lambda line: None
    )

    assert [line["scenario"] for line in lines] == [
        "telegram_text",
        "telegram_replay",
        "telegram_photo",
    ]
    for line in lines:
        assert line["errors"] == 0, line
        assert line["queries_per_request"] > 0, line
    stored = Message.objects.filter(channel_id=channel_id).exclude(external_id="")
    assert stored.count() == len({m.external_id for m in stored}) >= REQUESTS
