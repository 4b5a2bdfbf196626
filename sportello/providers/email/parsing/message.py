"""``parse_message``: everything Sportello reads from one raw e-mail, and nothing that raises.

Inbound mail is hostile or broken often enough that a parse must always produce a result: what
could not be read becomes a warning next to the best value available, and the raw bytes stay
with the caller. This module only orchestrates; each concern lives in its own module.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime
from email import policy
from email.message import Message
from email.parser import BytesParser

from sportello.core.html import html_to_text, sanitize_html

from .addresses import choose_sender, header_emails
from .attachments import Attachment
from .autoreply import classify
from .bodies import BodyWalker, sub_parts
from .headers import (
    RawHeaders,
    decode_header_text,
    parse_date,
    parse_message_ids,
    safe_header_value,
    single_line,
    unfold,
)
from .oversize import elide_oversized_parts
from .pec import detect, parse_daticert
from .quotes import split_reply
from .repair import repair_header_block

DEFAULT_MAX_BYTES = 25 * 1024 * 1024
MAX_PEC_DEPTH = 3
# html.parser reads a few MB a second: the text of a huge HTML-only body comes from its start.
MAX_HTML_FOR_TEXT = 2_000_000
_NESTING_HEADER = re.compile(rb"^content-type\s*:\s*(?:multipart|message)/", re.I | re.M)
_MAX_NESTING_FALLBACK = 50
_FORWARD_SUBJECT = re.compile(r"^\s*(?:fwd?|i|inoltr[ao]|tr|wg|rv|enc)\s*:", re.IGNORECASE)
_THREAD_HEADERS = ("thread-index", "thread-topic", "x-riferimento-message-id")


@dataclass(frozen=True)
class ParsedEmail:
    """What Sportello reads from a raw message.

    ``text`` is the whole plain text (from the text/plain part, else derived from HTML);
    ``visible_text`` is the new text without quoted history and signature; ``html_sanitized``
    is safe to render. Message-IDs keep their angle brackets. ``date`` is aware, in UTC.
    ``warnings`` lists everything that had to be guessed, repaired or dropped.
    """

    message_id: str | None = None
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    from_email: str = ""
    from_name: str = ""
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    reply_to: str | None = None
    subject: str = ""
    date: datetime | None = None
    text: str = ""
    visible_text: str = ""
    html_sanitized: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    is_auto_reply: bool = False
    is_bounce: bool = False
    is_mailing_list: bool = False
    pec: dict[str, object] | None = None
    warnings: list[str] = field(default_factory=list)
    raw_size: int = 0
    thread_headers: dict[str, str] = field(default_factory=dict)

    def to_json_dict(self) -> dict[str, object]:
        """The stable JSON shape printed by ``sportello mail parse --json``."""
        return {
            "message_id": self.message_id,
            "in_reply_to": self.in_reply_to,
            "references": list(self.references),
            "from_email": self.from_email,
            "from_name": self.from_name,
            "to": list(self.to),
            "cc": list(self.cc),
            "subject": self.subject,
            "date": self.date.isoformat() if self.date else None,
            "text": self.text,
            "visible_text": self.visible_text,
            "html_sanitized": self.html_sanitized,
            "attachments": [attachment.to_json_dict() for attachment in self.attachments],
            "is_auto_reply": self.is_auto_reply,
            "is_bounce": self.is_bounce,
            "pec": self.pec,
            "warnings": list(self.warnings),
        }


def parse_message(raw: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ParsedEmail:
    """Read a raw RFC 5322 message; never raises.

    Attachments beyond ``max_bytes`` in total keep their metadata but lose their content
    (``dropped=True``); a message much larger than ``max_bytes`` has its oversized parts cut
    out before parsing so memory stays proportional to what is kept.
    """
    try:
        return _parse(raw, max_bytes, depth=0)
    except Exception as exc:  # the last line of defence: a bug must not lose a message
        size = len(raw) if isinstance(raw, bytes | bytearray | memoryview) else 0
        return ParsedEmail(raw_size=size, warnings=[f"parse failed: {type(exc).__name__}"])


def _parse(raw: bytes, max_bytes: int, depth: int) -> ParsedEmail:
    warnings: list[str] = []
    if isinstance(raw, str):
        warnings.append("input was text, not bytes; encoded as UTF-8")
        raw = raw.encode("utf-8", "surrogateescape")
    raw = bytes(raw) if not isinstance(raw, bytes) else raw
    if not raw or raw.isspace():  # isspace, unlike strip, does not copy a 100 MB input
        return ParsedEmail(raw_size=len(raw), warnings=["empty message"])
    marker = f"X-Sportello-Elided-{secrets.token_hex(6)}"
    reduced = elide_oversized_parts(raw, max_bytes, warnings, marker)
    reduced = repair_header_block(reduced, warnings)
    message = _parse_mime(reduced, warnings)
    del reduced
    headers = RawHeaders(message)
    hints = _declared_charsets(message)

    subject = safe_header_value(
        decode_header_text(headers.first("subject"), hints, warnings, "subject"), 10_000
    )
    from_email, from_name = choose_sender(headers, hints, warnings)
    references = parse_message_ids(headers.get_all("references"))
    in_reply_to = parse_message_ids(headers.get_all("in-reply-to"))
    message_ids = parse_message_ids(headers.get_all("message-id"))
    if not message_ids and headers.first("message-id"):
        warnings.append("message-id: unreadable Message-ID header")

    bodies = BodyWalker(max_bytes, warnings, hints, marker).walk(message)
    html = "\n".join(bodies.html)
    text = _clean_text("\n".join(bodies.plain)) if bodies.plain else ""
    if not text.strip() and html:
        if len(html) > MAX_HTML_FOR_TEXT:
            warnings.append("body: very long HTML; text taken from its beginning")
        text = _clean_text(html_to_text(html[:MAX_HTML_FOR_TEXT]))
    forwarded = bool(_FORWARD_SUBJECT.match(subject))
    content_type, report_type = _top_content_type(message)

    parsed = ParsedEmail(
        message_id=message_ids[0] if message_ids else None,
        in_reply_to=in_reply_to[0] if in_reply_to else None,
        references=references,
        from_email=from_email,
        from_name=from_name,
        to=header_emails(headers, "to", hints, warnings),
        cc=header_emails(headers, "cc", hints, warnings),
        reply_to=next(iter(header_emails(headers, "reply-to", hints, warnings)), None),
        subject=subject,
        date=parse_date(headers.first("date"), warnings),
        text=text,
        visible_text=split_reply(text, forwarded=forwarded).visible,
        html_sanitized=sanitize_html(html, warnings),
        attachments=bodies.attachments,
        raw_size=len(raw),
        thread_headers={
            name: single_line(unfold(value))[:2000]
            for name in _THREAD_HEADERS
            if (value := headers.first(name))
        },
    )
    automation = classify(headers, content_type, report_type, from_email, subject)
    parsed = replace(
        parsed,
        is_auto_reply=automation.is_auto_reply,
        is_bounce=automation.is_bounce,
        is_mailing_list=automation.is_mailing_list,
        warnings=warnings,
    )
    parsed = _apply_pec(parsed, headers, max_bytes, depth)
    return replace(parsed, warnings=_distinct(parsed.warnings))


def _parse_mime(raw: bytes, warnings: list[str]) -> Message:
    """The stdlib's lenient compat32 parse; absurd nesting is cut and parsed again."""
    parser = BytesParser(policy=policy.compat32)
    try:
        return parser.parsebytes(raw)
    except RecursionError:
        cut = _nesting_cut(raw)
        warnings.append(f"mime: nesting deeper than {_MAX_NESTING_FALLBACK} levels cut off")
        try:
            return parser.parsebytes(raw[:cut])
        except RecursionError:
            warnings.append("mime: structure unreadable; headers only")
            header_end = raw.find(b"\n\n")
            return parser.parsebytes(
                raw[: header_end if header_end > 0 else 4096], headersonly=True
            )


