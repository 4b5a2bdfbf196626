"""Walking the MIME tree: which parts are the body a person wrote, which are attachments.

* ``multipart/alternative`` gives one plain and one HTML version: the first plain child and
  the last HTML child (the most faithful one) are kept;
* ``multipart/mixed``, ``related``, ``report``, ``signed`` and unknown multiparts concatenate
  their inline text parts in order (Apple Mail interleaves text and pictures);
* a text part is body unless it is ``Content-Disposition: attachment`` or carries a file name;
* ``message/rfc822`` parts are attachments (``.eml``), never merged into the body: a forwarded
  or bounced message is not what the sender wrote;
* nesting deeper than :data:`MAX_DEPTH` is not followed, with a warning.

Attachments share one byte budget; once spent, later attachments keep their metadata only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from email.generator import BytesGenerator
from email.message import Message
from io import BytesIO

from .attachments import Attachment, choose_content_type, safe_filename
from .charsets import decode_text
from .headers import RawHeaders, decode_header_text, parse_params, raw_bytes, single_line
from .transfer_encoding import decode_payload, find_uuencoded_blocks, normalise_cte

MAX_DEPTH = 30
_BODY_TYPES = {"text/plain", "text/html"}
_CID = re.compile(r"<?\s*([^<>\s]{1,500})\s*>?")


@dataclass
class Bodies:
    """What the walk found: text in reading order, attachments, and warnings along the way."""

    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)


class BodyWalker:
    """One walk over one message; holds the attachment byte budget and the warnings."""

    def __init__(
        self, max_bytes: int, warnings: list[str], hints: list[str], elided_header: str
    ) -> None:
        self.budget = max_bytes
        self.warnings = warnings
        self.hints = hints
        # Name of the header oversize.py adds to parts whose body it removed; it carries a
        # random suffix so a sender cannot forge it.
        self.elided_header = elided_header
        self._warned_depth = False

    def walk(self, message: Message) -> Bodies:
        bodies = Bodies()
        plain, html = self._walk(message, bodies, depth=0)
        bodies.plain, bodies.html = plain, html
        return bodies

    def _walk(self, part: Message, bodies: Bodies, depth: int) -> tuple[list[str], list[str]]:
        if depth > MAX_DEPTH:
            if not self._warned_depth:
                self.warnings.append(f"mime: parts nested deeper than {MAX_DEPTH} levels ignored")
                self._warned_depth = True
            return [], []
        content_type = _content_type(part)
        if part.is_multipart():
            children = sub_parts(part)
            if content_type.startswith("multipart/"):
                return self._multipart(content_type, children, bodies, depth)
            self._attach_message(part, content_type, children, bodies)
            return [], []
        if content_type.startswith("multipart/"):
            self.warnings.append("mime: multipart without usable boundary read as text")
            content_type = "text/plain"
        return self._leaf(part, content_type, bodies)

    def _multipart(
        self, content_type: str, children: list[Message], bodies: Bodies, depth: int
    ) -> tuple[list[str], list[str]]:
        results = [self._walk(child, bodies, depth + 1) for child in children]
        if content_type == "multipart/encrypted":
            self.warnings.append("mime: encrypted message; content not readable")
        if content_type == "multipart/alternative":
            plain = next((p for p, _ in results if p), [])
            html = next((h for _, h in reversed(results) if h), [])
            return plain, html
        plain = [text for p, _ in results for text in p]
        html = [text for _, h in results for text in h]
        return plain, html

    def _leaf(
        self, part: Message, content_type: str, bodies: Bodies
    ) -> tuple[list[str], list[str]]:
        headers = RawHeaders(part)
        data = self._decoded(part, headers)
        disposition = _disposition(headers)
        _, type_params = parse_params(headers.first("content-type"), self.hints, self.warnings)
        filename = self._filename(headers, type_params)
        elided = headers.first(self.elided_header)
        is_body = (
            content_type in _BODY_TYPES
            and disposition != "attachment"
            and not filename
            and elided is None
        )
        if not is_body:
            self._attach(headers, content_type, data, filename, disposition, bodies)
            return [], []
        charset = type_params.get("charset")
        if content_type == "text/html":
            return [], [decode_text(data, charset, self.warnings, "body")]
        data = self._extract_uuencoded(data, bodies)
        text = decode_text(data, charset, self.warnings, "body")
        if type_params.get("format", "").lower() == "flowed":
            text = unflow(text, delsp=type_params.get("delsp", "").lower() == "yes")
        return [text], []

    def _decoded(self, part: Message, headers: RawHeaders) -> bytes:
        encoding = normalise_cte(headers.first("content-transfer-encoding"), self.warnings)
        return decode_payload(_raw_payload(part), encoding, self.warnings)

    def _filename(self, headers: RawHeaders, type_params: dict[str, str] | None = None) -> str:
        """The file name from Content-Disposition, else the older Content-Type ``name``."""
        _, params = parse_params(headers.first("content-disposition"), self.hints, self.warnings)
        if type_params is None:
            _, type_params = parse_params(headers.first("content-type"), self.hints, self.warnings)
        return single_line(params.get("filename") or type_params.get("name") or "")

    def _attach(
        self,
        headers: RawHeaders,
        declared: str,
        data: bytes,
        filename: str,
        disposition: str | None,
        bodies: Bodies,
    ) -> None:
        content_type = choose_content_type(declared, data, filename)
        elided = headers.first(self.elided_header)
        size = len(data)
        if elided is not None:
            size = _int(elided)
        content_id = _content_id(headers.first("content-id"))
        self._add(
            bodies,
            Attachment(
                filename=safe_filename(filename, content_type),
                content_type=content_type,
                size=size,
                content=data,
                content_id=content_id,
                is_inline=disposition == "inline" or (disposition is None and bool(content_id)),
                dropped=elided is not None,
                declared_content_type=declared,
            ),
        )

    def _attach_message(
        self, part: Message, content_type: str, payload: list[Message], bodies: Bodies
    ) -> None:
        """An attached message (``message/rfc822``, delivery reports) kept as bytes."""
        headers = RawHeaders(part)
        data = b""
        nested = payload[0] if payload and isinstance(payload[0], Message) else None
        if nested is not None and _depth(nested) > MAX_DEPTH:
            self.warnings.append(f"mime: attached message nested deeper than {MAX_DEPTH} levels")
            dropped = True
        else:
            dropped = False
            data = b"".join(_serialise(item) for item in payload if isinstance(item, Message))
            # RFC 2046 forbids encoding a message/rfc822 part, but some senders (PEC
            # providers among them) base64 it: the stdlib then "parses" the encoded text.
            cte = normalise_cte(headers.first("content-transfer-encoding"), self.warnings)
            if cte in {"base64", "quoted-printable"}:
                data = decode_payload(data.lstrip(b"\r\n"), cte, self.warnings)
                nested = None
        filename = self._filename(headers)
        if not filename and nested is not None and content_type == "message/rfc822":
            subject = decode_header_text(
                RawHeaders(nested).first("subject"), self.hints, self.warnings, "subject"
            )
            filename = f"{single_line(subject)[:80]}.eml" if subject.strip() else ""
        if content_type != "message/rfc822" and not filename:
            filename = content_type.split("/", 1)[1] + ".txt"
        attachment = Attachment(
            filename=safe_filename(filename, content_type, fallback_stem="message"),
            content_type=content_type,
            size=len(data),
            content=data,
            content_id=_content_id(headers.first("content-id")),
            is_inline=False,
            dropped=dropped,
            declared_content_type=content_type,
        )
        self._add(bodies, attachment)

    def _add(self, bodies: Bodies, attachment: Attachment) -> None:
        """Keep the attachment's bytes while the message's budget lasts."""
        if not attachment.dropped and attachment.size > self.budget:
            self.warnings.append(
                f"attachment {attachment.filename!r} ({attachment.size} bytes) over the size "
                "limit: content dropped"
            )
            attachment = replace(attachment, content=b"", dropped=True)
        elif not attachment.dropped:
            self.budget -= attachment.size
        bodies.attachments.append(attachment)

    def _extract_uuencoded(self, data: bytes, bodies: Bodies) -> bytes:
        """Old mailers put ``begin 644 name`` blocks inside the text: make them attachments."""
        if b"begin " not in data:
            return data
        blocks = find_uuencoded_blocks(data)
        if not blocks:
            return data
        kept: list[bytes] = []
        position = 0
        for start, end, name, content in blocks:
            kept.append(data[position:start])
            position = end
            content_type = choose_content_type("application/octet-stream", content, name)
            self._add(
                bodies,
                Attachment(
                    filename=safe_filename(name, content_type),
                    content_type=content_type,
                    size=len(content),
                    content=content,
                    declared_content_type="application/octet-stream",
                ),
            )
        kept.append(data[position:])
        return b"".join(kept)


def sub_parts(part: Message) -> list[Message]:
    """The parts inside a multipart or message/* part, without touching leaf payloads.

    ``get_payload()`` on a leaf decodes it with its charset parameter and raises when that
    parameter is an RFC 2231 tuple; on a container it just returns the list.
    """
    if not part.is_multipart():
        return []
    payload = part.get_payload()
    return (
        [child for child in payload if isinstance(child, Message)]
        if isinstance(payload, list)
        else []
    )


def _raw_payload(part: Message) -> bytes:
    """The body bytes exactly as they arrived.

    ``get_payload()`` already decodes 8-bit bodies with the declared charset (replacing what
    does not fit) and ``get_payload(decode=True)`` applies the stdlib's own, stricter transfer
    decoding; the parser's stored payload, with surrogate escapes for 8-bit bytes, is the only
    lossless copy.
    """
    payload = getattr(part, "_payload", None)
    if isinstance(payload, str):
        return raw_bytes(payload)
    if isinstance(payload, bytes):
        return payload
    try:
        fallback = part.get_payload(decode=True)
    except Exception:  # the stdlib trips over RFC 2231 charsets and worse
        return b""
    return fallback if isinstance(fallback, bytes) else b""


def _content_type(part: Message) -> str:
    try:
        content_type = part.get_content_type()
    except Exception:
        return "text/plain"
    return (
        content_type
        if re.fullmatch(r"[a-z0-9.+\-]+/[a-z0-9.+\-]+", content_type)
        else ("application/octet-stream")
    )


def _disposition(headers: RawHeaders) -> str | None:
    value = headers.first("content-disposition")
    if not value:
        return None
    kind = value.split(";", 1)[0].strip().strip("\"'").lower()
    return kind if kind in {"inline", "attachment"} else "attachment" if kind else None


def _content_id(value: str | None) -> str | None:
    if not value:
        return None
    match = _CID.search(value)
    return match.group(1) if match else None


def _int(value: str) -> int:
    try:
        return max(0, int(value.strip()))
    except ValueError:
        return 0


def _depth(message: Message) -> int:
    """Nesting depth below ``message``, counted without recursion."""
    deepest = 0
    stack: list[tuple[Message, int]] = [(message, 0)]
    while stack:
        current, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, depth + 1) for child in sub_parts(current))
    return deepest


def _serialise(message: Message) -> bytes:
    """The bytes of an attached message, as close to what arrived as the stdlib can give."""
    buffer = BytesIO()
    try:
        BytesGenerator(buffer, mangle_from_=False, maxheaderlen=0).flatten(message)
    except (RecursionError, LookupError, ValueError, TypeError, UnicodeError):
        return b""
    return buffer.getvalue()


def unflow(text: str, delsp: bool = False) -> str:
    """Join the soft line breaks of ``format=flowed`` text (RFC 3676) so quotes read as lines."""
    lines = text.split("\n")
    result: list[str] = []
    buffer = ""
    buffer_depth: int | None = None
    for raw in lines:
        line = raw.rstrip("\r")
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:]
        if content.startswith(" "):
            content = content[1:]  # space-stuffing
        if buffer_depth is not None and depth != buffer_depth:
            result.append(">" * buffer_depth + (" " if buffer_depth else "") + buffer)
            buffer, buffer_depth = "", None
        flowed = content.endswith(" ") and content.rstrip() != "--"
        if flowed:
            buffer += content[:-1] if delsp else content
            buffer_depth = depth
            continue
        buffer += content
        result.append(">" * depth + (" " if depth and buffer else "") + buffer)
        buffer, buffer_depth = "", None
    if buffer_depth is not None:
        result.append(">" * buffer_depth + (" " if buffer_depth else "") + buffer)
    return "\n".join(result)
