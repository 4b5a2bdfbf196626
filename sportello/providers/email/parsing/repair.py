"""Repairs to a header block so broken ones still yield their headers.

The stdlib stops reading headers at the first line that is neither a header nor a
continuation, and reads everything after it as body. Two kinds of real mail trip it:
continuation lines that lost their indentation (a long base64 ``X-Brightmail-Tracker``), and
messages saved with a line of junk above the headers (``---- Original email message ----``).
"""

from __future__ import annotations

import re

_HEADER_LINE = re.compile(rb"^[\x21-\x39\x3b-\x7e]{1,100}[ \t]*:")
_SCAN = 256 * 1024
_MAX_JUNK_LINES = 3


def repair_header_block(raw: bytes, warnings: list[str]) -> bytes:
    """``raw`` with its top-level header block made readable, or ``raw`` itself if it was."""
    end = _block_end(raw)
    lines = raw[:end].split(b"\n")
    if not lines:
        return raw
    junk = _leading_junk(lines)
    if junk:
        warnings.append("headers: text above the headers skipped")
        lines = lines[junk:]
    fixed = list(lines)
    changed = False
    last_header = max((i for i, line in enumerate(fixed) if _HEADER_LINE.match(line)), default=0)
    for index in range(1, last_header):
        line = fixed[index]
        if not line.strip(b"\r") or line[:1] in b" \t" or _HEADER_LINE.match(line):
            continue
        fixed[index] = b" " + line
        changed = True
    if changed:
        warnings.append("headers: unindented continuation lines joined")
    if not junk and not changed:
        return raw
    return b"\n".join(fixed) + raw[end:]


def _block_end(raw: bytes) -> int:
    """Index of the line break that ends the header block (or of the scan limit)."""
    limit = min(len(raw), _SCAN)
    candidates = [i for i in (raw.find(b"\n\n", 0, limit), raw.find(b"\n\r\n", 0, limit)) if i >= 0]
    return min(candidates) if candidates else limit


def _leading_junk(lines: list[bytes]) -> int:
    """How many lines above the first header are junk (0 when the first line is a header)."""
    if _HEADER_LINE.match(lines[0]) or lines[0].startswith(b"From "):
        return 0
    for index in range(1, min(len(lines), _MAX_JUNK_LINES + 1)):
        following = lines[index : index + 4]
        headers = sum(1 for line in following if _HEADER_LINE.match(line))
        if _HEADER_LINE.match(lines[index]) and headers >= 2:
            return index
    return 0
