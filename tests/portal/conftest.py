"""The knowledge base's API clients, to write what the help center shows."""

from __future__ import annotations

from tests.knowledge.conftest import editor, reader, write_article

__all__ = ["editor", "reader", "write_article"]
