"""Reading raw e-mail: headers, bodies, attachments, quotes, auto-replies and Italian PEC.

Pure Python on the stdlib ``email`` package, nh3 and mail-parser-reply: no Django, so it can
run in the LMTP server, in a worker or from the command line. The entry point is
:func:`parse_message`; :func:`safe_header_value` is for the outbound side.
"""

from __future__ import annotations

from .attachments import Attachment
from .headers import safe_header_value
from .message import DEFAULT_MAX_BYTES, ParsedEmail, parse_message
from .quotes import ReplySplit, split_reply

__all__ = [
    "DEFAULT_MAX_BYTES",
    "Attachment",
    "ParsedEmail",
    "ReplySplit",
    "parse_message",
    "safe_header_value",
    "split_reply",
]
