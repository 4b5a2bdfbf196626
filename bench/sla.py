"""The SLA breach scanner over many open conversations: how long one scan takes.

    python bench/sla.py                             # 1M open conversations, SQLite, temp dir
    python bench/sla.py --conversations 100000 --due 500
    python bench/sla.py --home /tmp/sla-1m --reuse  # the database of an earlier run
    python bench/sla.py --database-url postgres://postgres@127.0.0.1:5432/sportello_bench_sla
    python bench/sla.py --conversations 100000 --follow  # and a calendar change followed

Seeds the conversations with ``bench.seeding`` (one message each, no raw records), opens
them all and arms their clocks: first reply due over the next seven days, except ``--due``
of them whose warning fell due in the last minute (what a scan a minute finds in a busy
workspace). Then, on a fixed clock, times ``sla.actions.escalate_due``: the scan that warns
those, and idle scans that find nothing (the index range alone).

With ``--follow``, then times ``sla.actions.follow_change`` after the default calendar
gains a closed day: every open conversation's clock recomputed from its start, 500 a
transaction (what ``sla.jobs.follow_clocks`` does across its runs); the clocks are armed
again afterwards.

Prints one JSON line: ``{conversations, open, due, warned, scan_seconds, idle_scan_seconds,
idle_scan_max_seconds, backend}`` (and ``followed, follow_seconds, follow_per_second``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

WEEK_SECONDS = 7 * 24 * 3600
# The scans' moment, fixed so that a database armed by an earlier run (``--reuse``) has the
# same conversations due: only the ones an earlier scan warned are armed again.
SCAN_AT = datetime(2030, 1, 7, 10, 0, tzinfo=UTC)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--conversations", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=1_000, help="warnings due at the scan")
    parser.add_argument("--idle-scans", type=int, default=5)
    parser.add_argument("--home", default=os.environ.get("SPORTELLO_HOME", ""))
    parser.add_argument("--database-url", default=os.environ.get("SPORTELLO_DATABASE_URL", ""))
    parser.add_argument("--reuse", action="store_true", help="seed only if there are too few")
    parser.add_argument("--rearm", action="store_true", help="arm every clock again")
    parser.add_argument(
        "--follow", action="store_true", help="time a calendar change followed by the clocks"
    )
    args = parser.parse_args(argv)

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench import environment

    environment.configure(home=args.home or None, database_url=args.database_url or None)
    environment.migrate()
    print(f"sla bench on {environment.describe()}", file=sys.stderr)
    figures = run(
        args.conversations,
        due=args.due,
        idle_scans=args.idle_scans,
        reuse=args.reuse,
        rearm=args.rearm,
        follow=args.follow,
    )
    print(json.dumps({**figures, "backend": environment.backend()}))
    return 0


def run(
    conversations: int,
    *,
    due: int,
    idle_scans: int = 5,
    reuse: bool = False,
    rearm: bool = False,
    follow: bool = False,
) -> dict:
    from django.db import connection

    from bench.seeding import seed
    from sportello.conversations.models import Conversation
    from sportello.core import clock
    from sportello.core.models import Workspace
    from sportello.sla.actions import ensure_defaults, escalate_due, rules_in_force

    workspace = Workspace.objects.order_by("pk").first()
    assert workspace is not None
    have = Conversation.objects.count()
    if not reuse or have < conversations:
        began = time.perf_counter()
        seed(
            customers=max(1, conversations // 10),
            conversations=conversations,
            messages=conversations,
            raw_records=False,
        )
        print(f"seeded in {time.perf_counter() - began:.0f} s", file=sys.stderr)
    policy = ensure_defaults(workspace.pk)
    armed = not rearm and Conversation.objects.filter(sla_check_at__isnull=False).exists()
    began = time.perf_counter()
    opened = _arm_clocks(
        connection, policy.pk, SCAN_AT, due=due, warn=policy.warn_minutes, again=armed
    )
    if not armed:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"clocks armed in {time.perf_counter() - began:.0f} s", file=sys.stderr)

    # A running worker has read its policies and loaded the holidays package already.
    rules_in_force(workspace.pk)
    real_now = clock.now
    clock.now = lambda: SCAN_AT  # the scan's moment, fixed: nothing moves between scans
    try:
        began = time.perf_counter()
        warned, breached = escalate_due()
        scan_seconds = time.perf_counter() - began
        idle = []
        for _ in range(idle_scans):
            began = time.perf_counter()
            assert escalate_due() == (0, 0)
            idle.append(time.perf_counter() - began)
    finally:
        clock.now = real_now
    followed = _follow(workspace.pk, connection, policy, opened, due=due) if follow else {}
    return {
        **followed,
        "conversations": Conversation.objects.count(),
        "open": opened,
        "due": due,
        "warned": warned,
        "breached": breached,
        "scan_seconds": round(scan_seconds, 4),
        "idle_scan_seconds": round(statistics.median(idle), 5) if idle else None,
        "idle_scan_max_seconds": round(max(idle), 5) if idle else None,
    }


def _follow(workspace_id: int, connection, policy, opened: int, *, due: int) -> dict:
    """The default calendar closes on the scan's day; every open clock follows."""
    from sportello.conversations.models import Conversation
    from sportello.core import clock
    from sportello.sla.actions import _calendar_definition, follow_change
    from sportello.sla.models import Calendar

    calendar = Calendar.objects.get(workspace_id=workspace_id, is_default=True)
    before = _calendar_definition(calendar)
    closed = SCAN_AT.date().isoformat()
    Calendar.objects.filter(pk=calendar.pk).update(closed_days=[closed])
    change = {"calendar_id": calendar.pk, "old_calendar": before}
    # The seeded conversations began up to years before the scan's moment; a running
    # clock begins hours or days before its due time. Here every clock began the day
    # before the scan's (a Sunday), so each runs through the day now closed and moves.
    table = Conversation._meta.db_table
    began_at = SCAN_AT - timedelta(days=1)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET created_at = %s WHERE sla_check_at IS NOT NULL",
            [
                began_at.replace(tzinfo=None).isoformat(sep=" ")
                if connection.vendor == "sqlite"
                else began_at
            ],
        )
    real_now = clock.now
    clock.now = lambda: SCAN_AT
    try:
        began = time.perf_counter()
        moved, _ = follow_change(workspace_id, change, batches=10**9)
        seconds = time.perf_counter() - began
    finally:
        clock.now = real_now
        Calendar.objects.filter(pk=calendar.pk).update(closed_days=before["closed_days"])
    _arm_clocks(connection, policy.pk, SCAN_AT, due=due, warn=policy.warn_minutes, again=False)
    return {
        "followed": moved,
        "follow_seconds": round(seconds, 2),
        "follow_per_second": round(moved / seconds) if seconds else None,
    }


