"""Turning bytes of unknown or mislabelled encoding into text without ever failing.

Mail clients declare charsets that Python does not know (``ks_c_5601-1987`` is known but maps
to the narrower EUC-KR, ``x-sjis``, ``windows-874``...), or declare one and send another. The
rule is the same for headers and bodies: the declared charset (widened to its superset), then
UTF-8, then Windows-1252, then Latin-1, which cannot fail. Every fallback leaves a warning so an
agent knows the text may be garbled.
"""

from __future__ import annotations

import codecs
import re

# Declared name -> codec Python should use. Supersets are preferred because mailers that say
# "gb2312" or "iso-8859-1" routinely send GBK or Windows-1252 bytes.
_ALIASES: dict[str, str] = {
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "ksc5601": "cp949",
    "euc-kr": "cp949",
    "euc_kr": "cp949",
    "gb2312": "gb18030",
    "iso-gb2312": "gb18030",
    "gb_2312-80": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "big5": "big5hkscs",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "windows-31j": "cp932",
    "x-euc-jp": "euc_jp",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "ansi_x3.4-1968": "cp1252",
    "iso-8859-9": "cp1254",
    "iso-8859-8-i": "iso-8859-8",
    "iso-8859-6-i": "iso-8859-6",
    "windows-874": "cp874",
    "tis-620": "cp874",
    "iso-8859-11": "cp874",
    "x-mac-roman": "mac-roman",
    "unicode-1-1-utf-7": "utf-7",
    "utf8": "utf-8",
}

_NAME = re.compile(r"^[a-z0-9][a-z0-9._:+\-]*$")

_UTF8_FIRST = {
    "us-ascii",
    "ascii",
    "ansi_x3.4-1968",
    "iso-8859-1",
    "iso8859-1",
    "latin1",
    "latin-1",
}

# Names that carry no information: decode as if nothing had been declared.
_MEANINGLESS = {"", "unknown", "unknown-8bit", "x-unknown", "none", "default", "x-user-defined"}

# Codecs that are not text encodings (rot13, zlib, base64...) but that codecs.lookup accepts.
_NOT_TEXT = {"base64", "bz2", "hex", "quopri", "rot-13", "rot13", "uu", "zlib"}


# When bytes contradict the label and are not UTF-8 either, the same language's other
# encodings come next: Japanese mailers label Shift_JIS as ISO-2022-JP.
_RELATIVES: dict[str, tuple[str, ...]] = {
    "iso2022_jp": ("cp932", "euc_jp"),
    "iso2022_jp_1": ("cp932", "euc_jp"),
    "iso2022_jp_2": ("cp932", "euc_jp"),
    "iso2022_jp_ext": ("cp932", "euc_jp"),
    "euc_jp": ("cp932",),
    "cp932": ("euc_jp",),
    "iso2022_kr": ("cp949",),
}

# Encodings that spell non-ASCII text with ASCII bytes: never take the ASCII shortcut.
_ASCII_ESCAPED = {
    "utf-7",
    "iso2022_jp",
    "iso2022_jp_1",
    "iso2022_jp_2",
    "iso2022_jp_2004",
    "iso2022_jp_3",
    "iso2022_jp_ext",
    "iso2022_kr",
    "hz",
}


def normalise_charset(declared: str | None) -> str | None:
    """The Python codec name for a declared charset, or None when it is unknown or empty."""
    if not declared:
        return None
    name = declared.strip().strip("\"'").strip().lower()
    # RFC 2231 language suffix ("utf-8*it") and stray parameters ("utf-8; format=flowed").
    name = name.split("*", 1)[0].split(";", 1)[0].strip()
    if name in _MEANINGLESS or len(name) > 40 or not _NAME.match(name):
        return None
    name = _ALIASES.get(name, name)
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return None
    if info.name in _NOT_TEXT or not getattr(info, "_is_text_encoding", True):
        return None
    return info.name


def decode_text(
    data: bytes, declared: str | None, warnings: list[str] | None, where: str = "text"
) -> str:
    """Decode ``data`` with the best charset available; never raises.

    Order: the declared charset (widened), UTF-8, the declared language's other encodings,
    Windows-1252, Latin-1. ``where`` names the field in the warning ("subject", "body"...).
    """
    if not data:
        return ""
    codec = normalise_charset(declared)
    if data.isascii() and codec not in _ASCII_ESCAPED:
        return data.decode("ascii")
    if codec == "cp1252" and (declared or "").strip().strip("\"'").lower() in _UTF8_FIRST:
        # "us-ascii" and "iso-8859-1" are the labels scripts put on UTF-8, and real Latin-1
        # text is practically never valid UTF-8: trying UTF-8 first costs nothing.
        text = _try(data, "utf-8")
        if text is not None:
            return text
    # A 7-bit encoding cannot explain 8-bit bytes, however leniently Python decodes them.
    if codec is not None and not (codec in _ASCII_ESCAPED and not data.isascii()):
        text = _try(data, codec)
        if text is not None:
            return text
    note: str | None
    text = _try(data, "utf-8")
    if text is not None:
        # ASCII-labelled UTF-8 is what most scripts send: not worth a warning.
        note = None if codec in {None, "cp1252", "ascii"} else f"not valid {declared}"
        return _noted(text, note, "utf-8", warnings, where)
    for relative in _RELATIVES.get(codec or "", ()):
        text = _try(data, relative)
        if text is not None:
            return _noted(text, f"8-bit bytes labelled {declared}", relative, warnings, where)
    if codec is None and declared:
        note = f"unknown charset {declared[:40]!r}"
    else:
        note = f"not valid {declared}" if declared else "8-bit text without charset"
    text = _try(data, "cp1252")
    if text is not None:
        return _noted(text, None if codec == "cp1252" else note, "cp1252", warnings, where)
    return _noted(data.decode("latin-1"), note, "latin-1", warnings, where)


def _try(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (ValueError, LookupError):  # UnicodeDecodeError is a ValueError
        return None


def _noted(text: str, note: str | None, codec: str, warnings: list[str] | None, where: str) -> str:
    if note and warnings is not None:
        warnings.append(f"{where}: {note}; decoded as {codec}")
    return text


def decode_with_hints(data: bytes, hints: list[str], warnings: list[str], where: str) -> str:
    """Decode raw 8-bit header bytes, which carry no charset of their own.

    UTF-8 first (RFC 6532 allows it in headers), then the charsets the message declares for its
    text parts (a Chinese mailer writes GB2312 headers and declares GB2312 bodies), then the
    Windows-1252 / Latin-1 fallbacks of :func:`decode_text`.
    """
    text = _try(data, "utf-8")
    if text is not None:
        return text
    # Single-byte Western codecs never fail, so they go last: a multi-byte hint gets a chance.
    codecs_to_try: list[str] = []
    for hint in hints:
        codec = normalise_charset(hint)
        if codec is None or codec == "utf-8":
            continue
        if codec in _ASCII_ESCAPED:  # 7-bit encodings cannot explain 8-bit bytes
            codecs_to_try.extend(_RELATIVES.get(codec, ()))
        else:
            codecs_to_try.append(codec)
    ordered = sorted(
        dict.fromkeys(codecs_to_try),
        key=lambda c: c in {"cp1252", "ascii", "iso8859-15", "latin-1", "iso8859-1"},
    )
    for codec in ordered:
        text = _try(data, codec)
        if text is not None:
            return text
    return decode_text(data, None, warnings, where)
