"""Where the shared public corpora live, and how tests skip cleanly without them.

The corpora sit beside the repository (``<repo>/../shared/corpora``) and are never copied in:
some are AGPL test data that must not ship with the product.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

CORPORA = Path(__file__).resolve().parents[3] / ".." / "shared" / "corpora"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
EMAIL_SUFFIXES = {".box", ".eml", ".txt"}


def corpus_path(*parts: str) -> Path:
    """A path inside the corpora; skips the calling test when it is not there."""
    path = CORPORA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"corpus not available: {path}")
    return path


def load_expected(*parts: str) -> Any:
    return json.loads(corpus_path(*parts).read_text(encoding="utf-8"))


def corpus_email_files() -> list[Path]:
    """Every raw message in the e-mail corpora, for parametrising at collection time."""
    emails = CORPORA / "emails"
    if not emails.is_dir():
        return []
    return sorted(p for p in emails.rglob("*") if p.is_file() and p.suffix in EMAIL_SUFFIXES)


def email_params() -> list[Any]:
    """pytest params over the corpus messages, or one skipped param when they are absent."""
    files = corpus_email_files()
    if not files:
        return [pytest.param(None, marks=pytest.mark.skip(reason="e-mail corpora not available"))]
    return [pytest.param(path, id=str(path.relative_to(CORPORA / "emails"))) for path in files]


def normalise_space(text: str | None) -> str:
    return " ".join((text or "").split())


def rate(matches: int, total: int) -> float:
    return matches / total if total else 1.0
