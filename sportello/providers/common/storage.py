"""Attachment files: content-addressed under ``MEDIA_ROOT/attachments/<workspace>/<sha256>``.

Written (and synced) before the message's ingest transaction, so a committed message never
points at a missing file; the same bytes received twice are stored once. A file whose
message was rolled back stays behind, harmless, and serves the retry.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from sportello.conversations.attachments import store_file
from sportello.core.errors import NotFound


def _root() -> Path:
    return Path(settings.MEDIA_ROOT).resolve()


def store_attachment(workspace_id: int, content: bytes) -> tuple[str, str]:
    """Store ``content``; returns its sha256 and its path relative to ``MEDIA_ROOT``
    (``conversations.attachments.store_file``, where agents' uploads are stored too)."""
    return store_file(workspace_id, content)


def read_attachment(relative: str) -> bytes:
    """The bytes of a stored attachment; a path outside the attachments folder is refused."""
    root = _root() / "attachments"
    path = (_root() / relative).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise NotFound(f"attachment {relative!r} not found")
    return path.read_bytes()
