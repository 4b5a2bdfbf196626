"""Which language a customer writes in, offline (py3langid's bundled model)."""

from __future__ import annotations

from functools import lru_cache

MIN_CHARS = 12
CONFIDENCE = 0.7


@lru_cache(maxsize=1)
def _identifier():  # type: ignore[no-untyped-def]
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> str:
    """ISO 639-1 code of ``text``'s language, or "" when the text is too short or the model
    is not confident enough to say."""
    # The first few hundred characters say the language as well as the whole text does.
    sample = text.strip()[:400]
    if len(sample) < MIN_CHARS:
        return ""
    language, probability = _identifier().classify(sample)
    return language if probability >= CONFIDENCE else ""
