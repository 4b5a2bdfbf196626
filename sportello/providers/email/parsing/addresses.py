"""A tolerant reader for address headers (From, To, Cc, Reply-To).

``email.utils.getaddresses`` either rejects real-world headers or splits them in the wrong
place: an encoded display name that hides a comma (``=?iso-8859-1?Q?B=FCrling,=20Andreas?=``),
``@`` in an unquoted display name, two bare addresses separated by a space, old
``address (Name)`` comments. This reader protects encoded words before it tokenises, so text
decoded from them can never change where one address ends, and keeps whatever it could read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .charsets import decode_with_hints
from .headers import (
    ENCODED_WORD,
    MAX_HEADER_CHARS,
    RawHeaders,
    decode_header_text,
    raw_bytes,
    single_line,
    split_unquoted,
    unfold,
)

_PLACEHOLDER = re.compile("\ue000(\\d+)\ue001")
_PLACEHOLDER_SPLIT = re.compile("(\ue000\\d+\ue001)")
# A raw 8-bit byte, as the compat32 parser hands it over (a surrogate escape).
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")
_LOCAL_PART_FORBIDDEN = re.compile(r"[\s@<>\"(),;:\\\[\]\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Mailbox:
    """One address as read from a header; ``email`` may lack an ``@`` in broken headers."""

    name: str
    email: str

    @property
    def has_domain(self) -> bool:
        return "@" in self.email and not self.email.startswith("@")


def parse_address_list(
    value: str | None, hints: list[str], warnings: list[str], where: str
) -> list[Mailbox]:
    """Every mailbox in an address header, in order; never raises."""
    if not value:
        return []
    # The private-use characters that mark protected words cannot come from the sender.
    value = unfold(value)[:MAX_HEADER_CHARS].replace("\ue000", "").replace("\ue001", "")
    words: list[str] = []

    def protect(match: re.Match[str]) -> str:
        words.append(match.group(0))
        return f"\ue000{len(words) - 1}\ue001"

    protected = ENCODED_WORD.sub(protect, value)
    mailboxes: list[Mailbox] = []
    for chunk in _merge_name_fragments(_split_top_level(protected)):
        for name, email in _read_chunk(chunk):
            display = _restore(name, words, hints, warnings, where)
            mailboxes.append(
                Mailbox(single_line(display), _read_email(email, words, hints, warnings, where))
            )
    return [box for box in mailboxes if box.email or box.name]


def choose_sender(headers: RawHeaders, hints: list[str], warnings: list[str]) -> tuple[str, str]:
    """The address to answer and the sender's name.

    The first From mailbox with a domain; if From has none (missing, ``<>``, ``[??????]``),
    Reply-To, Sender and Return-Path in that order; a bare local name such as
    ``MAILER-DAEMON`` only when nothing better exists.
    """
    from_boxes: list[Mailbox] = []
    from_headers = headers.get_all("from")
    for value in from_headers:
        from_boxes.extend(parse_address_list(value, hints, warnings, "from"))
    if len(from_headers) > 1:
        warnings.append(f"from: {len(from_headers)} From headers; the first usable one was used")
    usable = [box for box in from_boxes if box.has_domain]
    if len(usable) > 1:
        warnings.append("from: several addresses in From; the first was used")
    if usable:
        return usable[0].email, usable[0].name
    for name in ("reply-to", "sender", "return-path"):
        for value in headers.get_all(name):
            boxes = [b for b in parse_address_list(value, hints, warnings, name) if b.has_domain]
            if boxes:
                warnings.append(f"from: no usable address in From; {name} used")
                return boxes[0].email, boxes[0].name
    named = [box for box in from_boxes if box.email]
    if named:
        return named[0].email, named[0].name
    if from_boxes:
        return "", from_boxes[0].name
    warnings.append("from: no sender address")
    return "", ""


def header_emails(
    headers: RawHeaders, name: str, hints: list[str], warnings: list[str]
) -> list[str]:
    """Every address (with a domain) in every ``name`` header, in order, once each."""
    emails: dict[str, None] = {}
    for value in headers.get_all(name):
        for box in parse_address_list(value, hints, warnings, name):
            if box.has_domain:
                emails.setdefault(box.email, None)
    return list(emails)


def _split_top_level(value: str) -> list[str]:
    """Split on commas and semicolons outside quotes, comments and angle brackets.

    Group syntax (``Team: a@x, b@y;``) loses its label: the label names no mailbox.
    """
    chunks: list[str] = []
    current: list[str] = []
    in_quote = escaped = seen_address = False
    comment = angle = 0
    for char in value:
        if escaped:
            escaped = False
        elif char == "\\" and (in_quote or comment):
            escaped = True
        elif in_quote:
            in_quote = char != '"'
        elif char == '"' and not comment:
            in_quote = True
        elif char == "(":
            comment += 1
        elif char == ")" and comment:
            comment -= 1
        elif comment:
            pass
        elif char == "<":
            angle += 1
            seen_address = True
        elif char == ">" and angle:
            angle -= 1
        elif not angle and char in ",;":
            chunks.append("".join(current))
            current = []
            seen_address = False
            continue
        elif char == "@":
            seen_address = True
        elif not angle and char == ":" and not seen_address:
            current = []  # a group label
            continue
        current.append(char)
    chunks.append("".join(current))
    return [chunk.strip() for chunk in chunks if chunk.strip()]


def _merge_name_fragments(chunks: list[str]) -> list[str]:
    """Re-join ``Rossi, Mario <m@x>``, which the comma split into a name and an address."""
    merged: list[str] = []
    pending: list[str] = []
    for chunk in chunks:
        if "@" not in chunk and "<" not in chunk and "(" not in chunk:
            pending.append(chunk)
            continue
        if pending and "<" in chunk and not chunk.lstrip().startswith("<"):
            chunk = ", ".join([*pending, chunk])
        else:
            merged.extend(pending)
        pending = []
        merged.append(chunk)
    merged.extend(pending)
    return merged


def _read_chunk(chunk: str) -> list[tuple[str, str]]:
    """(display name, address) pairs in one top-level chunk, comments used as fallback names.

    A malformed mailbox (``Test test@example.com``, ``"Lottery"@example.com>``) keeps the
    best-guess address, and shows the header as written for a name: what the sender wrote is
    more honest in the agent's screen than our guess at a display name.
    """
    text, comments = _remove_comments(chunk)
    comment = " ".join(c for c in comments if c.strip())
    open_at = _find_unquoted(text, "<")
    if open_at >= 0:
        close_at = text.find(">", open_at)
        email = text[open_at + 1 : close_at if close_at >= 0 else len(text)]
        name = _unquote(text[:open_at].strip())
        return [(name or comment, email.strip())]
    words = _split_words(text)
    with_at = [word for word in words if "@" in word]
    malformed = len(words) > 1 or _find_unquoted(text, ">") >= 0
    if len(with_at) == 1:
        if malformed and not comment:
            shown = _unquote(text)
            return [("" if shown == with_at[0] else shown, _guess_address(words))]
        others = [_unquote(word) for word in words if word is not with_at[0]]
        return [(" ".join(others) or comment, with_at[0])]
    if with_at:
        return [("", word) for word in with_at]
    if len(words) == 1:
        return [(comment, words[0])]
    return [(_unquote(" ".join(words)) or comment, "")]


def _guess_address(words: list[str]) -> str:
    """The address among the words of a malformed mailbox: the one with an ``@``."""
    return next(word for word in words if "@" in word)


def _remove_comments(chunk: str) -> tuple[str, list[str]]:
    kept: list[str] = []
    comments: list[str] = []
    current: list[str] = []
    in_quote = escaped = False
    depth = 0
    for char in chunk:
        if depth:
            if escaped:
                escaped = False
                current.append(char)
            elif char == "\\":
                escaped = True
            elif char == "(":
                depth += 1
                current.append(char)
            elif char == ")":
                depth -= 1
                if depth:
                    current.append(char)
                else:
                    comments.append("".join(current))
                    current = []
                    kept.append(" ")
            else:
                current.append(char)
            continue
        if escaped:
            escaped = False
        elif in_quote and char == "\\":
            escaped = True
        elif char == '"':
            in_quote = not in_quote
        elif char == "(" and not in_quote:
            depth = 1
            continue
        kept.append(char)
    if current:
        comments.append("".join(current))
    return "".join(kept), comments


def _find_unquoted(text: str, target: str) -> int:
    in_quote = escaped = False
    for index, char in enumerate(text):
        if escaped:
            escaped = False
        elif char == "\\" and in_quote:
            escaped = True
        elif char == '"':
            in_quote = not in_quote
        elif char == target and not in_quote:
            return index
    return -1


def _split_words(text: str) -> list[str]:
    """Whitespace-separated words; a quoted string stays inside the word it belongs to."""
    return [word for word in split_unquoted(text, str.isspace) if word]


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        text = re.sub(r"\\(.)", r"\1", text[1:-1])
    return text.replace('"', "").strip()


def _restore(text: str, words: list[str], hints: list[str], warnings: list[str], where: str) -> str:
    """Put the protected encoded words back and decode the whole display name."""
    restored = _PLACEHOLDER.sub(lambda m: words[int(m.group(1))], text)
    return decode_header_text(restored, hints, warnings, where)


def _read_email(
    text: str, words: list[str], hints: list[str], warnings: list[str], where: str
) -> str:
    """The address itself: encoded words are decoded only into a harmless local part.

    RFC 2047 forbids encoded words in an address. Some senders use them to make
    ``=?utf-8?Q?agent?=@example.com`` look like an agent's address; the decoded form is kept
    only if it cannot carry a second ``@``, spaces or brackets, else the raw text is kept.
    Raw 8-bit bytes (UTF-8 as RFC 6532 allows, or an undeclared Latin-1 ``k.g\xfcnther``)
    are decoded like those of any header, so no undecoded byte leaves the parser.
    """
    text = text.strip().strip("\x00")
    if text.lower().startswith("mailto:"):
        text = text[7:]
    if _ESCAPED_BYTE.search(text):
        text = "".join(
            part
            if _PLACEHOLDER.fullmatch(part) or not _ESCAPED_BYTE.search(part)
            else decode_with_hints(raw_bytes(part), hints, warnings, where)
            for part in _PLACEHOLDER_SPLIT.split(text)
        )
    if "\ue000" not in text:
        return single_line(text)
    raw = _PLACEHOLDER.sub(lambda m: words[int(m.group(1))], text)
    local, at, domain = raw.rpartition("@")
    if not at:
        return single_line(raw)
    decoded_local = decode_header_text(local, [], [], where)
    warnings.append(f"{where}: encoded word inside an address")
    if _LOCAL_PART_FORBIDDEN.search(decoded_local) or not decoded_local:
        return single_line(raw)
    return single_line(f"{decoded_local}@{domain}")
