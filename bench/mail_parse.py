"""Parse throughput on the public e-mail corpora: one JSON line {messages, seconds, per_second}.

    python bench/mail_parse.py [--repeat N]

The corpora live beside the repository (``../shared/corpora``); without them the benchmark
prints zero messages and a ``skipped`` reason instead of failing.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from sportello.providers.email.parsing import parse_message

REPO = Path(__file__).resolve().parents[1]
CORPORA = REPO / ".." / "shared" / "corpora"
SUFFIXES = {".box", ".eml", ".txt"}


def corpus_messages(root: Path) -> list[bytes]:
    emails = root / "emails"
    return [p.read_bytes() for p in sorted(emails.rglob("*")) if p.suffix in SUFFIXES]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="passes over the corpus")
    args = parser.parse_args()
    if not (CORPORA / "emails").is_dir():
        print(
            json.dumps({"messages": 0, "seconds": 0.0, "per_second": 0.0, "skipped": "no corpora"})
        )
        return 0
    messages = corpus_messages(CORPORA)
    started = time.perf_counter()
    for _ in range(max(1, args.repeat)):
        for raw in messages:
            parse_message(raw)
    seconds = time.perf_counter() - started
    count = len(messages) * max(1, args.repeat)
    print(
        json.dumps(
            {
                "messages": count,
                "seconds": round(seconds, 3),
                "per_second": round(count / seconds, 1) if seconds else 0.0,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
