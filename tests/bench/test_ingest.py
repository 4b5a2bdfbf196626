"""The ingest benchmark's workload is the mix it claims, and both modes run it."""

from __future__ import annotations

from collections import Counter

import pytest

from bench.ingest import run
from bench.workload import deliveries
from sportello.conversations.models import Conversation
from sportello.customers.models import Customer


def test_workload_mix():
    work = deliveries(2000, seed=1, run=1)
    kinds = Counter(d.kind for d in work)
    assert 0.25 < kinds["new_customer"] / 2000 < 0.35
    assert 0.03 < kinds["replay"] / 2000 < 0.07
    first_ids = {d.external_id for d in work if d.kind != "replay"}
    assert len(first_ids) == 2000 - kinds["replay"]
    assert all(d.external_id in first_ids for d in work if d.kind == "replay")
    assert {d.channel for d in work} >= {"email", "whatsapp", "webchat", "telegram", "phone"}


@pytest.mark.django_db
@pytest.mark.parametrize("api", [False, True])
def test_run_reports_figures_and_threads_returning_customers(workspace, api):
    figures = run(120, api=api, seed=2)
    assert figures["messages"] == 120 and figures["mode"] == ("api" if api else "pipeline")
    assert figures["per_second"] > 0 and figures["p95_ms"] >= figures["p50_ms"] > 0
    work = deliveries(120, seed=2)
    new = sum(d.kind == "new_customer" for d in work)
    assert Customer.objects.count() == new
    # Returning customers thread into their open conversation, except on another channel.
    assert new <= Conversation.objects.count() < 120 - figures["duplicates"]