def _arm_clocks(
    connection, policy_id: int, scan_at: datetime, *, due: int, warn: int, again: bool
) -> int:
    """Open every conversation with a first reply due over the coming week; the ``due``
    lowest ids have their warning due within the minute before ``scan_at``. ``again``:
    the clocks were armed by an earlier run; only those its scan moved are reset."""
    from sportello.conversations.models import Conversation

    table = Conversation._meta.db_table
    first_id = Conversation.objects.order_by("pk").values_list("pk", flat=True).first() or 0
    cutoff = first_id + due
    # Seconds from scan_at: -59..0 for the due ones (their warning), else 60..one week.
    offset = f"CASE WHEN id < {cutoff} THEN -(id %% 60) ELSE 60 + (id * 7919) %% {WEEK_SECONDS} END"
    if connection.vendor == "sqlite":
        check = f"datetime(%s, ({offset}) || ' seconds')"
        due_at = f"datetime(%s, ({offset} + {warn * 60}) || ' seconds')"
        at = scan_at.replace(tzinfo=None).isoformat(sep=" ")
    else:
        check = f"%s::timestamptz + ({offset}) * interval '1 second'"
        due_at = f"%s::timestamptz + ({offset} + {warn * 60}) * interval '1 second'"
        at = scan_at.isoformat()
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = 'open', resolved_at = NULL, snoozed_until = NULL,"
            f" first_reply_at = NULL, sla_policy_id = %s, first_reply_sla = 'running',"
            f" first_reply_due_at = {due_at}, sla_check_at = {check}"
            + (f" WHERE id < {cutoff} OR first_reply_sla <> 'running'" if again else ""),
            [policy_id, at, at],
        )
    return Conversation.objects.filter(status="open", sla_check_at__isnull=False).count()


if __name__ == "__main__":
    sys.exit(main())
