"""Fit the bot's confidence on synthetic questions, cross-validated: one JSON line.

    PYTHONPATH=. python bench/bot_calibrate.py [--set A.json --set B.json]

Only the sets' *articles* are read (knowledge bases like any shop's; two businesses by
default, pooled, so the weights are not one shop's); its customer
questions are never used, so the weights are not fitted to them. From each article it makes
synthetic questions: its title, and each body sentence three times with 70% of its words
dropped (a customer shares a few words with the answer, rarely all). Each is asked twice
through the bot's own search and signals: with the article published (the bot should
answer, and only with that article: label 1 when it comes first), and with it archived (the
knowledge base has no answer: label 0, and its nearest neighbour is the trap). A logistic
regression over the signals (two models: same language, across languages) is fitted,
5-fold cross-validated over articles (an article's questions are all in one fold); it
prints the held-out figures and the weights fitted on everything, which
``sportello/bot/answers.py`` carries.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.environment import REPO, configure, migrate

DEFAULT_SET = REPO.parent / "shared" / "eval" / "faq" / "bimbi-belli.json"
SECOND_SET = REPO / "bench" / "faq" / "ciclofficina.json"
DRAWS = 3  # word-dropped versions of each sentence
KEEP = 0.3  # share of a sentence's words a synthetic question keeps
FEATURES = ("similarity", "margin", "agreement", "coverage")
# Words can match only within a language: a question in another language than its article's
# is judged by the meaning signals alone.
MODELS = {"same_language": FEATURES, "across_languages": ("similarity", "margin")}


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
        # Every signal is a reason to trust the article more, never less: weights >= 0.
        w[1:] = np.maximum(w[1:], 0.0)
    weights = w[1:] / scale
    return np.r_[w[0] - float(mean @ weights), weights]


def predict(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-(w[0] + x @ w[1:])))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--set",
        action="append",
        help="a set's articles (repeat to pool several knowledge bases; default: both"
        " the shared development set and bench/faq/ciclofficina.json)",
    )
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=19)
    args = parser.parse_args()
    paths = [Path(p) for p in (args.set or [str(DEFAULT_SET), str(SECOND_SET)])]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        print(json.dumps({"skipped": f"{', '.join(missing)} absent"}))
        return
    configure(home=None, database_url="")
    migrate()

    from huey.contrib.djhuey import HUEY

    from sportello.accounts.actions import create_agent
    from sportello.accounts.models import Role
    from sportello.bot.answers import coverage, signals
    from sportello.core.models import Workspace
    from sportello.knowledge.actions import create_article
    from sportello.knowledge.models import Article, Status
    from sportello.knowledge.search import search
    from sportello.language.stemming import stems_for_index

    HUEY.immediate = True
    rng = random.Random(args.seed)
    # (article index over all sets, signals, label); each set in its own workspace.
    rows: list[tuple[int, list[float], int]] = []
    kb: list[dict] = []
    for path in paths:
        workspace = Workspace.objects.create(name="calibration", slug=f"cal-{time.time_ns()}")
        editor = create_agent(
            workspace, email="cal@bench.example.it", password=None, role=Role.SUPERVISOR
        )
        items = json.loads(path.read_text())["articles"]
        ids = [
            create_article(
                workspace.pk,
                agent=editor,
                title=item["title"],
                body=item["body"],
                language=item.get("lang", "it"),
                status="published",
            ).pk
            for item in items
        ]
        for offset, item in enumerate(items):
            index = len(kb) + offset
            questions = synthetic_questions(item["title"], item["body"], rng)
            for present in (True, False):
                if not present:
                    Article.objects.filter(pk=ids[offset]).update(status=Status.ARCHIVED)
                for question, rest in questions:
                    hits, _ = search(workspace.pk, question, limit=10)
                    if not hits:
                        continue
                    s = signals(workspace.pk, question, hits)
                    label = int(present and hits[0].article.pk == ids[offset])
                    if label:
                        # A question copied from a sentence covers it by construction; a
                        # customer's paraphrase does not. Its coverage is read on the rest
                        # of the article: the words it shares with the topic.
                        language = item.get("lang", "it")
                        rest_stems = set(stems_for_index(rest, language).split())
                        s = replace(s, coverage=coverage(question, rest_stems))
                    rows.append((index, [getattr(s, f) for f in FEATURES], label))
                if not present:
                    Article.objects.filter(pk=ids[offset]).update(status=Status.PUBLISHED)
        kb.extend(items)

    owner = np.array([r[0] for r in rows])
    signals_all = np.array([r[1] for r in rows], dtype=float)
    y = np.array([r[2] for r in rows], dtype=float)
    folds = np.arange(len(kb)) % args.folds
    np.random.default_rng(args.seed).shuffle(folds)
    report: dict[str, object] = {
        "bench": "bot_calibrate",
        "sets": [p.name for p in paths],
        "questions": len(y),
        "positives": int(y.sum()),
    }
    for model, features in MODELS.items():
        x = signals_all[:, [FEATURES.index(f) for f in features]]
        held = np.zeros(len(y))
        for fold in range(args.folds):
            test = folds[owner] == fold
            held[test] = predict(fit(x[~test], y[~test]), x[test])
        answered = held >= 0.5
        w = fit(x, y)
        report[model] = {
            "held_out_precision": round(float(y[answered].mean()) if answered.any() else 0, 3),
            "held_out_recall": round(float(answered[y == 1].mean()), 3),
            "held_out_abstain_on_negatives": round(float((~answered)[y == 0].mean()), 3),
            "bias": round(float(w[0]), 2),
            "weights": {f: round(float(v), 2) for f, v in zip(features, w[1:], strict=True)},
        }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
