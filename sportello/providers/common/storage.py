"""Attachment files: content-addressed under ``MEDIA_ROOT/attachments/<workspace>/<sha256>``.

Written (and synced) before the message's ingest transaction, so a committed message never
points at a missing file; the same bytes received twice are stored once. A file whose
message was rolled back stays behind, harmless, and serves the retry.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path

from django.conf import settings

from sportello.core.errors import NotFound


def _root() -> Path:
    return Path(settings.MEDIA_ROOT).resolve()


def store_attachment(workspace_id: int, content: bytes) -> tuple[str, str]:
    """Store ``content``; returns its sha256 and its path relative to ``MEDIA_ROOT``."""
    digest = hashlib.sha256(content).hexdigest()
    relative = f"attachments/{int(workspace_id)}/{digest}"
    path = _root() / relative
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{digest}.{uuid.uuid4().hex}.part")
        with open(partial, "wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial, path)
    return digest, relative


def read_attachment(relative: str) -> bytes:
    """The bytes of a stored attachment; a path outside the attachments folder is refused."""
    root = _root() / "attachments"
    path = (_root() / relative).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise NotFound(f"attachment {relative!r} not found")
    return path.read_bytes()
