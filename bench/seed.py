"""Seed a Sportello database with customers, conversations and messages, fast.

    python bench/seed.py --customers 6000 --conversations 20000 --messages 100000
    SPORTELLO_HOME=/tmp/big python bench/seed.py --customers 300000 \\
        --conversations 1000000 --messages 5000000
    SPORTELLO_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench python bench/seed.py ...

The database is the one Sportello would use (``SPORTELLO_HOME`` / ``SPORTELLO_DATABASE_URL``,
or ``--home`` / ``--database-url``); a PostgreSQL database is created when missing, then
migrated like ``sportello migrate``. Prints one JSON line:
``{customers, conversations, messages, events, identities, inbound_records, seconds,
db_bytes, backend}``. The work is done by :func:`bench.seeding.seed`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=6_000)
    parser.add_argument("--conversations", type=int, default=20_000)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--workspace-slug", default="", help="default: the first workspace")
    parser.add_argument("--seed", type=int, default=2026, help="random seed (texts, structure)")
    parser.add_argument("--years", type=float, default=3.0)
    parser.add_argument("--batch-rows", type=int, default=50_000)
    parser.add_argument(
        "--no-raw-records", action="store_true", help="skip the InboundRecord of each message"
    )
    parser.add_argument("--home", default=os.environ.get("SPORTELLO_HOME") or "./var")
    parser.add_argument("--database-url", default=os.environ.get("SPORTELLO_DATABASE_URL", ""))
    args = parser.parse_args(argv)

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench import environment

    environment.configure(home=args.home, database_url=args.database_url or None)
    environment.migrate()

    from django.db import connection

    from sportello.conversations import search

    print(f"seeding {environment.describe()}", file=sys.stderr)
    from bench.seeding import seed

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            # A bigger page cache for this connection only: index pages stay in memory.
            cursor.execute("PRAGMA cache_size=-262144")
    began = time.perf_counter()
    result = seed(
        customers=args.customers,
        conversations=args.conversations,
        messages=args.messages,
        workspace_slug=args.workspace_slug or None,
        random_seed=args.seed,
        years=args.years,
        raw_records=not args.no_raw_records,
        batch_rows=args.batch_rows,
        progress=lambda n: print(
            f"  {n:,} conversations, {time.perf_counter() - began:.0f} s", file=sys.stderr
        ),
    )
    with connection.cursor() as cursor:
        # Fresh planner statistics, as after any bulk load (SQLite samples, so it is quick).
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit=1000")
        cursor.execute("ANALYZE")
    # What the nightly job does: one segment in the full-text index (SQLite).
    search.optimize_index()
    seconds = round(time.perf_counter() - began, 2)
    figures = {
        **result.as_dict(),
        "seconds": seconds,
        "db_bytes": environment.database_bytes(),
        "backend": environment.backend(),
    }
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
