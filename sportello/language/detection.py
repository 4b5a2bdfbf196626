"""Which language a customer writes in, offline (py3langid's bundled model)."""

from __future__ import annotations

import threading
from functools import lru_cache

MIN_CHARS = 12
CONFIDENCE = 0.7
_loading = threading.Lock()


@lru_cache(maxsize=1)
def _loaded():  # type: ignore[no-untyped-def]
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def _identifier():  # type: ignore[no-untyped-def]
    # One thread loads the model (seconds on a busy machine); the others wait for it
    # instead of each loading their own copy.
    with _loading:
        return _loaded()


def load_model() -> None:
    """Load the model now, at a process's start: detection runs inside the ingest
    transaction, and the first message after a start would otherwise hold it open, and
    every other writer waiting, for as long as the model takes to load (``bench/chaos.py``
    saw 4-6 s of it after each restart, on a loaded machine)."""
    _identifier()


def detect_language(text: str) -> str:
    """ISO 639-1 code of ``text``'s language, or "" when the text is too short or the model
    is not confident enough to say."""
    # The first few hundred characters say the language as well as the whole text does.
    sample = text.strip()[:400]
    if len(sample) < MIN_CHARS:
        return ""
    language, probability = _identifier().classify(sample)
    return language if probability >= CONFIDENCE else ""
