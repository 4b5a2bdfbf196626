"""The offline language tools, behind one small interface: which language a text is in,
the stems a search indexes, and the vectors semantic search compares. Every model ships
inside its package and is loaded once per process, the first time it is needed."""

from __future__ import annotations

from sportello.language.detection import detect_language
from sportello.language.embeddings import embed
from sportello.language.stemming import query_terms, stems_for_index

__all__ = ["detect_language", "embed", "query_terms", "stems_for_index"]