def _nesting_cut(raw: bytes) -> int:
    for count, match in enumerate(_NESTING_HEADER.finditer(raw), start=1):
        if count >= _MAX_NESTING_FALLBACK:
            return match.start()
    return len(raw)


def _declared_charsets(message: Message) -> list[str]:
    """Charsets the message declares for its parts: hints for raw 8-bit header bytes."""
    found: list[str] = []
    stack = [message]
    seen = 0
    while stack and seen < 200:
        part = stack.pop()
        seen += 1
        try:
            charset = part.get_param("charset")
        except Exception:
            charset = None
        if isinstance(charset, str) and charset not in found:
            found.append(charset)
        stack.extend(reversed(sub_parts(part)))
    return found


def _clean_text(text: str) -> str:
    """Newlines as ``\\n`` and no NUL characters (which databases refuse)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")


def _top_content_type(message: Message) -> tuple[str, str | None]:
    try:
        report_type = message.get_param("report-type")
        content_type = message.get_content_type()
    except Exception:
        return "text/plain", None
    if isinstance(report_type, tuple):
        report_type = report_type[2]
    return content_type, str(report_type) if report_type else None


def _apply_pec(parsed: ParsedEmail, headers: RawHeaders, max_bytes: int, depth: int) -> ParsedEmail:
    daticert_part = _find_attachment(parsed.attachments, "daticert.xml")
    kind = detect(headers, parsed.subject, has_certificate=daticert_part is not None)
    if kind is None:
        return parsed
    warnings = list(parsed.warnings)
    daticert = parse_daticert(daticert_part.content, warnings) if daticert_part else None
    if kind.kind == "receipt":
        refers_to = headers.first("x-riferimento-message-id")
        refers = parse_message_ids([refers_to]) if refers_to else []
        if not refers and daticert and daticert.get("msgid"):
            refers = parse_message_ids([str(daticert["msgid"])])
        pec: dict[str, object] = {
            "type": "receipt",
            "receipt": kind.receipt,
            "refers_to_msgid": refers[0] if refers else None,
            "daticert": daticert,
        }
        return replace(parsed, pec=pec, is_auto_reply=True, warnings=warnings)

    pec = {
        "type": "posta-certificata" if kind.kind == "posta-certificata" else "anomalia",
        "envelope_from": parsed.from_email,
        "envelope_message_id": parsed.message_id,
        "identificativo": (daticert or {}).get("identificativo") or parsed.message_id,
        "daticert": daticert,
    }
    inner_part = _find_attachment(parsed.attachments, "postacert.eml")
    if inner_part is None or not inner_part.content:
        warnings.append("pec: envelope without a readable postacert.eml")
        return replace(parsed, pec=pec, warnings=warnings)
    if depth >= MAX_PEC_DEPTH:
        warnings.append("pec: certified messages nested too deeply; envelope kept")
        return replace(parsed, pec=pec, warnings=warnings)
    inner = _parse(inner_part.content, max_bytes, depth + 1)
    return replace(
        inner,
        pec=pec,
        warnings=[*warnings, *inner.warnings],
        raw_size=parsed.raw_size,
        thread_headers={**parsed.thread_headers, **inner.thread_headers},
    )


def _distinct(warnings: list[str], limit: int = 50) -> list[str]:
    """Each warning once, in order; a flood of them is capped."""
    unique = list(dict.fromkeys(warnings))
    if len(unique) > limit:
        unique = [*unique[: limit - 1], f"{len(unique) - limit + 1} more warnings"]
    return unique


def _find_attachment(attachments: list[Attachment], name: str) -> Attachment | None:
    return next((a for a in attachments if a.filename.lower() == name), None)
