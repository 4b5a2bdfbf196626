"""Which language a customer writes in, offline (py3langid's bundled model)."""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

MIN_CHARS = 12
CONFIDENCE = 0.7
_loading = threading.Lock()


@lru_cache(maxsize=8)
def _loaded(languages: tuple[str, ...]) -> Any:
    if languages:
        # A copy of the whole model's identifier, restricted: restricting takes new arrays
        # and leaves the model shared, so the file is read and decompressed once a process.
        identifier = copy.copy(_loaded(()))
        identifier.set_languages(list(languages))
        return identifier
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def _identifier(languages: tuple[str, ...] = ()) -> Any:
    """One identifier per set of languages (all of the model's when empty): restricting
    one changes it for every caller, so each set gets its own, built once. One thread
    builds it (seconds on a busy machine); the others wait instead of building their own."""
    with _loading:
        return _loaded(languages)


def load_model() -> None:
    """Load the model now, at a process's start: detection runs inside the ingest
    transaction, and the first message after a start would otherwise hold it open, and
    every other writer waiting, for as long as the model takes to load (``bench/chaos.py``
    saw 4-6 s of it after each restart, on a loaded machine)."""
    _identifier()


def detect_language(text: str, among: Iterable[str] = ()) -> str:
    """ISO 639-1 code of ``text``'s language, or "" when the text is too short or the model
    is not confident enough to say.

    ``among`` restricts the answer to a workspace's languages (say Italian and English): a
    short Italian question is then never "Esperanto" or "Latin", and the probabilities are
    shared among the languages the business actually writes in."""
    # The first few hundred characters say the language as well as the whole text does.
    sample = text.strip()[:400]
    if len(sample) < MIN_CHARS:
        return ""
    languages = tuple(sorted({code for code in among if code}))
    language, probability = _identifier(languages).classify(sample)
    return language if probability >= CONFIDENCE else ""
