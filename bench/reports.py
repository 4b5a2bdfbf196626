"""The Reports page's queries on a seeded workspace: how long a 90-day report takes.

    python bench/reports.py                                  # 20k conversations, SQLite
    python bench/reports.py --conversations 200000 --messages 1000000 --home /tmp/rep-200k
    python bench/reports.py --home /tmp/rep-200k --reuse     # the database of an earlier run
    python bench/reports.py --database-url postgres://postgres@127.0.0.1:5432/sportello_bench_rep

Seeds with ``bench.seeding`` (``--years`` of history up to now), then gives the seeded
conversations what the SLA app and the segments would have stored: the first-reply target
met or breached on those answered (a breach for one in five), and a segment on every
customer. Then times, ``--repeat`` times each, every section's query of
``insights.queries`` over the last ``--days`` days (all channels, and the busiest channel
alone), and the whole page through Django's test client as a supervisor (templates and
charts included), and counts the page's queries.

Prints one JSON line: ``{conversations, messages, in_period, days, backend, page_queries,
<name>_p50_ms, <name>_p95_ms ...}``. Figures only: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--conversations", type=int, default=20_000)
    parser.add_argument("--messages", type=int, default=0, help="default: 4 a conversation")
    parser.add_argument("--years", type=float, default=1.0, help="history seeded")
    parser.add_argument("--days", type=int, default=90, help="the report's period")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--home", default=os.environ.get("SPORTELLO_HOME", ""))
    parser.add_argument("--database-url", default=os.environ.get("SPORTELLO_DATABASE_URL", ""))
    parser.add_argument("--reuse", action="store_true", help="seed only if there are too few")
    args = parser.parse_args(argv)

    from bench import environment

    environment.configure(home=args.home or None, database_url=args.database_url or None)
    environment.migrate()
    print(f"reports bench on {environment.describe()}", file=sys.stderr)
    figures = run(
        args.conversations,
        messages=args.messages or args.conversations * 4,
        years=args.years,
        days=args.days,
        repeat=args.repeat,
        reuse=args.reuse,
    )
    print(json.dumps({**figures, "backend": environment.backend()}))
    return 0


def _seed(conversations: int, messages: int, years: float) -> None:
    from django.db import connection
    from django.db.models import Q

    from bench.seeding import seed
    from sportello.conversations.models import Conversation, SlaState
    from sportello.customers.models import Customer, Segment

    began = time.perf_counter()
    seed(
        customers=max(1, conversations // 4),
        conversations=conversations,
        messages=messages,
        years=years,
        raw_records=False,
    )
    answered = Conversation.objects.filter(first_reply_at__isnull=False)
    # What the SLA's handlers store: one answered conversation in five breached its target.
    breached = Q(id__endswith="0") | Q(id__endswith="5")
    answered.filter(breached).update(first_reply_sla=SlaState.BREACHED)
    answered.exclude(breached).update(first_reply_sla=SlaState.MET)
    for digit, segment in (
        ("1", Segment.AT_RISK),
        ("2", Segment.LOYAL),
        ("3", Segment.LOYAL),
        ("4", Segment.OCCASIONAL),
        ("5", Segment.OCCASIONAL),
        ("6", Segment.OCCASIONAL),
    ):
        Customer.objects.filter(id__endswith=digit).update(segment=segment)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"seeded in {time.perf_counter() - began:.0f} s", file=sys.stderr)


def _timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float]:
    fn()  # warm: the first run loads what any later one finds cached
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        times.append((time.perf_counter() - began) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return round(statistics.median(times), 2), round(p95, 2)


def run(
    conversations: int, *, messages: int, years: float, days: int, repeat: int, reuse: bool
) -> dict[str, Any]:
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from sportello.accounts.actions import create_agent
    from sportello.accounts.models import Role
    from sportello.conversations.models import Conversation, Message
    from sportello.core import clock
    from sportello.core.models import Workspace
    from sportello.insights import queries
    from sportello.insights.queries import Period
    from sportello.web.report_page import today_in

    if not reuse or Conversation.objects.count() < conversations:
        _seed(conversations, messages, years)
    workspace = Workspace.objects.order_by("pk").first()
    assert workspace is not None
    today = today_in(workspace.time_zone)
    period = Period.of_days(
        workspace.pk, today - timedelta(days=days - 1), today, workspace.time_zone
    )
    busiest = (
        queries.opened(period).values("channel_id").annotate(n=Count("pk")).order_by("-n").first()
    )
    one_channel = Period(
        period.workspace_id,
        period.since,
        period.until,
        period.time_zone,
        busiest["channel_id"] if busiest else None,
    )
    figures: dict[str, Any] = {
        "conversations": Conversation.objects.count(),
        "messages": Message.objects.count(),
        "in_period": queries.opened(period).count(),
        "days": days,
    }
    sections: dict[str, Callable[[], Any]] = {
        "volume": lambda: queries.volume(period),
        "responsiveness": lambda: queries.responsiveness(period),
        "repeats": lambda: queries.repeats(period),
        "agents": lambda: queries.agents(period),
        "segments": lambda: queries.segments(workspace.pk),
        "all_sections": lambda: [
            queries.volume(period),
            queries.responsiveness(period),
            queries.repeats(period),
            queries.agents(period),
            queries.segments(workspace.pk),
        ],
        "all_sections_one_channel": lambda: [
            queries.volume(one_channel),
            queries.responsiveness(one_channel),
            queries.repeats(one_channel),
            queries.agents(one_channel),
        ],
    }
    for name, fn in sections.items():
        figures[f"{name}_p50_ms"], figures[f"{name}_p95_ms"] = _timed(fn, repeat)

    supervisor = create_agent(
        workspace,
        email=f"bench.reports.{int(time.time())}@bench.sportello.example",
        password=None,
        display_name="Bench Reports",
        role=Role.SUPERVISOR,
    )
    client = Client()
    client.force_login(supervisor.user)
    url = f"/reports/?range={days}" if days in (7, 30, 90) else "/reports/"
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    figures["page_queries"] = len(captured)
    figures["page_p50_ms"], figures["page_p95_ms"] = _timed(lambda: client.get(url), repeat)
    figures["clock"] = clock.now().isoformat(timespec="seconds")
    return figures


if __name__ == "__main__":
    sys.exit(main())
