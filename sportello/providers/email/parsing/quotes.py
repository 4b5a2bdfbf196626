"""Separating what a customer just wrote from the history and signature below it.

Agents read ``visible_text``; the full text is always kept elsewhere, so a wrong cut hides text
but never loses it. The rules, in Italian and English first, are line-based and linear:

* a quote header ends the new text: ``Il giorno <data> <nome> ha scritto:`` (also wrapped over
  two or three lines), ``Il <data>, <nome> ha scritto:``, ``In data ... ha scritto:``,
  ``On ... wrote:``, Outlook blocks (``Da: / Inviato: / A: / Oggetto:``, ``From: / Sent:``),
  ``-----Messaggio originale-----`` / ``-----Original Message-----``, forwarded-message markers;
* lines starting with ``>`` are quoted; a line ending with ``:`` right above them is their
  attribution, in whatever language;
* text *below* a ``>`` quote is a bottom-post (kept alone) or, with text above too, an inline
  answer (kept whole, quotes included, because the answers refer to them);
* the signature starts at ``-- ``, at a mobile footer (``Inviato da iPhone``, ``Sent from my
  iPhone``, ``Inviato da Outlook per Android``...), at an underscore rule or at a closing
  salutation (``Cordiali saluti``, ``Best regards``) followed only by a short name block.

mail-parser-reply then looks at the new text for the quote headers of other languages (German,
French, Spanish, Dutch, Polish...). Every regular expression runs on one line, or a window of at
most three, of bounded length: no input can make them backtrack catastrophically.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from mailparser_reply.parser import EmailMessage

MAX_LINE = 400  # longer lines are never quote headers
MAX_SCAN_LINES = 10_000
_LIBRARY_WINDOW = 20_000  # characters of new text handed to mail-parser-reply
_LIBRARY_LINE = 300
LANGUAGES = ["it", "en", "de", "fr", "es", "nl", "pl", "sv", "da", "cs", "ja", "ko", "zh"]

_VERBS = (
    r"ha\s+scritto|hanno\s+scritto|scrisse|wrote|a\s+[ée]crit|escribi[óo]|ha\s+escrit|schrieb"
    r"|schreef|geschreven|napisa[łl]a?|pisze|skrev|kirjoitti|escreveu|написала?|[íi]rta"
    r"|写道|작성|のメッセージ"
)
# "<anything with a date or address> <verb>:" on one (joined) line.
_ATTRIBUTION = re.compile(rf"^.{{0,600}}?(?:{_VERBS})\s*[:：]\s*$", re.IGNORECASE)
# Some clients drop the colon: "On Wed, 14 Nov 2018 ... <john@doe.com> wrote".
_ATTRIBUTION_NO_COLON = re.compile(
    r"^(?:on|il|in\s+data)\s.{0,600}?\b(?:wrote|ha\s+scritto)\s*$", re.IGNORECASE
)
# Gmail's old "2014-03-20 8:48 GMT+01:00 Name <address>:"
_DATED_ADDRESS = re.compile(r"^(?=.{0,600}\d).{0,600}<[^<>\s]{1,200}@[^<>\s]{1,200}>\s*:\s*$")
# How a wrapped attribution can start: only then are two or three lines joined.
_OPENER = re.compile(
    r"^(?:on|il|in\s+data|le|el|am|op|w\s+dniu|dnia|den|em|dne|\d|\"|[<(])", re.IGNORECASE
)
_WRAPPED_CLOSE = re.compile(r"^>\s*[:：]\s*$")  # "...<test@example.com\n>:"
_STANDALONE_OPENER = re.compile(
    r"^(?:on|il|in\s+data|le|el|am|op|w\s+dniu|dnia|den|\d)\b", re.IGNORECASE
)
_ZOHO = re.compile(r"^-{2,}\s*\S.{0,300}?\bwrote\s*-{2,}\s*$", re.IGNORECASE)
# "reply On Wed, Apr 4, 2012 at 3:59 PM, bob@example.com wrote:" on a single line.
_SHARED_LINE = re.compile(
    r"^(?P<reply>.{0,300}?\S)[\s\-]*(?P<header>(?:on|il)\s.{0,300}?(?:wrote|ha\s+scritto)\s*:)\s*$",
    re.IGNORECASE,
)
_DATED_ADDRESS_ABOVE = re.compile(r"^(?=.{0,300}\d).{0,300}<[^<>\s]{1,200}@[^<>\s]{1,200}>\s*$")
_SEPARATOR = re.compile(
    r"^[\s*]*-{2,}\s*(?:original\s+message|messaggio\s+originale|reply\s+message"
    r"|ursprüngliche\s+nachricht|antwort\s+nachricht|message\s+d'origine"
    r"|mensaje\s+original|mensagem\s+original|oorspronkelijk\s+bericht|oprindelig\s+besked"
    r"|wiadomość\s+oryginalna|oprindelig\s+meddelelse|opprinnelig\s+melding"
    r"|ursprungligt\s+meddelande|alkuperäinen\s+viesti|исходное\s+сообщение)\s*-{2,}[\s*]*$",
    re.IGNORECASE,
)
_FORWARD_MARKER = re.compile(
    r"^(?:[\s*]*-{2,}\s*(?:forwarded\s+message|messaggio\s+inoltrato|weitergeleitete\s+nachricht"
    r"|message\s+transféré|mensaje\s+reenviado|mensagem\s+encaminhada|doorgestuurd\s+bericht"
    r"|videresendt\s+meddelelse|vidarebefordrat\s+meddelande)\s*-{2,}[\s*]*"
    r"|begin\s+forwarded\s+message\s*:|inizio\s+messaggio\s+inoltrato\s*:"
    r"|messaggio\s+inoltrato\s*:|anfang\s+der\s+weitergeleiteten\s+nachricht\s*:"
    r"|début\s+du\s+message\s+réexpédié\s*:)$",
    re.IGNORECASE,
)
_DASHED_TITLE = re.compile(r"^[\s*]*-{3,}\s*\S.{0,60}?\s*-{3,}[\s*]*$")
_KEY_LINE = re.compile(r"^[\s*]*[^\s:]{1,20}(?:\s[^\s:]{1,20})?\s*:")
_FROM_KEY = re.compile(
    r"^[\s*]*(?:from|da|de|von|van|od|från|fra|lähettäjä|от|feladó|expéditeur|remitente)"
    r"\s*:[\s*]*\S",
    re.IGNORECASE,
)
_OTHER_KEY = re.compile(
    r"^[\s*]*(?:sent|date|to|cc|subject|inviato|data|a|oggetto|envoyé(?:\s+le)?|à|objet"
    r"|gesendet|an|betreff|datum|verzonden|aan|onderwerp|enviado(?:\s+el)?|para|asunto"
    r"|assunto|wysłano|do|temat|skickat|till|ämne|sendt|til|emne|lähetetty|vastaanottaja"
    r"|aihe|отправлено|кому|тема|dátum|címzett|tárgy)\s*:",
    re.IGNORECASE,
)
_ADDRESS_HINT = re.compile(r"<[^<>\s]*@[^<>\s]*>|\[mailto:|\[[^\[\]\s]*@[^\[\]\s]*\]")
_SIG_DELIMITER = re.compile(r"^(?:--|-- |__)\s*$")
_RULE = re.compile(r"^\s*_{10,}\s*$")
_DECORATION = re.compile(r"^[\s\-_=*~—–]*$")
_MOBILE = re.compile(
    r"^(?:sent\s+from|sent\s+via|sent\s+with|sent\s+using|get\s+outlook\s+for"
    r"|inviato\s+da|inviato\s+dal|inviato\s+dalla|inviato\s+dall['’]|inviato\s+con"
    r"|inviato\s+tramite|scarica\s+outlook\s+per|ottieni\s+outlook\s+per|envoyé\s+de"
    r"|envoyé\s+depuis|envoyé\s+à\s+partir\s+de|enviado\s+desde|enviado\s+do\s+meu|gesendet\s+von|von\s+meinem"
    r"|verzonden\s+met|verstuurd\s+vanaf|wysłane\s+z|отправлено\s+с)\b"
    r"[^,;.!?]{0,60}(?:<[^<>\s]{0,200}>|\([^()\s]{0,200}\))?[.!]?\s*$",
    re.IGNORECASE,
)
_VALEDICTION = re.compile(
    r"^(?:cordiali\s+saluti|distinti\s+saluti|cordialmente|saluti(?:\s+cordiali)?|un\s+saluto"
    r"|un\s+caro\s+saluto|cari\s+saluti|a\s+presto|buona\s+giornata|buona\s+serata"
    r"|grazie(?:\s+mille)?(?:\s+e\s+(?:cordiali\s+)?saluti)?|ringraziando(?:vi)?"
    r"|best\s+regards|kind\s+regards|warm\s+regards|regards|best\s+wishes|best|cheers"
    r"|thanks(?:\s+again)?|thank\s+you|many\s+thanks|sincerely|yours\s+sincerely"
    r"|yours\s+truly|mit\s+freundlichen\s+grüßen|freundliche\s+grüße|viele\s+grüße"
    r"|beste\s+grüße|cordialement|bien\s+à\s+vous|salutations|saludos|atentamente"
    r"|un\s+saludo|met\s+vriendelijke\s+groet|groeten|pozdrawiam|med\s+vänliga\s+hälsningar)"
    r"[\s.!]*(?:,[\s,]*(?:[^\s,.!?:;]{1,30}(?:\s[^\s,.!?:;]{1,30})?)?)?[\s.!]*$",
    re.IGNORECASE,
)
_MAX_SIGNATURE_LINES = 8


@dataclass(frozen=True)
class ReplySplit:
    """The new text of a message, and what was taken away from below it."""

    visible: str
    quoted: str
    signature: str


def split_reply(text: str, *, forwarded: bool = False) -> ReplySplit:
    """Split ``text`` into new text, quoted history and signature; never raises.

    A forwarded message (``forwarded=True`` from its subject, or a forward marker above any
    other history) is kept whole: what was forwarded is what the customer wants the agent
    to read, and the forwarder's signature sits between their note and the forwarded mail.
    """
    if not text or not text.strip():
        return ReplySplit("", "", "")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    # History is looked for near the top only: a log pasted into a message costs no more than
    # its first lines, and a quote header further down than this is not a reply's header.
    head = _split_shared_lines(lines[:MAX_SCAN_LINES])
    lines = head + lines[MAX_SCAN_LINES:]
    if forwarded or _is_forward(head):
        return ReplySplit(_tidy(lines), "", "")
    keep, quoted_from = _new_text_lines(head)
    if quoted_from >= len(head):
        keep, quoted_from = lines, len(lines)
    keep, signature = _strip_signature(keep)
    visible = _tidy(keep)
    quoted = "\n".join(lines[quoted_from:]).strip("\n") if quoted_from < len(lines) else ""
    return ReplySplit(visible, quoted, "\n".join(signature).strip("\n"))


def _is_forward(lines: list[str]) -> bool:
    """A forward marker comes before any quote header or ``>`` line."""
    for index, line in enumerate(lines):
        plain = _plain(line)
        if len(plain) > MAX_LINE:
            continue
        if _FORWARD_MARKER.match(plain):
            return True
        if _is_quoted(line) or _header_at(lines, index):
            return False
    return False


def _split_shared_lines(lines: list[str]) -> list[str]:
    """Put an attribution that shares its line with the reply on a line of its own."""
    result: list[str] = []
    for index, line in enumerate(lines):
        plain = _plain(line)
        if (
            len(plain) <= MAX_LINE
            and plain.lower().endswith(":")
            and not _is_quoted(line)
            and _quote_follows(lines, index + 1)
        ):
            match = _SHARED_LINE.match(plain)
            if match and not _OPENER.match(plain) and _has_date_or_address(match["header"]):
                result.extend([match["reply"].rstrip(" -"), match["header"]])
                continue
        result.append(line)
    return result


def _plain(line: str) -> str:
    return line.replace("\xa0", " ").replace("\u200b", "").strip()


def _is_quoted(line: str) -> bool:
    return line.lstrip(" \t\xa0").startswith(">")


def _is_blank(line: str) -> bool:
    return not line.strip()


def _new_text_lines(lines: list[str]) -> tuple[list[str], int]:
    """The lines that make up the new text, and where the history begins."""
    header = _first_header(lines)
    first_quote = next((i for i, line in enumerate(lines) if _is_quoted(line)), len(lines))
    if header is not None and header[0] <= first_quote:
        start, length, hard = header
        if hard or not _quote_follows(lines, start + length):
            start = _include_key_lines_above(lines, start)
            return lines[:start], start
        return _around_quotes(lines, start, start + length)
    if first_quote < len(lines):
        before = lines[:first_quote]
        # An attribution line in any language: "...:" right above the quote.
        index = _last_non_blank(before)
        attribution = _plain(before[index]) if index is not None else ""
        if index is not None and _attributes_quote(attribution):
            start = _include_wrapped_start(lines, index)
            return _around_quotes(lines, start, first_quote)
        return _around_quotes(lines, first_quote, first_quote)
    return lines, len(lines)


def _attributes_quote(line: str) -> bool:
    """A line right above a ``>`` quote that introduces it, in any language."""
    if len(line) > MAX_LINE:
        return False
    if line.endswith((":", "：")) and _has_date_or_address(line):
        return True
    return bool(_DATED_ADDRESS_ABOVE.match(line))


def _around_quotes(lines: list[str], start: int, quote_at: int) -> tuple[list[str], int]:
    """New text when history is ``>``-quoted: above it, below it, or interleaved with it."""
    index = quote_at
    below: list[int] = []
    while index < len(lines):
        line = lines[index]
        if _is_quoted(line) or _is_blank(line):
            index += 1
            continue
        plain = _plain(line)
        if _SIG_DELIMITER.match(plain) or _RULE.match(plain) or _header_at(lines, index):
            break
        # A wrapped quote line that lost its ">" sits between two quoted lines.
        if _is_quoted(lines[index - 1]) and _continues_quote(lines, index):
            index += 1
            continue
        below.append(index)
        index += 1
    if below and not _strip_signature([lines[i] for i in below], whole=True)[0]:
        below = []  # only "Regards, Roman" under the quote: a signature, not an answer
    if not below:
        return lines[:start], start
    last = below[-1] + 1
    if not any(not _is_blank(line) for line in lines[:start]):
        return [lines[i] for i in below], start
    return lines[:last], last


def _continues_quote(lines: list[str], index: int) -> bool:
    for position in range(index + 1, len(lines)):
        if _is_blank(lines[position]):
            return False
        if _is_quoted(lines[position]):
            return True
    return False


def _quote_follows(lines: list[str], index: int) -> bool:
    for line in lines[index : index + 3]:
        if _is_quoted(line):
            return True
        if not _is_blank(line):
            return False
    return False


def _last_non_blank(lines: list[str]) -> int | None:
    for index in range(len(lines) - 1, -1, -1):
        if not _is_blank(lines[index]):
            return index
    return None


def _include_key_lines_above(lines: list[str], index: int) -> int:
    """French webmail puts ``Message du : <date>`` above ``De :``: it belongs to the header."""
    for _ in range(2):
        if index == 0:
            break
        above = _plain(lines[index - 1])
        if not above or not _KEY_LINE.match(above) or len(above) > 120:
            break
        index -= 1
    return index


def _include_wrapped_start(lines: list[str], index: int) -> int:
    """Android and others wrap ``<date> <name> <\\naddress> wrote:``: take the line above too."""
    if index == 0:
        return index
    above = _plain(lines[index - 1])
    wrapped = (
        above
        and len(above) <= MAX_LINE
        and any(c.isdigit() for c in above)
        and not above.endswith((".", "!", "?"))
        and not _is_quoted(lines[index - 1])
    )
    return index - 1 if wrapped else index


def _first_header(lines: list[str]) -> tuple[int, int, bool] | None:
    """(first line, number of lines, hard?) of the earliest quote header.

    A hard header (Outlook block, original-message rule, forward) is followed by unquoted
    history; a soft one (attribution) may be followed by ``>`` quotes, and text below those is
    new text.
    """
    ours = None
    for index in range(len(lines)):
        found = _header_at(lines, index)
        if found:
            ours = (index, *found)
            break
    library = _library_header(lines, ours[0] if ours else len(lines))
    if library is not None and (ours is None or library < ours[0]):
        return (library, 1, not _quote_follows(lines, library + 1))
    return ours


def _header_at(lines: list[str], index: int) -> tuple[int, bool] | None:
    """(length, hard?) when a quote header starts at ``lines[index]``."""
    line = _plain(lines[index])
    if not line or len(line) > MAX_LINE or _is_quoted(line):
        return None
    if _SEPARATOR.match(line) or _ZOHO.match(line):
        return 1, True
    if _DASHED_TITLE.match(line):
        below = [_plain(other) for other in lines[index + 1 : index + 4] if other.strip()]
        if below and (_FROM_KEY.match(below[0]) or _OTHER_KEY.match(below[0])):
            return 1, True
    if _FROM_KEY.match(line):
        for other in lines[index + 1 : index + 5]:
            if _OTHER_KEY.match(_plain(other)):
                return 1, True
        if _ADDRESS_HINT.search(line):
            return 1, True
        return None
    if _ends_attribution(line) and _is_attribution(line):
        return 1, False
    if _OPENER.match(line) or _has_date_or_address(line):
        joined = line
        for extra in range(1, 3):
            if index + extra >= len(lines):
                break
            following = _plain(lines[index + extra])
            closing = _WRAPPED_CLOSE.match(following)
            if not following or len(following) > MAX_LINE:
                break
            if _is_quoted(following) and not closing:
                break
            joined = f"{joined} {following}" if not closing else f"{joined}{following}"
            if not _ends_attribution(following) or not _is_attribution(joined):
                continue
            # "Order 123\nOn 12 Mar ... wrote:" is a one-line header under a line of text.
            if _STANDALONE_OPENER.match(following) and _is_attribution(following):
                break
            return extra + 1, False
    return None


def _ends_attribution(line: str) -> bool:
    return line.endswith((":", "：")) or line.lower().endswith(("wrote", "ha scritto"))


def _has_date_or_address(line: str) -> bool:
    return "@" in line or any(c.isdigit() for c in line)


def _is_attribution(line: str) -> bool:
    if not _has_date_or_address(line):
        return False
    return bool(
        _ATTRIBUTION.match(line) or _DATED_ADDRESS.match(line) or _ATTRIBUTION_NO_COLON.match(line)
    )


@lru_cache(maxsize=1)
def _library_regex() -> re.Pattern[str]:
    return EmailMessage(text="", languages=list(LANGUAGES)).HEADER_REGEX


def _library_header(lines: list[str], limit: int) -> int | None:
    """The first quote header mail-parser-reply finds above ``limit``, as a line index.

    It sees each line stripped (as it expects) and never more than a bounded window, so its
    multi-line patterns stay cheap; headers that are only "key: value" lines of some other
    kind (``Data: 12/03`` in an order summary) are ignored unless a From-like key starts them.
    """
    window: list[str] = []
    size = 0
    for line in lines[:limit]:
        plain = _plain(line)
        if len(plain) > _LIBRARY_LINE:
            plain = ""
        size += len(plain) + 1
        if size > _LIBRARY_WINDOW:
            break
        window.append(plain)
    if not window:
        return None
    head = "\n".join(window)
    try:
        match = _library_regex().search(head)
    except RecursionError:
        return None
    if match is None:
        return None
    start = match.start()
    while start < len(head) and head[start] == "\n":
        start += 1
    index = head.count("\n", 0, start)
    if index >= len(window):
        return None
    first = window[index].lstrip("> ")
    if re.match(r"^[\s*]*[^\s:]{1,20}\s*:", first) and not _FROM_KEY.match(first):
        return None
    return index


def _strip_signature(lines: list[str], whole: bool = False) -> tuple[list[str], list[str]]:
    """Cut the signature off the new text at the earliest signature rule that applies.

    A delimiter, a rule or a mobile footer ends the new text wherever it is (what follows a
    phone's footer is the quoted original, sent without a header); a salutation does only
    when a short name block follows it. A cut that would leave nothing is not made, unless
    ``whole`` asks whether the lines are nothing but a signature.
    """
    content = [i for i, line in enumerate(lines[:MAX_SCAN_LINES]) if not _is_blank(line)]
    if len(content) < (1 if whole else 2):
        return lines, []
    for position, index in enumerate(content[0 if whole else 1 :], start=0 if whole else 1):
        plain = _plain(lines[index])
        if len(plain) > MAX_LINE:
            continue
        is_delimiter = _SIG_DELIMITER.match(lines[index].strip("\xa0")) or _RULE.match(plain)
        is_salutation = (
            len(content) - position <= _MAX_SIGNATURE_LINES
            and _VALEDICTION.match(plain)
            and _short_name_block(lines, content[position + 1 :])
        )
        if is_delimiter or _MOBILE.match(plain) or is_salutation:
            return lines[:index], lines[index:]
    return lines, []


def _short_name_block(lines: list[str], indexes: list[int]) -> bool:
    """Below a salutation: a name, a role, a phone number -- not another paragraph."""
    if len(indexes) > 6:
        return False
    return all(len(_plain(lines[i])) <= 60 and not _plain(lines[i]).endswith("?") for i in indexes)


def _tidy(lines: list[str]) -> str:
    cleaned = [line.rstrip() for line in lines]
    while cleaned and _DECORATION.match(cleaned[-1]):
        cleaned.pop()
    while cleaned and not cleaned[0].strip():
        cleaned.pop(0)
    return "\n".join(cleaned)
