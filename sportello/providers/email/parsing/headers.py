"""Reading header values: RFC 2047 encoded words, raw 8-bit bytes, dates, Message-IDs.

The stdlib's ``email.policy.default`` raises on some malformed headers and
``email.header.decode_header`` mangles raw 8-bit bytes, so header text is decoded here from the
raw values kept by the ``compat32`` parser (8-bit bytes arrive as surrogate escapes). Nothing in
this module raises on bad input: problems become warnings and the best readable value.
"""

from __future__ import annotations

import binascii
import re
import urllib.parse
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from email.message import Message
from email.utils import parsedate_to_datetime, parsedate_tz

from .charsets import decode_text, decode_with_hints

# Longest header value decoded; longer values are cut (a warning says so). Keeps the regexes
# below linear in practice even on hostile input.
MAX_HEADER_CHARS = 16_384

# Text may contain "?" when it is not followed by "=" (seen in spoofing attempts such as
# "=?utf-8?Q?attacker?Q?agent?=@victim.example"); a lazy, bounded match stops at the first "?=".
ENCODED_WORD = re.compile(
    r"=\?(?P<charset>[^?\s]{1,60})\?(?P<encoding>[QqBb])\?(?P<text>(?:[^?\r\n]|\?(?!=)){0,1000}?)\?="
)
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_WHITESPACE = re.compile(r"[\s\x00-\x1f\x7f\x85\u2028\u2029]+")
_MSGID = re.compile(r"<([^<>\s]{1,900})>")
_B64_JUNK = re.compile(rb"[^A-Za-z0-9+/]")


class RawHeaders:
    """Case-insensitive access to the raw header values of one MIME entity, in order."""

    def __init__(self, message: Message) -> None:
        self._items: dict[str, list[str]] = {}
        for name, value in message.raw_items():
            if isinstance(value, str):
                self._items.setdefault(name.strip().lower(), []).append(value)

    def get_all(self, name: str) -> list[str]:
        return self._items.get(name.lower(), [])

    def first(self, name: str) -> str | None:
        values = self.get_all(name)
        return values[0] if values else None

    def __contains__(self, name: str) -> bool:
        return name.lower() in self._items


def unfold(value: str) -> str:
    """Undo header folding (CRLF followed by whitespace) as RFC 5322 section 2.2.3 says."""
    return _FOLD.sub("", value)


def raw_bytes(text: str) -> bytes:
    """The original bytes of a string decoded with ``surrogateescape`` by the MIME parser."""
    try:
        return text.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape")


def decode_header_text(value: str | None, hints: list[str], warnings: list[str], where: str) -> str:
    """Decode a free-text header (Subject, display names) to a str; never raises.

    Encoded words are decoded with their own charset; whitespace between two encoded words is
    dropped (RFC 2047 section 6.2) and consecutive words in one charset are joined before
    decoding, because mailers split multi-byte characters across words. Raw 8-bit bytes are
    decoded with ``hints``, the charsets the message declares elsewhere.
    """
    if not value:
        return ""
    value = unfold(value)
    if len(value) > MAX_HEADER_CHARS:
        warnings.append(f"{where}: header longer than {MAX_HEADER_CHARS} characters; cut")
        value = value[:MAX_HEADER_CHARS]
    pieces: list[tuple[str | None, bytes]] = []  # (charset, bytes); charset None = plain text
    position = 0
    for match in ENCODED_WORD.finditer(value):
        gap = value[position : match.start()]
        after_word = bool(pieces) and pieces[-1][0] is not None
        if gap and not (after_word and gap.isspace()):
            pieces.append((None, raw_bytes(gap)))
        charset = match["charset"].split("*", 1)[0]
        data = _decode_word(match["encoding"], match["text"], warnings, where)
        if pieces and pieces[-1][0] is not None and pieces[-1][0].lower() == charset.lower():
            pieces[-1] = (pieces[-1][0], pieces[-1][1] + data)
        else:
            pieces.append((charset, data))
        position = match.end()
    if position < len(value):
        pieces.append((None, raw_bytes(value[position:])))
    parts = []
    for charset, data in pieces:
        if charset is None:
            parts.append(_decode_plain(data, hints, warnings, where))
        else:
            parts.append(decode_text(data, charset, warnings, where))
    return "".join(parts)


def _decode_plain(data: bytes, hints: list[str], warnings: list[str], where: str) -> str:
    if data.isascii():
        return data.decode("ascii")
    return decode_with_hints(data, hints, warnings, where)


def _decode_word(encoding: str, text: str, warnings: list[str], where: str) -> bytes:
    data = raw_bytes(text)
    if encoding in "Bb":
        return lenient_b64decode(data)
    try:
        return binascii.a2b_qp(data, header=True)
    except (binascii.Error, ValueError):
        warnings.append(f"{where}: broken quoted-printable encoded word")
        return data


def lenient_b64decode(data: bytes) -> bytes:
    """Base64 that tolerates junk characters, missing or extra padding and a dangling byte."""
    cleaned = _B64_JUNK.sub(b"", data)
    if len(cleaned) % 4 == 1:
        cleaned = cleaned[:-1]
    cleaned += b"=" * (-len(cleaned) % 4)
    try:
        return binascii.a2b_base64(cleaned)
    except (binascii.Error, ValueError):
        return b""


def single_line(value: str) -> str:
    """One line of text: control characters and line breaks become spaces, runs collapse."""
    return _WHITESPACE.sub(" ", value).strip()


