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

import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.dev_set import arguments, load, percentile


def main() -> None:
    args = arguments(__doc__).parse_args()
    loaded = load(args, slug="bot-bench")
    if loaded is None:
        return
    ids = loaded.ids
    answerable, unanswerable = loaded.answerable, loaded.unanswerable
    right = wrong = abstained = 0
    latencies: list[float] = []
    misses = []
    for round_ in range(max(1, args.repeat)):
        for question in loaded.dev["questions"]:
            began = time.perf_counter()
            reply = loaded.post("/api/v1/bot/answer", {"question": question["q"]})
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
                "set": loaded.path.name,
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
