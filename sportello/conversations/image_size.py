"""The width and height a PNG, JPEG, GIF or WebP file declares, read from its first bytes.

The timeline shows an image attachment as a thumbnail with its ``width`` and ``height``
(the page does not jump as images load) and shows a file icon instead when the bytes do not
make a picture: a file whose header cannot be read is corrupted or is not what its name
says. Pure functions over bytes, no imaging library (Pillow is not a dependency).
"""

from __future__ import annotations

import struct

# A JPEG's frame header comes after its EXIF and ICC blocks, each at most 64 KiB.
HEAD_BYTES = 256 * 1024
# Larger than any real picture: a header claiming more is not trusted.
MAX_SIDE = 65_535

# Start-of-frame markers carry the size; C4 (Huffman tables), C8 and CC do not.
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
# Markers with no length field after them.
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD9)})


def image_size(head: bytes) -> tuple[int, int] | None:
    """``(width, height)`` from the first bytes of an image, or ``None`` when they do not
    declare a plausible size (truncated, corrupted, or not one of the four types)."""
    try:
        size = _size(head)
    except (struct.error, IndexError, ValueError):
        return None
    if size is None:
        return None
    width, height = size
    if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
        return None
    return width, height


def _size(head: bytes) -> tuple[int, int] | None:
    if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR":
        width, height = struct.unpack(">II", head[16:24])
        return int(width), int(height)
    if head.startswith((b"GIF87a", b"GIF89a")):
        width, height = struct.unpack("<HH", head[6:10])
        return int(width), int(height)
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return _webp(head)
    if head.startswith(b"\xff\xd8"):
        return _jpeg(head)
    return None


def _webp(head: bytes) -> tuple[int, int] | None:
    chunk = head[12:16]
    if chunk == b"VP8 " and head[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", head[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and head[20:21] == b"\x2f":
        bits = int.from_bytes(head[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X":
        width = int.from_bytes(head[24:27], "little") + 1
        height = int.from_bytes(head[27:30], "little") + 1
        return width, height
    return None


def _jpeg(head: bytes) -> tuple[int, int] | None:
    at = 2
    while at + 4 <= len(head):
        if head[at] != 0xFF:
            return None
        marker = head[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker in _STANDALONE:
            at += 2
            continue
        (length,) = struct.unpack(">H", head[at + 2 : at + 4])
        if length < 2:
            return None
        if marker in _SOF:
            height, width = struct.unpack(">HH", head[at + 5 : at + 9])
            return int(width), int(height)
        if marker == 0xDA:  # start of scan: no frame header before it
            return None
        at += 2 + length
    return None


def fit(size: tuple[int, int], box: tuple[int, int]) -> tuple[int, int]:
    """``size`` scaled down (never up) to fit in ``box``, keeping its proportions."""
    width, height = size
    scale = min(1.0, box[0] / width, box[1] / height)
    return max(1, round(width * scale)), max(1, round(height * scale))
