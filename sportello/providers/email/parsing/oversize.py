"""Keeping huge messages cheap: oversized parts are cut out before the MIME parser runs.

The stdlib parser holds a message as a list of lines, joins them again and decodes base64 into
yet another copy: a 100 MB attachment costs several hundred megabytes. When a message is over
the size budget, its MIME structure is found here with ``bytes.find`` (boundaries, header
blocks), and the bodies that do not fit are replaced by nothing plus a private header that
records their size. The parser then sees a small message; the attachment keeps its name, type
and size but not its bytes.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

_HEADER_SCAN = 256 * 1024  # a header block longer than this is not a header block
_BOUNDARY = re.compile(rb'boundary\s*=\s*(?:"([^"\r\n]{1,200})"|([^\s;"]{1,200}))', re.IGNORECASE)
_CONTENT_TYPE = re.compile(rb"^content-type\s*:\s*([^\s;]+)", re.IGNORECASE | re.MULTILINE)
_ENCODING = re.compile(rb"^content-transfer-encoding\s*:\s*([^\s;]+)", re.IGNORECASE | re.MULTILINE)
_MAX_ENTITIES = 10_000


@dataclass
class _Leaf:
    header_end: int  # where the blank line that ends the headers starts
    body_start: int
    body_end: int
    is_text: bool
    is_base64: bool


def elide_oversized_parts(raw: bytes, max_bytes: int, warnings: list[str], marker: str) -> bytes:
    """``raw`` with the bodies that exceed ``max_bytes`` (together) removed.

    Text parts are kept first, then attachments in order while they fit. ``marker`` is the
    header name recording each removed body's approximate decoded size.
    """
    if len(raw) <= max_bytes:
        return raw
    view = memoryview(raw)
    leaves: list[_Leaf] = []
    _scan_entity(raw, 0, len(raw), leaves, depth=0)
    budget = max_bytes
    cuts: list[tuple[_Leaf, int]] = []  # (leaf, bytes of its body kept)
    for leaf in sorted(leaves, key=lambda item: not item.is_text):
        size = leaf.body_end - leaf.body_start
        if size <= budget:
            budget -= size
        elif leaf.is_text and budget > 0:
            # The beginning of a huge text body is still worth reading.
            keep = raw.rfind(b"\n", leaf.body_start, leaf.body_start + budget) - leaf.body_start
            cuts.append((leaf, max(keep, 0)))
            budget = 0
        else:
            cuts.append((leaf, 0))
    if not cuts:
        return _truncate(raw, max_bytes, warnings)
    pieces: list[bytes | memoryview] = []
    position = 0
    for leaf, keep in sorted(cuts, key=lambda item: item[0].body_start):
        if keep:
            pieces.append(view[position : leaf.body_start + keep])
            warnings.append(f"message over {max_bytes} bytes: a text part was cut to {keep} bytes")
        else:
            size = _decoded_size(raw, leaf)
            pieces.append(view[position : leaf.header_end])
            pieces.append(f"\n{marker}: {size}".encode("ascii"))
            pieces.append(view[leaf.header_end : leaf.body_start])
            warnings.append(f"message over {max_bytes} bytes: a part of about {size} bytes dropped")
        position = leaf.body_end
    pieces.append(view[position:])
    reduced = b"".join(pieces)
    if len(reduced) > max_bytes + len(cuts) * 200:
        return _truncate(reduced, max_bytes, warnings)
    return reduced


def _truncate(raw: bytes, max_bytes: int, warnings: list[str]) -> bytes:
    warnings.append(f"message over {max_bytes} bytes and not splittable: truncated")
    return raw[:max_bytes]


def _scan_entity(raw: bytes, start: int, end: int, leaves: list[_Leaf], depth: int) -> None:
    """Record the leaves of the entity (headers and body) between ``start`` and ``end``."""
    if depth > 40 or len(leaves) > _MAX_ENTITIES:
        return
    header_end, body_start = _header_block(raw, start, end)
    headers = raw[start:header_end]
    type_match = _CONTENT_TYPE.search(headers)
    content_type = type_match.group(1).lower() if type_match else b"text/plain"
    if content_type.startswith(b"multipart/"):
        boundary_match = _BOUNDARY.search(headers)
        if boundary_match:
            boundary = boundary_match.group(1) or boundary_match.group(2)
            children = _children(raw, body_start, end, boundary)
            if children:
                for child_start, child_end in children:
                    _scan_entity(raw, child_start, child_end, leaves, depth + 1)
                return
    if content_type == b"message/rfc822":
        _scan_entity(raw, body_start, end, leaves, depth + 1)
        return
    encoding = _ENCODING.search(headers)
    leaves.append(
        _Leaf(
            header_end=header_end,
            body_start=body_start,
            body_end=end,
            is_text=content_type.startswith(b"text/") and b"filename" not in headers.lower(),
            is_base64=bool(encoding and encoding.group(1).lower() == b"base64"),
        )
    )


def _header_block(raw: bytes, start: int, end: int) -> tuple[int, int]:
    """(end of headers, start of body) of the entity at ``start``."""
    if raw.startswith((b"\n", b"\r\n"), start):
        return start, start + (1 if raw[start : start + 1] == b"\n" else 2)
    limit = min(end, start + _HEADER_SCAN)
    candidates = [
        (found, found + len(separator))
        for separator in (b"\n\n", b"\n\r\n")
        if (found := raw.find(separator, start, limit)) >= 0
    ]
    if not candidates:
        return start, start
    header_end, body_start = min(candidates)
    return header_end, body_start


def _children(raw: bytes, start: int, end: int, boundary: bytes) -> list[tuple[int, int]]:
    """Byte ranges of the parts between the delimiter lines of ``boundary``."""
    delimiter = b"--" + boundary
    positions: list[tuple[int, int, bool]] = []  # (line start, line end, is closing)
    search_from = start
    while search_from < end and len(positions) < _MAX_ENTITIES:
        found = raw.find(delimiter, search_from, end)
        if found < 0:
            break
        at_line_start = found == start or raw[found - 1 : found] == b"\n"
        line_end = raw.find(b"\n", found, end)
        line_end = end if line_end < 0 else line_end + 1
        if at_line_start:
            closing = raw[found + len(delimiter) : found + len(delimiter) + 2] == b"--"
            positions.append((found, line_end, closing))
            if closing:
                break
        search_from = line_end
    parts = []
    for (_, line_end, closing), following in itertools.pairwise(positions):
        if closing:
            break
        part_end = following[0]
        # The line break before a delimiter belongs to the delimiter.
        if raw[part_end - 2 : part_end] == b"\r\n":
            part_end -= 2
        elif raw[part_end - 1 : part_end] == b"\n":
            part_end -= 1
        parts.append((line_end, max(line_end, part_end)))
    if positions and not positions[-1][2]:
        parts.append((positions[-1][1], end))
    return parts


def _decoded_size(raw: bytes, leaf: _Leaf) -> int:
    size = leaf.body_end - leaf.body_start
    if not leaf.is_base64:
        return size
    line_breaks = raw.count(b"\n", leaf.body_start, leaf.body_end)
    returns = raw.count(b"\r", leaf.body_start, leaf.body_end)
    return max(0, (size - line_breaks - returns) * 3 // 4)
