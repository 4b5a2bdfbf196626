"""Knowledge-base search quality and speed on a dev set: one JSON line.

    PYTHONPATH=. python bench/kb_search.py [--set ../shared/eval/faq/bimbi-belli.json]
        [--database-url postgres://...] [--repeat 3]

Loads the set's articles through the API (``POST /api/v1/kb/articles``, published) into a
fresh workspace, their vectors computed by the job as in production (run at once here),
then asks every question through ``GET /api/v1/kb/search``. It prints top-1 and top-3
accuracy on the answerable questions (the expected article first / among the first three)
and p50/p95 latency of a search request, in milliseconds. Questions with no expected
article are not scored here: abstaining is the bot's job (``bench/bot.py``, later).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.dev_set import arguments, load, percentile


def main() -> None:
    args = arguments(__doc__).parse_args()
    loaded = load(args, slug="kb-bench")
    if loaded is None:
        return
    ids = loaded.ids
    answerable = loaded.answerable
    top1 = top3 = 0
    latencies: list[float] = []
    misses = []
    for round_ in range(max(1, args.repeat)):
        for question in answerable:
            began = time.perf_counter()
            found_json = loaded.get("/api/v1/kb/search?" + urlencode({"q": question["q"]}))
            latencies.append((time.perf_counter() - began) * 1000)
            if round_:
                continue
            found = [item["id"] for item in found_json["items"]]
            expected = ids[question["expected"]]
            top1 += found[:1] == [expected]
            top3 += expected in found[:3]
            if found[:1] != [expected]:
                misses.append(question["q"])
    print(
        json.dumps(
            {
                "bench": "kb_search",
                "set": loaded.path.name,
                "articles": len(ids),
                "answerable": len(answerable),
                "top1": round(top1 / len(answerable), 3),
                "top3": round(top3 / len(answerable), 3),
                "p50_ms": round(statistics.median(latencies), 1),
                "p95_ms": round(percentile(latencies, 0.95), 1),
                "load_articles_s": round(loaded.load_seconds, 2),
                "database": "postgresql" if args.database_url else "sqlite",
            }
        )
    )
    print(json.dumps({"misses_top1": misses}), file=sys.stderr)


if __name__ == "__main__":
    main()