def safe_header_value(value: str | None, max_length: int = 998) -> str:
    """A value that can be put in an outgoing header without starting a new one.

    CR, LF, NUL and every other control or Unicode line-separator character are removed and
    whitespace collapsed, so a customer's subject such as ``"Hi\\r\\nBcc: all@x"`` cannot
    inject a header into our reply. ``max_length`` keeps the line within RFC 5322's limit.
    """
    if not value:
        return ""
    return single_line(str(value))[:max_length].rstrip()


def parse_message_ids(values: Iterable[str], limit: int = 100) -> list[str]:
    """Message-IDs in ``<...>`` form, in order, without duplicates.

    Mailers that forget the angle brackets get them added. Very long References headers keep
    the first id (the thread root) and the last ``limit - 1`` ids, as RFC 5322 suggests.
    """
    found: list[str] = []
    seen: set[str] = set()
    for value in values:
        value = unfold(value)[: MAX_HEADER_CHARS * 4]
        ids = _MSGID.findall(value)
        if not ids:
            ids = [token.strip("<>\"'(),;") for token in value.split()]
            ids = [token for token in ids if "@" in token and len(token) <= 900]
        for msgid in ids:
            msgid = raw_bytes(msgid).decode("utf-8", "replace")
            if msgid not in seen:
                seen.add(msgid)
                found.append(f"<{msgid}>")
    if len(found) > limit:
        found = [found[0], *found[-(limit - 1) :]]
    return found


def parse_date(value: str | None, warnings: list[str]) -> datetime | None:
    """The Date header as an aware UTC datetime, or None (with a warning) if unreadable."""
    if not value or not value.strip():
        return None
    text = single_line(unfold(value))[:200]
    parsed: datetime | None
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        parsed = _date_from_parts(text)
    if parsed is None:
        warnings.append(f"date: unreadable Date header {text[:60]!r}")
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        warnings.append(f"date: Date header out of range {text[:60]!r}")
        return None


def _date_from_parts(text: str) -> datetime | None:
    """Second chance for dates the stdlib rejects (hour 24, second 60, odd zones)."""
    try:
        parts = parsedate_tz(text)
    except (TypeError, ValueError, IndexError):
        return None
    if not parts:
        return None
    year, month, day, hour, minute, second = parts[:6]
    offset = parts[9] or 0
    try:
        base = datetime(year, month, day, tzinfo=UTC)
    except (ValueError, OverflowError):
        return None
    if not (0 <= hour <= 24 and 0 <= minute <= 59 and 0 <= second <= 60):
        return None
    seconds = hour * 3600 + minute * 60 + second - offset
    return datetime.fromtimestamp(base.timestamp() + seconds, UTC)


_RFC2231_NAME = re.compile(r"^(?P<name>[^*]+)(?:\*(?P<index>\d{1,3}))?(?P<encoded>\*)?$")


def parse_params(
    value: str | None, hints: list[str], warnings: list[str]
) -> tuple[str, dict[str, str]]:
    """The main value and the decoded parameters of Content-Type / Content-Disposition.

    Handles quoted values, RFC 2231 (``filename*=utf-8''...``, ``filename*0*=``
    continuations), encoded words inside quotes (not allowed, but what most mailers send) and
    raw 8-bit file names. Parameter names are lower-cased; the first occurrence wins.
    """
    if not value:
        return "", {}
    segments = split_unquoted(unfold(value)[:MAX_HEADER_CHARS], lambda c: c == ";")
    main = segments[0].strip().strip("\"'").lower() if segments else ""
    simple: dict[str, str] = {}
    continued: dict[str, dict[int, tuple[str, bool]]] = {}
    for segment in segments[1:]:
        name, equals, raw_value = segment.partition("=")
        if not equals:
            continue
        name = name.strip().lower()
        text = _unquote_param(raw_value.strip())
        match = _RFC2231_NAME.match(name)
        if match and (match["index"] is not None or match["encoded"]):
            parts = continued.setdefault(match["name"], {})
            parts.setdefault(int(match["index"] or 0), (text, bool(match["encoded"])))
        elif name not in simple:
            simple[name] = text
    params = {
        name: decode_header_text(text, hints, warnings, name) for name, text in simple.items()
    }
    for name, parts in continued.items():
        decoded = _join_rfc2231(parts, hints, warnings, name)
        if decoded:
            params[name] = decoded  # the RFC 2231 form is the more precise one
    return main, params


def split_unquoted(text: str, is_separator: Callable[[str], bool]) -> list[str]:
    """``text`` cut at each separator character outside double quotes (a backslash escapes
    inside quotes); empty segments are kept."""
    segments: list[str] = []
    current: list[str] = []
    in_quote = escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif char == "\\" and in_quote:
            escaped = True
        elif char == '"':
            in_quote = not in_quote
        elif not in_quote and is_separator(char):
            segments.append("".join(current))
            current = []
            continue
        current.append(char)
    segments.append("".join(current))
    return segments


def _unquote_param(text: str) -> str:
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    return text.strip('"')


def _join_rfc2231(
    parts: dict[int, tuple[str, bool]], hints: list[str], warnings: list[str], where: str
) -> str:
    charset: str | None = None
    data = bytearray()
    for position, (_index, (text, encoded)) in enumerate(sorted(parts.items())):
        if position == 0 and encoded and text.count("'") >= 2:
            charset, _language, text = text.split("'", 2)
        if encoded:
            data += urllib.parse.unquote_to_bytes(raw_bytes(text))
        else:
            data += raw_bytes(text)
    if charset:
        return decode_text(bytes(data), charset, warnings, where)
    return (
        decode_with_hints(bytes(data), hints, warnings, where)
        if not data.isascii()
        else (decode_header_text(data.decode("ascii"), hints, warnings, where))
    )
