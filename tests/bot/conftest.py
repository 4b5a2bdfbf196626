from __future__ import annotations

from tests.knowledge.conftest import editor, reader, write_article  # noqa: F401
