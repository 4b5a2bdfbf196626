"""``sportello mail parse FILE... [--json]``: show what Sportello reads from raw messages.

For support staff and developers checking why a mail was threaded, stripped or flagged the way
it was. It never stops at a bad file: an unreadable one is reported (and turns the exit code to
1) and the others are still parsed. No Django here: it runs without settings or a database.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import TextIO

from sportello.providers.email.parsing import ParsedEmail, parse_message

_PREVIEW_LINES = 6
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def mail_parse_command(files: list[str], as_json: bool, out: TextIO | None = None) -> int:
    """Parse each file and print it; 0 if every file could be read, else 1.

    With ``as_json`` each file gives one JSON object on its own line, in the order given,
    with a ``file`` key; ``-`` reads standard input.
    """
    stream = out if out is not None else sys.stdout
    status = 0
    for name in files:
        try:
            raw = _read(name)
        except OSError as exc:
            status = 1
            reason = f"unreadable file: {exc.strerror or type(exc).__name__}"
            parsed = ParsedEmail(warnings=[reason])
        else:
            parsed = parse_message(raw)
        if as_json:
            _write_json(stream, {"file": name, **parsed.to_json_dict()})
        else:
            _write(stream, _summary(name, parsed))
    return status


def _read(name: str) -> bytes:
    if name == "-":
        return sys.stdin.buffer.read()
    return Path(name).read_bytes()


def _write_json(stream: TextIO, document: dict[str, object]) -> None:
    """One JSON line in UTF-8 (RFC 8259), whatever the terminal's encoding.

    A character the parser could not decode may still be a lone surrogate standing for a raw
    byte; written as is it would put that byte, invalid UTF-8, in the output. It becomes
    U+FFFD, as a decoder would show it."""
    text = _LONE_SURROGATE.sub("\ufffd", json.dumps(document, ensure_ascii=False))
    binary = getattr(stream, "buffer", None)
    if binary is None:
        stream.write(text + "\n")
    else:
        stream.flush()
        binary.write(text.encode("utf-8") + b"\n")
        binary.flush()


def _write(stream: TextIO, text: str) -> None:
    """Print even where the terminal's encoding cannot show the text."""
    try:
        stream.write(text + "\n")
    except UnicodeEncodeError:
        stream.write(text.encode("ascii", "backslashreplace").decode("ascii") + "\n")
    stream.flush()


def _summary(name: str, parsed: ParsedEmail) -> str:
    sender = f"{parsed.from_name} <{parsed.from_email}>" if parsed.from_name else parsed.from_email
    flags = [
        label
        for label, on in (
            ("auto-reply", parsed.is_auto_reply),
            ("bounce", parsed.is_bounce),
            ("mailing-list", parsed.is_mailing_list),
        )
        if on
    ]
    if parsed.pec:
        kind = parsed.pec.get("receipt") or parsed.pec.get("type")
        flags.append(f"PEC {kind}")
    lines = [
        f"== {name}",
        f"From:        {sender or '-'}",
        f"To:          {', '.join(parsed.to) or '-'}",
        f"Subject:     {parsed.subject or '-'}",
        f"Date:        {parsed.date.isoformat() if parsed.date else '-'}",
        f"Message-ID:  {parsed.message_id or '-'}",
    ]
    if parsed.in_reply_to:
        lines.append(f"In-Reply-To: {parsed.in_reply_to}")
    if flags:
        lines.append(f"Flags:       {', '.join(flags)}")
    for attachment in parsed.attachments:
        dropped = " (dropped)" if attachment.dropped else ""
        lines.append(
            f"Attachment:  {attachment.filename} {attachment.content_type} "
            f"{attachment.size} bytes{dropped}"
        )
    preview = parsed.visible_text.splitlines()
    if preview:
        lines.append("Text:")
        lines.extend(f"  {line}" for line in preview[:_PREVIEW_LINES])
        if len(preview) > _PREVIEW_LINES:
            lines.append(f"  ... ({len(preview) - _PREVIEW_LINES} more lines)")
    lines.extend(f"Warning:     {warning}" for warning in parsed.warnings)
    return "\n".join(lines)
