"""Fit the bot's confidence across businesses, leave-one-set-out: one JSON line.

    PYTHONPATH=. python bench/bot_calibrate.py [--set A.json --set B.json ...]
        [--source customers|synthetic|both]

Each FAQ set (default: the shared development set and every ``bench/faq/*.json``) is a
business: its articles are loaded into a workspace of their own and its customer questions
are asked through the bot's own search and signals (``sportello/bot/answers.py``). A
question is a positive when the knowledge base answers it and the search's first hit is the
expected article; every other question (unanswerable, or ranked wrong) is a negative, since
answering it would be a mistake.

The weights are a logistic regression on standardised signals, each weight held >= 0 (every
signal is a reason to trust the hit more, never less), answered at probability >= 0.5. They
are judged *leave-one-set-out*: fitted on all businesses but one, measured on the questions
of the one left out (answered right, answered wrong, handed over on unanswerable ones), so
each figure is of a business the weights never saw. Then they are fitted on all sets: those
are the weights ``sportello/bot/answers.py`` carries, with the per-set figures they give.

``--source synthetic`` fits on questions made from the articles instead (their titles, and
each body sentence three times with 70% of its words dropped, asked with the article
published and again archived, as before the customer sets existed); ``both`` pools the
two. The held-out figures are always measured on customer questions.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.environment import REPO, configure, migrate

DEFAULT_SETS = [
    REPO.parent / "shared" / "eval" / "faq" / "bimbi-belli.json",
    *sorted((REPO / "bench" / "faq").glob("*.json")),
]
DRAWS = 3  # word-dropped versions of each sentence (synthetic questions)
KEEP = 0.3  # share of a sentence's words a synthetic question keeps
FEATURES = ("similarity", "margin", "coverage", "across", "lead")
THRESHOLD = 0.5


@dataclass
class Row:
    business: str
    signals: list[float]
    label: int  # 1: the first hit is the expected article
    answerable: bool
    customer: bool  # a customer's question of the set (else synthetic)


def synthetic_questions(title: str, body: str, rng: random.Random) -> list[tuple[str, str]]:
    """(question, the article's text less the part the question was made from)."""
    sentences = re.split(r"(?<=[.!?])\s+", body)
    out = [(title, body)]
    for i, sentence in enumerate(sentences):
        words = sentence.split()
        if len(words) < 4:
            continue
        rest = " ".join([title, *sentences[:i], *sentences[i + 1 :]])
        for _ in range(DRAWS):
            kept = [w for w in words if rng.random() < KEEP] or words[:3]
            out.append((" ".join(kept), rest))
    return out


def fit(x: np.ndarray, y: np.ndarray, l2: float = 0.01, steps: int = 3000) -> np.ndarray:
    """Logistic regression by projected gradient descent on standardised signals (so the
    small L2 penalty treats them alike), weights kept >= 0, returned on the raw signals:
    [bias, weights...]."""
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    design = np.hstack([np.ones((len(x), 1)), (x - mean) / scale])
    w = np.zeros(design.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-design @ w))
        grad = design.T @ (p - y) / len(y) + l2 * np.r_[0, w[1:]]
        w -= 1.0 * grad
        w[1:] = np.maximum(w[1:], 0.0)
    weights = w[1:] / scale
    return np.r_[w[0] - float(mean @ weights), weights]


def predict(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-(w[0] + x @ w[1:])))


