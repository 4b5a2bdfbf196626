"""Undoing Content-Transfer-Encoding leniently: base64 with garbage, broken quoted-printable,
uuencode, and the many misspelt encoding names real mailers write."""

from __future__ import annotations

import binascii
import re

from .headers import lenient_b64decode

_NAMES = {
    "base64": "base64",
    "b64": "base64",
    "quoted-printable": "quoted-printable",
    "quotedprintable": "quoted-printable",
    "qp": "quoted-printable",
    "x-uuencode": "uuencode",
    "uuencode": "uuencode",
    "x-uue": "uuencode",
    "uue": "uuencode",
}
_IDENTITY = {"", "7bit", "8bit", "binary", "7-bit", "8-bit", "8bits", "7bits", "none", "plain"}
_UU_BEGIN = re.compile(rb"^begin[ \t]+[0-7]{3,4}[ \t]+(.*?)[ \t\r]*$", re.MULTILINE)
_UU_END = re.compile(rb"^end[ \t\r]*$", re.MULTILINE)


def normalise_cte(value: str | None, warnings: list[str]) -> str:
    """``base64``, ``quoted-printable``, ``uuencode`` or ``identity`` for a header value."""
    if not value:
        return "identity"
    name = value.strip().strip("\"'").lower()
    name = re.split(r"[\s;,]", name, maxsplit=1)[0] if name else name
    if name in _NAMES:
        return _NAMES[name]
    if name not in _IDENTITY:
        warnings.append(f"body: unknown Content-Transfer-Encoding {value.strip()[:40]!r}")
    return "identity"


def decode_payload(data: bytes, cte: str, warnings: list[str]) -> bytes:
    """Decoded bytes of one part; undecodable input is returned as it came, with a warning."""
    if cte == "base64":
        return lenient_b64decode(data)
    if cte == "quoted-printable":
        try:
            return binascii.a2b_qp(data)
        except (binascii.Error, ValueError):
            warnings.append("body: broken quoted-printable; kept as is")
            return data
    if cte == "uuencode":
        decoded = uudecode(data)
        if decoded is None:
            warnings.append("body: broken uuencode; kept as is")
            return data
        return decoded[1]
    return data


def uudecode(data: bytes) -> tuple[str, bytes] | None:
    """(file name, content) of the first uuencoded block in ``data``.

    Parts sent as ``x-uuencode`` sometimes lack the ``begin`` line: then every line is data.
    Lines that do not decode are repaired or skipped rather than aborting, because uuencoded
    mail has often been through servers that strip trailing spaces. None if nothing decodes.
    """
    match = _UU_BEGIN.search(data)
    name = match.group(1).decode("latin-1") if match else ""
    chunks: list[bytes] = []
    for line in data[match.end() if match else 0 :].split(b"\n"):
        line = line.rstrip(b"\r")
        if line.strip() == b"end":
            break
        if not line.strip():
            continue
        try:
            chunks.append(binascii.a2b_uu(line))
        except binascii.Error:
            # Stripped trailing spaces: pad to the length the first byte announces.
            length = ((line[0] - 32) & 63) * 4 // 3 + 2
            try:
                chunks.append(binascii.a2b_uu(line.ljust(length)))
            except binascii.Error:
                continue
    decoded = b"".join(chunks)
    if not decoded and match is None:
        return None
    return name, decoded


def find_uuencoded_blocks(text: bytes) -> list[tuple[int, int, str, bytes]]:
    """(start, end, file name, content) of each uuencoded block inside a plain-text body."""
    blocks: list[tuple[int, int, str, bytes]] = []
    position = 0
    while True:
        match = _UU_BEGIN.search(text, position)
        if match is None:
            return blocks
        end_match = _UU_END.search(text, match.end())
        if end_match is None:
            return blocks
        decoded = uudecode(text[match.start() : end_match.end()])
        if decoded is not None and decoded[1]:
            blocks.append((match.start(), end_match.end(), decoded[0], decoded[1]))
        position = end_match.end()
