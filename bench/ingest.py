"""Throughput of the ingest pipeline, one transaction per message, as the API runs it.

    python bench/ingest.py                      # 5,000 messages, fresh SQLite in a temp dir
    python bench/ingest.py --messages 20000 --database-url \\
        postgres://postgres@127.0.0.1:5432/sportello_bench_ingest --recreate
    python bench/ingest.py --api                # through /api/v1/inbound: parse, auth, pipeline
    python bench/ingest.py --profile ingest.prof   # cProfile; the top functions go to stderr
    python bench/ingest.py --show-queries       # the SQL of one message of each kind

The mix (see ``bench/workload.py``): ~30% new customers, ~65% customers writing again, ~5%
replays of an earlier external id. Language model and stemmers are loaded before the clock
starts: the figure is the steady state of a running server.

Prints one JSON line: ``{messages, seconds, per_second, p50_ms, p95_ms, p99_ms, duplicates,
backend, mode}``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sportello.core.models import Workspace


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=5_000)
    parser.add_argument("--database-url", default="", help="default: SQLite in a temp folder")
    parser.add_argument(
        "--recreate", action="store_true", help="drop and create the PostgreSQL database first"
    )
    parser.add_argument("--api", action="store_true", help="post through /api/v1/inbound")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", default="", help="write cProfile stats to this file")
    parser.add_argument("--show-queries", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench import environment

    if args.database_url and args.recreate:
        environment.create_postgres_database(args.database_url, recreate=True)
    home = environment.configure(home=None, database_url=args.database_url or None)
    try:
        environment.migrate()
        figures = run(
            args.messages,
            api=args.api,
            seed=args.seed,
            profile=args.profile,
            show_queries=args.show_queries,
        )
        figures["backend"] = environment.backend()
        print(json.dumps(figures))
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            shutil.rmtree(home, ignore_errors=True)
    return 0


def run(
    count: int, *, api: bool, seed: int, profile: str = "", show_queries: bool = False
) -> dict[str, Any]:
    """Deliver ``count`` messages and time each; returns the figures."""
    from bench.workload import deliveries
    from sportello.accounts.bootstrap import ensure_default_workspace
    from sportello.conversations.search import index_text
    from sportello.language.detection import detect_language

    workspace = ensure_default_workspace()
    channels = _channels(workspace)
    run_token = int(time.time()) % 100_000
    work = deliveries(count, seed=seed, run=run_token)
    send = _api_sender(workspace) if api else _pipeline_sender(workspace.pk, channels)
    # Load the language model and the stemmers now, not in the first timed message.
    detect_language("Buongiorno, il mio ordine non è ancora arrivato")
    index_text("", "warm up the stemmers", "")

    if show_queries:
        work = work[_show_queries(work, send) :]

    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    latencies: list[float] = []
    duplicates = 0
    began = time.perf_counter()
    for delivery in work:
        start = time.perf_counter()
        duplicate = send(delivery)
        latencies.append(time.perf_counter() - start)
        duplicates += duplicate
    seconds = time.perf_counter() - began
    if profiler is not None:
        profiler.disable()
        _report_profile(profiler, profile)

    expected = sum(d.kind == "replay" for d in work)
    if duplicates != expected:
        raise SystemExit(f"expected {expected} duplicates, the pipeline saw {duplicates}")
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else latencies * 99
    return {
        "messages": len(work),
        "seconds": round(seconds, 3),
        "per_second": round(len(work) / seconds, 1),
        "p50_ms": round(cuts[49] * 1000, 3),
        "p95_ms": round(cuts[94] * 1000, 3),
        "p99_ms": round(cuts[98] * 1000, 3),
        "duplicates": duplicates,
        "mode": "api" if api else "pipeline",
    }


def _channels(workspace: Workspace) -> dict[str, int]:
    from bench.workload import CHANNELS
    from sportello.channels.actions import ensure_channel

    return {
        kind: ensure_channel(workspace.pk, kind=kind, name=kind.title(), slug=kind).pk
        for kind in CHANNELS
    }


Send = Callable[[Any], bool]


def _pipeline_sender(workspace_id: int, channels: dict[str, int]) -> Send:
    """Call ``ingest`` with the InboundMessage the API adapter would make (parsing and
    sanitising are the adapter's, outside the pipeline)."""
    from bench.workload import Delivery
    from sportello.channels import registry
    from sportello.channels.models import Channel
    from sportello.ingest.inbound import InboundMessage, Sender
    from sportello.ingest.pipeline import ingest

    # The API handler holds the channel it resolved from the payload and passes it on.
    channel_objects = {c.pk: c for c in Channel.objects.filter(pk__in=channels.values())}

    def send(delivery: Delivery) -> bool:
        sender = delivery.sender
        handle = sender.get("handle")
        inbound = InboundMessage(
            workspace_id=workspace_id,
            channel_id=channels[delivery.channel],
            sender=Sender(
                name=sender.get("name", ""),
                email=sender.get("email", ""),
                phone=sender.get("phone", ""),
                handles={registry.provider(delivery.channel).identity_kind: handle}
                if handle
                else {},
            ),
            text=delivery.text,
            subject=delivery.subject,
            external_id=delivery.external_id,
        )
        channel = channel_objects[inbound.channel_id]
        return ingest(inbound, source="api", channel=channel).duplicate

    return send


def _api_sender(workspace: Workspace) -> Send:
    """Post JSON with a bearer token through Django's test client: URL routing, middleware,
    token check, schema validation, the adapter and the pipeline."""
    from django.test import Client

    from bench.workload import Delivery
    from sportello.accounts.actions import create_agent, issue_token

    agent = create_agent(workspace, email="bench@bench.example.it", password=None)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(agent, 'bench')}"}
    client = Client()

    def send(delivery: Delivery) -> bool:
        response = client.post(
            "/api/v1/inbound",
            json.dumps(delivery.body()),
            content_type="application/json",
            **headers,
        )
        if response.status_code not in (200, 201):
            raise SystemExit(f"HTTP {response.status_code}: {response.content[:300]!r}")
        return response.status_code == 200

    return send


def _show_queries(work: list[Any], send: Send) -> int:
    """Deliver messages in order, with their queries captured, until one of each kind has
    been shown on stderr; returns how many were delivered (they are not timed)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    shown: set[str] = set()
    for done, delivery in enumerate(work, start=1):
        with CaptureQueriesContext(connection) as queries:
            send(delivery)
        if delivery.kind not in shown:
            shown.add(delivery.kind)
            _print_queries(delivery.kind, queries.captured_queries)
        if len(shown) == 3:
            return done
    return len(work)


def _print_queries(kind: str, queries: list[dict[str, str]]) -> None:
    print(f"--- {kind}: {len(queries)} queries", file=sys.stderr)
    for query in queries:
        print(f"  {query['sql'][:160]}", file=sys.stderr)


def _report_profile(profiler: Any, path: str) -> None:
    import pstats

    profiler.dump_stats(path)
    stats = pstats.Stats(profiler, stream=sys.stderr)
    stats.sort_stats("cumulative").print_stats(40)


if __name__ == "__main__":
    sys.exit(main())
