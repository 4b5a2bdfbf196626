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

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.environment import REPO, configure, migrate

DEFAULT_SET = REPO.parent / "shared" / "eval" / "faq" / "bimbi-belli.json"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--set", default=str(DEFAULT_SET))
    parser.add_argument("--database-url", default="")
    parser.add_argument("--home", default=None)
    parser.add_argument("--repeat", type=int, default=3, help="searches of each question")
    args = parser.parse_args()
    path = Path(args.set)
    if not path.exists():
        print(json.dumps({"skipped": f"{path} is absent"}))
        return
    dev = json.loads(path.read_text())
    configure(home=args.home, database_url=args.database_url)
    migrate()

    from django.test import Client
    from huey.contrib.djhuey import HUEY

    from sportello.accounts.actions import create_agent, issue_token
    from sportello.accounts.models import Role
    from sportello.core.models import Workspace

    HUEY.immediate = True  # the vectors' job runs as the article is saved
    workspace = Workspace.objects.create(
        name=dev.get("business", "dev")[:200], slug=f"kb-bench-{time.time_ns()}"
    )
    editor = create_agent(
        workspace, email="kb@bench.example.it", password=None, role=Role.SUPERVISOR
    )
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(editor, 'bench')}"}
    client = Client()

    ids: dict[str, int] = {}
    started = time.perf_counter()
    for article in dev["articles"]:
        response = client.post(
            "/api/v1/kb/articles",
            json.dumps(
                {
                    "title": article["title"],
                    "body": article["body"],
                    "language": article.get("lang", "it"),
                    "status": "published",
                }
            ),
            content_type="application/json",
            **headers,
        )
        if response.status_code != 201:
            raise SystemExit(f"HTTP {response.status_code}: {response.content[:300]!r}")
        ids[article["key"]] = response.json()["id"]
    load_seconds = time.perf_counter() - started

    answerable = [q for q in dev["questions"] if q.get("expected")]
    top1 = top3 = 0
    latencies: list[float] = []
    misses = []
    for round_ in range(max(1, args.repeat)):
        for question in answerable:
            began = time.perf_counter()
            response = client.get("/api/v1/kb/search?" + urlencode({"q": question["q"]}), **headers)
            latencies.append((time.perf_counter() - began) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"HTTP {response.status_code}: {response.content[:300]!r}")
            if round_:
                continue
            found = [item["id"] for item in response.json()["items"]]
            expected = ids[question["expected"]]
            top1 += found[:1] == [expected]
            top3 += expected in found[:3]
            if found[:1] != [expected]:
                misses.append(question["q"])
    print(
        json.dumps(
            {
                "bench": "kb_search",
                "set": path.name,
                "articles": len(ids),
                "answerable": len(answerable),
                "top1": round(top1 / len(answerable), 3),
                "top3": round(top3 / len(answerable), 3),
                "p50_ms": round(statistics.median(latencies), 1),
                "p95_ms": round(percentile(latencies, 0.95), 1),
                "load_articles_s": round(load_seconds, 2),
                "database": "postgresql" if args.database_url else "sqlite",
            }
        )
    )
    print(json.dumps({"misses_top1": misses}), file=sys.stderr)


if __name__ == "__main__":
    main()
