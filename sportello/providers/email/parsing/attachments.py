"""Attachments: what a part really contains, and a file name that is safe to show and store.

Mailers label half their attachments ``application/octet-stream`` and some senders label an
executable ``text/plain``; the content type a user and the virus scanner see is sniffed from the
first bytes whenever the declared one is generic or contradicts them.
"""

from __future__ import annotations

import mimetypes
import re
from dataclasses import dataclass

GENERIC_TYPES = {
    "",
    "application/octet-stream",
    "application/x-download",
    "application/force-download",
    "application/download",
    "application/unknown",
    "application/binary",
    "binary/octet-stream",
    "application/x-unknown",
    "unknown/unknown",
    "application/x-msdownload-unknown",
}

# Declared types that are ZIP containers: a ZIP signature confirms them rather than contradicts.
_ZIP_BASED = re.compile(
    r"^application/(zip|x-zip|x-zip-compressed|vnd\.openxmlformats-|vnd\.oasis\.opendocument|"
    r"epub|java-archive|vnd\.android|vnd\.ms-|x-xpinstall|vnd\.apple)"
)
_OLE_BASED = re.compile(r"^application/(msword|vnd\.ms-|vnd\.visio|x-msi|x-ole|cdfv2)")
_MAX_NAME = 180
_NAME_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f\u202a-\u202e\u2066-\u2069\"*:<>?|]")


@dataclass(frozen=True)
class Attachment:
    """One attachment or inline resource of a message.

    ``size`` is the decoded size even when ``dropped`` is true: a part over the message's size
    budget keeps its metadata so an agent knows it existed, but not its bytes.
    """

    filename: str
    content_type: str
    size: int
    content: bytes
    content_id: str | None = None
    is_inline: bool = False
    dropped: bool = False
    declared_content_type: str = ""

    def to_json_dict(self) -> dict[str, object]:
        return {"filename": self.filename, "content_type": self.content_type, "size": self.size}


def sniff_content_type(data: bytes, filename: str = "") -> str | None:
    """The type the first bytes prove, or None when they prove nothing."""
    head = data[:64]
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "image/tiff"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in {b"heic", b"heix", b"mif1", b"heif"}:
            return "image/heic"
        if brand.startswith(b"qt"):
            return "video/quicktime"
        if brand.startswith(b"M4A"):
            return "audio/mp4"
        return "video/mp4"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"ID3") or head[:2] in {b"\xff\xfb", b"\xff\xf3"}:
        return "audio/mpeg"
    if head.startswith(b"PK\x03\x04"):
        return _zip_flavour(data, filename)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return _by_extension(filename) or "application/x-ole-storage"
    if head.startswith(b"\x1f\x8b"):
        return "application/gzip"
    if head.startswith(b"7z\xbc\xaf\x27\x1c"):
        return "application/x-7z-compressed"
    if head.startswith(b"Rar!\x1a\x07"):
        return "application/vnd.rar"
    if head.startswith(b"MZ"):
        return "application/x-msdownload"
    if head.startswith(b"\x7fELF"):
        return "application/x-executable"
    if head.startswith(b"{\\rtf"):
        return "application/rtf"
    text_head = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text_head.startswith(b"<svg") or (text_head.startswith(b"<?xml") and b"<svg" in data[:1024]):
        return "image/svg+xml"
    if text_head.startswith(b"begin:vcard"):
        return "text/vcard"
    if text_head.startswith(b"begin:vcalendar"):
        return "text/calendar"
    return None


def _zip_flavour(data: bytes, filename: str) -> str:
    window = data[:65_536]
    if b"word/" in window:
        return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    if b"xl/" in window:
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    if b"ppt/" in window:
        return "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    if b"mimetypeapplication/vnd.oasis.opendocument." in window:
        start = window.index(b"mimetypeapplication/") + len(b"mimetype")
        return window[start : start + 80].split(b"PK", 1)[0].decode("ascii", "replace")
    extension_type = _by_extension(filename)
    if extension_type and _ZIP_BASED.match(extension_type):
        return extension_type
    return "application/zip"


def _by_extension(filename: str) -> str | None:
    guessed, _ = mimetypes.guess_type(filename, strict=False) if filename else (None, None)
    if guessed is None and filename.lower().endswith(".msg"):
        return "application/vnd.ms-outlook"
    return guessed


def choose_content_type(declared: str, data: bytes, filename: str) -> str:
    """The declared type unless it is generic or the bytes contradict it."""
    declared = declared.lower().strip()
    sniffed = sniff_content_type(data, filename) if data else None
    if sniffed is None:
        if declared in GENERIC_TYPES or "/" not in declared:
            return _by_extension(filename) or "application/octet-stream"
        return declared
    if declared == sniffed:
        return declared
    is_zip = sniffed.startswith("application/vnd.openxmlformats") or sniffed == "application/zip"
    if is_zip and _ZIP_BASED.match(declared):
        return declared
    if sniffed == "application/x-ole-storage" and _OLE_BASED.match(declared):
        return declared
    if sniffed == "image/jpeg" and declared in {"image/jpg", "image/pjpeg"}:
        return sniffed
    return sniffed


def safe_filename(name: str | None, content_type: str, fallback_stem: str = "attachment") -> str:
    """A file name without directories, control characters or bidi tricks; never empty.

    ``invoice\\u202egpj.exe`` (right-to-left override) or ``../../etc/passwd`` must not reach
    an agent's download dialog or a storage path.
    """
    cleaned = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _NAME_FORBIDDEN.sub("", cleaned)
    cleaned = " ".join(cleaned.split()).strip(" .")
    if len(cleaned) > _MAX_NAME:
        stem, dot, extension = cleaned.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            cleaned = f"{stem[: _MAX_NAME - len(extension) - 1]}.{extension}"
        else:
            cleaned = cleaned[:_MAX_NAME]
    if cleaned:
        return cleaned
    if content_type == "message/rfc822":
        return f"{fallback_stem}.eml"
    extension = mimetypes.guess_extension(content_type, strict=False) or ".bin"
    return f"{fallback_stem}{extension}"
