"""A FAQ dev set loaded through the API into a fresh workspace: what the bot and search
benchmarks share.

A set is a JSON file ``{"business", "articles": [{key, title, body, lang}], "questions":
[{q, expected}]}`` (``expected`` empty when the knowledge base cannot answer). It is read
at run time from ``../shared/eval/faq/``, never copied into the repository.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.environment import REPO, configure, migrate

DEFAULT_SET = REPO.parent / "shared" / "eval" / "faq" / "bimbi-belli.json"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def arguments(description: str | None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--set", default=str(DEFAULT_SET))
    parser.add_argument("--database-url", default="")
    parser.add_argument("--home", default=None)
    parser.add_argument("--repeat", type=int, default=3, help="asks of each question")
    return parser


@dataclass
class Loaded:
    """The set in a fresh workspace: the API client and the articles' ids by key."""

    path: Path
    dev: dict[str, Any]
    client: Any
    headers: dict[str, str]
    ids: dict[str, int] = field(default_factory=dict)
    load_seconds: float = 0.0

    def post(self, url: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.client.post(
            url, json.dumps(body), content_type="application/json", **self.headers
        )
        if response.status_code not in (200, 201):
            raise SystemExit(f"HTTP {response.status_code}: {response.content[:300]!r}")
        return response.json()

    def get(self, url: str) -> dict[str, Any]:
        response = self.client.get(url, **self.headers)
        if response.status_code != 200:
            raise SystemExit(f"HTTP {response.status_code}: {response.content[:300]!r}")
        return response.json()

    @property
    def answerable(self) -> list[dict[str, Any]]:
        return [q for q in self.dev["questions"] if q.get("expected")]

    @property
    def unanswerable(self) -> list[dict[str, Any]]:
        return [q for q in self.dev["questions"] if not q.get("expected")]


def load(args: argparse.Namespace, *, slug: str) -> Loaded | None:
    """Start Django on the benchmark's database, create a workspace with a supervisor's
    token and post every article of the set, published (vectors computed by the job, run
    at once). ``None`` (after printing a ``skipped`` line) when the set is absent."""
    path = Path(args.set)
    if not path.exists():
        print(json.dumps({"skipped": f"{path} is absent"}))
        return None
    dev = json.loads(path.read_text())
    configure(home=args.home, database_url=args.database_url)
    migrate()

    from django.test import Client
    from huey.contrib.djhuey import HUEY

    from sportello.accounts.actions import create_agent, issue_token
    from sportello.accounts.models import Role
    from sportello.core.models import Workspace

    HUEY.immediate = True
    workspace = Workspace.objects.create(
        name=dev.get("business", "dev")[:200], slug=f"{slug}-{time.time_ns()}"
    )
    editor = create_agent(
        workspace, email=f"{slug}@bench.example.it", password=None, role=Role.SUPERVISOR
    )
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(editor, 'bench')}"}
    loaded = Loaded(path=path, dev=dev, client=Client(), headers=headers)
    started = time.perf_counter()
    for article in dev["articles"]:
        created = loaded.post(
            "/api/v1/kb/articles",
            {
                "title": article["title"],
                "body": article["body"],
                "language": article.get("lang", "it"),
                "status": "published",
            },
        )
        loaded.ids[article["key"]] = created["id"]
    loaded.load_seconds = time.perf_counter() - started
    return loaded
