"""Attachment files of messages: ``MEDIA_ROOT/attachments/<workspace>/<sha256>``.

Channel providers and agents' uploads write them (content-addressed, so the same bytes sent
twice, or by two customers, are one file); a message keeps their metadata in
``Message.attachments``. This module stores agents' uploads, tells what a file really is
(from its bytes, never from the sender's label), reads files back for a download or an
export and removes the ones no message needs any more.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Q

from sportello.conversations.image_size import HEAD_BYTES, image_size
from sportello.conversations.models import Message
from sportello.core.errors import InvalidInput, NotFound

log = logging.getLogger(__name__)
CHUNK = 1 << 16
DIGESTS_A_PASS = 100


def _root() -> Path:
    return (Path(settings.MEDIA_ROOT) / "attachments").resolve()


# Images a browser shows as pictures and never runs: served inline and as thumbnails. SVG
# is left out on purpose (it is a document that can carry script), and so is everything
# else: it is downloaded, never shown in our origin.
INLINE_IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
GENERIC_TYPE = "application/octet-stream"
MAX_FILENAME = 180
_NAME_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f\u202a-\u202e\u2066-\u2069\"*:<>?|/\\]")


def sniffed_type(head: bytes) -> str:
    """What the first bytes of a file prove it is; ``application/octet-stream`` when they
    prove nothing. A sender's declared type is never used to decide how a file is served."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return GENERIC_TYPE


def safe_filename(name: str) -> str:
    """A file name safe to show and to put in a header: no folders, no control or
    direction-changing characters, at most ``MAX_FILENAME`` characters."""
    name = _NAME_FORBIDDEN.sub("_", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = " ".join(name.split()).strip(". ")
    if len(name) > MAX_FILENAME:
        _stem, dot, ext = name.rpartition(".")
        keep = ext if dot and len(ext) <= 10 else ""
        name = name[: MAX_FILENAME - len(keep) - 1].rstrip() + ("." + keep if keep else "")
    return name or "allegato"


def store_file(workspace_id: int, content: bytes) -> tuple[str, str]:
    """Store ``content`` (synced, then renamed into place); its sha256 and its path relative
    to ``MEDIA_ROOT``. Written before the transaction of the message that lists it, so a
    committed message never points at a missing file."""
    digest = hashlib.sha256(content).hexdigest()
    relative = f"attachments/{int(workspace_id)}/{digest}"
    path = Path(settings.MEDIA_ROOT).resolve() / relative
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{digest}.{uuid.uuid4().hex}.part")
        with open(partial, "wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial, path)
    return digest, relative


@dataclass(frozen=True)
class Upload:
    """A file an agent attaches to a reply or a note, as the request carried it."""

    filename: str
    content: bytes


def check_upload_sizes(sizes: Sequence[int]) -> None:
    """Refuse files over ``ATTACHMENT_MAX_FILE_BYTES`` each, or over
    ``ATTACHMENT_MAX_REPLY_BYTES`` together (what mail servers commonly accept), or more
    than ``ATTACHMENT_MAX_FILES``."""
    if len(sizes) > settings.ATTACHMENT_MAX_FILES:
        raise InvalidInput(f"at most {settings.ATTACHMENT_MAX_FILES} attachments a message")
    if any(size > settings.ATTACHMENT_MAX_FILE_BYTES for size in sizes):
        raise InvalidInput(
            f"an attachment is larger than {settings.ATTACHMENT_MAX_FILE_BYTES} bytes"
        )
    if sum(sizes) > settings.ATTACHMENT_MAX_REPLY_BYTES:
        raise InvalidInput(
            f"the attachments together are larger than {settings.ATTACHMENT_MAX_REPLY_BYTES} bytes"
        )


def store_uploads(workspace_id: int, uploads: Sequence[Upload]) -> list[dict[str, Any]]:
    """Check and store an agent's files; their metadata for ``Message.attachments``, the
    type sniffed from the bytes."""
    check_upload_sizes([len(u.content) for u in uploads])
    stored = []
    for upload in uploads:
        digest, relative = store_file(workspace_id, upload.content)
        stored.append(
            {
                "filename": safe_filename(upload.filename),
                "content_type": sniffed_type(upload.content[:64]),
                "size": len(upload.content),
                "sha256": digest,
                "path": relative,
            }
        )
    return stored


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


@dataclass(frozen=True)
class Download:
    """A stored attachment as it is served: its file, a safe name, the type its bytes
    prove, and whether a browser may show it in our pages (a safe image) or must save it."""

    path: Path
    filename: str
    content_type: str
    size: int

    @property
    def inline(self) -> bool:
        return self.content_type in INLINE_IMAGE_TYPES


def download_of(workspace_id: int, message_id: int, index: int) -> Download:
    """The ``index``-th attachment of a message of the workspace; ``NotFound`` for another
    workspace's message, an index past the list, or a file never stored (dropped for its
    size) or gone (erased)."""
    attachments = (
        Message.objects.filter(pk=message_id, workspace_id=workspace_id)
        .values_list("attachments", flat=True)
        .first()
    )
    if not isinstance(attachments, list) or not 0 <= index < len(attachments):
        raise NotFound("attachment not found")
    meta = attachments[index]
    path = stored_file(str(meta.get("path") or "")) if isinstance(meta, dict) else None
    if path is None:
        raise NotFound("attachment not found")
    with open(path, "rb") as file:
        head = file.read(64)
    return Download(
        path=path,
        filename=safe_filename(str(meta.get("filename") or "")),
        content_type=sniffed_type(head),
        size=path.stat().st_size,
    )


def picture_size(meta: dict[str, Any]) -> tuple[int, int] | None:
    """The width and height of a stored image attachment as its bytes declare them, or
    ``None`` when it is not a safe image (by its bytes), is missing, or is corrupted: the
    timeline then shows a file, not a broken picture."""
    path = stored_file(str(meta.get("path") or ""))
    if path is None:
        return None
    try:
        with open(path, "rb") as file:
            head = file.read(HEAD_BYTES)
    except OSError:
        return None
    if sniffed_type(head[:64]) not in INLINE_IMAGE_TYPES:
        return None
    return image_size(head)


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
