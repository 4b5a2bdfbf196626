"""Attachment files of messages: ``MEDIA_ROOT/attachments/<workspace>/<sha256>``.

Channel providers write them (content-addressed, so the same bytes sent twice, or by two
customers, are one file); a message keeps their metadata in ``Message.attachments``. This
module reads them back for an export and removes the ones no message needs any more.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Q

from sportello.conversations.models import Message

log = logging.getLogger(__name__)
CHUNK = 1 << 16
DIGESTS_A_PASS = 100


def _root() -> Path:
    return (Path(settings.MEDIA_ROOT) / "attachments").resolve()


def stored_file(relative: str) -> Path | None:
    """The file of an attachment's ``path``, or ``None`` when it is missing or the path
    leads out of the attachments folder (metadata came from outside once)."""
    try:
        path = (Path(settings.MEDIA_ROOT) / relative).resolve()
    except (OSError, ValueError):
        return None
    if not path.is_relative_to(_root()) or not path.is_file():
        return None
    return path


def read_chunks(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as file:
        while chunk := file.read(CHUNK):
            yield chunk


def paths_of(attachments: Iterable[dict[str, Any]]) -> set[str]:
    return {str(a["path"]) for a in attachments if isinstance(a, dict) and a.get("path")}


def remove_unreferenced(workspace_id: int, paths: Iterable[str]) -> int:
    """Delete the files of ``paths`` that no message of the workspace still lists (an
    identical file another customer sent stays). Run after the commit that dropped them
    from their messages, so a rolled-back erasure loses no file. How many were deleted.

    Which files are still listed is read in one pass over the workspace's messages for
    up to ``DIGESTS_A_PASS`` files (no index serves a look inside the JSON), not one a
    file."""
    by_digest = {Path(p).name: p for p in set(paths)}
    removed = 0
    digests = sorted(by_digest)
    for start in range(0, len(digests), DIGESTS_A_PASS):
        group = digests[start : start + DIGESTS_A_PASS]
        listing = Q()
        for digest in group:
            listing |= Q(attachments__icontains=digest)
        still_listed: set[str] = set()
        rows = Message.objects.filter(listing, workspace_id=workspace_id).values_list(
            "attachments", flat=True
        )
        for attachments in rows.iterator(chunk_size=500):
            still_listed |= {Path(p).name for p in paths_of(attachments or [])}
        for digest in group:
            path = stored_file(by_digest[digest])
            if digest in still_listed or path is None:
                continue
            try:
                path.unlink()
                removed += 1
            except OSError:
                log.exception("could not delete attachment file %s", by_digest[digest])
    return removed