def figures(w: np.ndarray, rows: list[Row]) -> dict[str, float]:
    """What the bot does with weights ``w`` on a business's customer questions."""
    asked = [r for r in rows if r.customer]
    answered = predict(w, np.array([r.signals for r in asked])) >= THRESHOLD
    answerable = np.array([r.answerable for r in asked])
    right = np.array([r.label == 1 for r in asked])
    return {
        "answerable_top1": round(float((answered & right).sum() / max(1, answerable.sum())), 3),
        "wrong_answer_rate": round(
            float((answered & answerable & ~right).sum() / max(1, answerable.sum())), 3
        ),
        "abstain_rate_on_unanswerable": round(
            float((~answered & ~answerable).sum() / max(1, (~answerable).sum())), 3
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--set", action="append", help="a FAQ set (repeat; default: all)")
    parser.add_argument("--source", choices=("customers", "synthetic", "both"), default="customers")
    parser.add_argument("--seed", type=int, default=19)
    args = parser.parse_args()
    paths = [Path(p) for p in args.set] if args.set else DEFAULT_SETS
    paths = [p for p in paths if p.exists()]
    if len(paths) < 2:
        print(json.dumps({"skipped": "leave-one-set-out needs two sets or more"}))
        return
    configure(home=None, database_url="")
    migrate()

    from huey.contrib.djhuey import HUEY

    from sportello.accounts.actions import create_agent
    from sportello.accounts.models import Role
    from sportello.bot.answers import CANDIDATES, LANGUAGES, signals
    from sportello.core.models import Workspace
    from sportello.knowledge.actions import create_article
    from sportello.knowledge.models import Article, Status
    from sportello.knowledge.search import Words, coverage, search
    from sportello.language.stemming import query_terms, stems_for_index
    from sportello.language.synonyms import concepts_of_stems, concepts_of_term

    HUEY.immediate = True
    rng = random.Random(args.seed)
    rows: list[Row] = []
    for path in paths:
        business = path.stem
        dev = json.loads(path.read_text())
        workspace = Workspace.objects.create(name="calibration", slug=f"cal-{time.time_ns()}")
        editor = create_agent(
            workspace, email="cal@bench.example.it", password=None, role=Role.SUPERVISOR
        )
        ids = {
            item["key"]: create_article(
                workspace.pk,
                agent=editor,
                title=item["title"],
                body=item["body"],
                language=item.get("lang", "it"),
                status="published",
            ).pk
            for item in dev["articles"]
        }

        def ask(question: str, workspace_id: int = workspace.pk) -> tuple[list[float], int] | None:
            hits, _ = search(workspace_id, question, languages=LANGUAGES, limit=CANDIDATES)
            if not hits:
                return None
            s = signals(hits)
            return [getattr(s, f) for f in FEATURES], hits[0].article.pk

        for question in dev["questions"]:
            expected = ids.get(question.get("expected") or "")
            asked = ask(question["q"])
            if asked is not None:
                values, first = asked
                rows.append(Row(business, values, int(first == expected), bool(expected), True))
        if args.source == "customers":
            continue
        for item in dev["articles"]:
            pk, language = ids[item["key"]], item.get("lang", "it")
            for present in (True, False):
                if not present:
                    Article.objects.filter(pk=pk).update(status=Status.ARCHIVED)
                for question, rest in synthetic_questions(item["title"], item["body"], rng):
                    asked = ask(question)
                    if asked is None:
                        continue
                    values, first = asked
                    label = int(present and first == pk)
                    if label:
                        # A question copied from a sentence covers it by construction; a
                        # customer's paraphrase does not: its coverage is read on the rest
                        # of the article, the words it shares with the topic.
                        stems = frozenset(stems_for_index(rest, language).split())
                        terms = query_terms(question, limit=24, content_only=True)
                        values[FEATURES.index("coverage")] = coverage(
                            terms,
                            Words(stems, frozenset(concepts_of_stems(stems, language))),
                            typos=True,
                            concepts=[concepts_of_term(t) for t in terms],
                        )
                    rows.append(Row(business, values, label, present, False))
                if not present:
                    Article.objects.filter(pk=pk).update(status=Status.PUBLISHED)

    def training(rows_: list[Row]) -> tuple[np.ndarray, np.ndarray]:
        chosen = [
            r for r in rows_ if args.source == "both" or r.customer == (args.source == "customers")
        ]
        return np.array([r.signals for r in chosen]), np.array([r.label for r in chosen], float)

    businesses = [p.stem for p in paths]
    held_out = {}
    folds = {}
    totals = np.zeros(4)
    for business in businesses:
        w = fit(*training([r for r in rows if r.business != business]))
        folds[business] = w
        mine = [r for r in rows if r.business == business]
        held_out[business] = figures(w, mine)
        asked = [r for r in mine if r.customer]
        answerable = sum(r.answerable for r in asked)
        totals += [
            held_out[business]["answerable_top1"] * answerable,
            answerable,
            held_out[business]["abstain_rate_on_unanswerable"] * (len(asked) - answerable),
            len(asked) - answerable,
        ]
    w = fit(*training(rows))
    report: dict[str, object] = {
        "bench": "bot_calibrate",
        "source": args.source,
        "sets": businesses,
        "rows": len(rows),
        "leave_one_set_out": held_out,
        "leave_one_set_out_pooled": {
            "answerable_top1": round(float(totals[0] / max(1, totals[1])), 3),
            "abstain_rate_on_unanswerable": round(float(totals[2] / max(1, totals[3])), 3),
        },
        "first_hit_right": {
            b: round(
                float(
                    np.mean(
                        [r.label for r in rows if r.business == b and r.customer and r.answerable]
                    )
                ),
                3,
            )
            for b in businesses
        },
        "fitted_on_all": {b: figures(w, [r for r in rows if r.business == b]) for b in businesses},
        "fold_weights": {b: [round(float(v), 2) for v in f] for b, f in folds.items()},
        "bias": round(float(w[0]), 2),
        "weights": {f: round(float(v), 2) for f, v in zip(FEATURES, w[1:], strict=True)},
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
