"""The bot's answers on a dev set: one JSON line.

    PYTHONPATH=. python bench/bot.py [--set ../shared/eval/faq/bimbi-belli.json]
        [--database-url postgres://...] [--repeat 3]

Loads the set's articles through the API (``POST /api/v1/kb/articles``, published) into a
fresh workspace (vectors computed by the job, run at once), then asks every question through
``POST /api/v1/bot/answer``. It prints ``answerable_top1`` (answerable questions the bot
answered with the expected article: a hand-over counts as a miss), ``wrong_answer_rate``
(answerable questions answered with another article: the costly error),
``abstain_rate_on_unanswerable`` (questions with no article that were handed over), and
p50/p95 of a request in milliseconds. The set is read at run time, never copied.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

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
    parser.add_argument("--repeat", type=int, default=3, help="asks of each question")
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
        name=dev.get("business", "dev")[:200], slug=f"bot-bench-{time.time_ns()}"
    )
    editor = create_agent(
        workspace, email="bot@bench.example.it", password=None, role=Role.SUPERVISOR
    )
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(editor, 'bench')}"}
    client = Client()

    def post(url: str, body: dict) -> dict:
        response = client.post(url, json.dumps(body), content_type="application/json", **headers)
        if response.status_code not in (200, 201):
            raise SystemExit(f"HTTP {response.status_code}: {response.content[:300]!r}")
        return response.json()

    ids: dict[str, int] = {}
    for article in dev["articles"]:
        created = post(
            "/api/v1/kb/articles",
            {
                "title": article["title"],
                "body": article["body"],
                "language": article.get("lang", "it"),
                "status": "published",
            },
        )
        ids[article["key"]] = created["id"]

    answerable = [q for q in dev["questions"] if q.get("expected")]
    unanswerable = [q for q in dev["questions"] if not q.get("expected")]
    right = wrong = abstained = 0
    latencies: list[float] = []
    misses = []
    for round_ in range(max(1, args.repeat)):
        for question in dev["questions"]:
            began = time.perf_counter()
            reply = post("/api/v1/bot/answer", {"question": question["q"]})
            latencies.append((time.perf_counter() - began) * 1000)
            if round_:
                continue
            expected = ids.get(question.get("expected") or "")
            if expected is None:
                abstained += reply["handoff"]
            elif reply["article_id"] == expected:
                right += 1
            elif not reply["handoff"]:
                wrong += 1
            if (expected is None) != reply["handoff"] or (
                expected and not reply["handoff"] and reply["article_id"] != expected
            ):
                misses.append((question["q"], reply["reason"], reply["confidence"]))
    print(
        json.dumps(
            {
                "bench": "bot",
                "set": path.name,
                "answerable": len(answerable),
                "unanswerable": len(unanswerable),
                "answerable_top1": round(right / max(1, len(answerable)), 3),
                "wrong_answer_rate": round(wrong / max(1, len(answerable)), 3),
                "abstain_rate_on_unanswerable": round(abstained / max(1, len(unanswerable)), 3),
                "p50_ms": round(statistics.median(latencies), 1),
                "p95_ms": round(percentile(latencies, 0.95), 1),
                "database": "postgresql" if args.database_url else "sqlite",
            }
        )
    )
    print(json.dumps({"misses": misses}, ensure_ascii=False), file=sys.stderr)


if __name__ == "__main__":
    main()
