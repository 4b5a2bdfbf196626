"""Identifiers a message *mentions*: evidence of who the sender is.

"Vi ho scritto anche da luca.bianchi@libero.it" or a signature's "Cell. 347 123 4567" name
an address the sender also uses. Ingest looks them up (``identity_owners``): when exactly one
customer owns one, a sender nobody knew is that customer; the ones in the sender's own
signature are kept on the sender's customer as ``source=signature`` identities.

Offline and cheap: an email pattern, and phonenumbers' matcher only on text that holds a run
of digits long enough to be a number. Numbers that are something else are left out: order,
invoice and customer numbers (a keyword before them), IBANs and card numbers (letters or
more digits glued to them), dates and prices (the matcher's own checks, and a currency
sign), numbers quoted from an earlier message (lines after a quote header, ``>`` lines).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from phonenumbers import PhoneNumberType

from sportello.core.errors import InvalidInput
from sportello.customers.identities import normalize_email

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}\b")
# Seven digits or more, perhaps split by spaces, dots, dashes or slashes: the shortest
# Italian number is 6 digits after the prefix; without such a run there is no phone to find.
_DIGIT_RUN = re.compile(r"\d(?:[\s./-]?\d){5,}")
# Words that make the number after them something else than a phone.
_NOT_A_PHONE = re.compile(
    r"(?<![^\W\d_])(?:ordine|order|ord|fattura|invoice|pratica|ticket|codice|cod|code|rif|ref|"
    r"riferimento|n|nr|num|numero|no|iban|conto|cc|carta|card|tracking|spedizione|"
    r"p\.?\s?iva|partita iva|cf|matricola|seriale|serial|id|cliente|customer|€|eur|euro|"
    r"\$|£|#)(?:[\s.:°º#-]+[^\W\d]+)?[\s.:°º#-]*$",
    re.IGNORECASE,
)
# ... unless the word before is one that says phone ("numero di telefono").
_PHONE_WORD = re.compile(
    r"(?:tel|telefono|phone|cell|cellulare|mobile|mob|whatsapp|wa|fax|chiamare|"
    r"chiamatemi|contattatemi|richiamatemi|numero di telefono|n\.? tel)\b[\s.:]*$",
    re.IGNORECASE,
)
_LABEL = re.compile(
    r"^\s*(?:tel|telefono|phone|cell|cellulare|mobile|mob|whatsapp|e-?mail|mail|fax)\b",
    re.IGNORECASE,
)
# Where a signature starts: "-- ", or a closing on a line of its own.
_CLOSING = re.compile(
    r"^\s*(?:--\s*|cordiali saluti|distinti saluti|saluti|un saluto|a presto|grazie"
    r"(?: mille| ancora)?|grazie e saluti|buona giornata|buona serata|best regards|"
    r"kind regards|regards|best|cheers|thanks|thank you)[\s,.!]*$",
    re.IGNORECASE,
)
# Where a quoted earlier message starts: nothing after it is the sender's own text.
_QUOTE_HEADER = re.compile(
    r"^\s*(?:-{2,}\s*(?:original message|messaggio originale)|(?:il|on)\b.{0,200}"
    r"(?:ha scritto|wrote)\s*:|(?:da|from)\s*:.+@)",
    re.IGNORECASE,
)
_PHONE_TYPES = {
    PhoneNumberType.MOBILE,
    PhoneNumberType.FIXED_LINE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE,
    PhoneNumberType.VOIP,
    PhoneNumberType.UAN,
}
MAX_MENTIONS = 10  # a message listing a hundred numbers is a list, not evidence


@dataclass(frozen=True)
class Mention:
    """An identifier found in a message: its identity kind and normalised value, and
    whether it was in the sender's signature (their own) or in the text (perhaps theirs)."""

    kind: str
    value: str
    in_signature: bool

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.value)


def own_text(text: str) -> list[str]:
    """The sender's own lines: up to a quote header, without ``>`` lines."""
    lines = []
    for line in text.splitlines():
        if _QUOTE_HEADER.match(line):
            break
        if not line.lstrip().startswith(">"):
            lines.append(line)
    return lines


def _signature_start(lines: list[str]) -> int:
    """The index of the first line of the signature (``len(lines)`` if none): after a
    closing or a "-- " line in the last dozen lines, or the block of labelled lines
    ("Tel. ...", "Email: ...") that ends the message."""
    tail = max(0, len(lines) - 12)
    for index in range(len(lines) - 1, tail - 1, -1):
        if _CLOSING.match(lines[index]):
            return index + 1
    start = len(lines)
    for index in range(len(lines) - 1, tail - 1, -1):
        line = lines[index]
        if not line.strip() or _LABEL.match(line):
            start = index
            continue
        break
    return start


def mentioned_identifiers(text: str, region: str = "IT") -> list[Mention]:
    """The emails and phone numbers ``text`` mentions, normalised, without repeats (one in
    the signature wins over the same in the text), at most ``MAX_MENTIONS``."""
    if "@" not in text and not _DIGIT_RUN.search(text):
        return []
    lines = own_text(text)
    start = _signature_start(lines)
    found: dict[tuple[str, str], Mention] = {}
    for index, line in enumerate(lines):
        in_signature = index >= start or bool(_LABEL.match(line))
        for mention in _line_mentions(line, region, in_signature):
            if mention.key not in found or mention.in_signature:
                found[mention.key] = mention
    return list(found.values())[:MAX_MENTIONS]


def _line_mentions(line: str, region: str, in_signature: bool) -> list[Mention]:
    mentions = []
    if "@" in line:
        for match in _EMAIL.finditer(line):
            try:
                value = normalize_email(match.group(0).rstrip("."))
            except InvalidInput:
                continue
            mentions.append(Mention("email", value, in_signature))
    if _DIGIT_RUN.search(line):
        for found in phonenumbers.PhoneNumberMatcher(
            line, region, leniency=phonenumbers.Leniency.VALID
        ):
            if _is_something_else(line, found.start, found.end):
                continue
            if phonenumbers.number_type(found.number) not in _PHONE_TYPES:
                continue
            value = phonenumbers.format_number(found.number, phonenumbers.PhoneNumberFormat.E164)
            mentions.append(Mention("phone", value, in_signature))
    return mentions


def _is_something_else(line: str, start: int, end: int) -> bool:
    before, after = line[:start], line[end:]
    # Glued to letters or digits (an IBAN, a code, a longer number), or followed by a
    # currency or a unit: not a phone.
    if before[-1:].isalnum() or after[:1].isalnum():
        return True
    if re.match(r"^\s*(?:€|eur|euro|\$|%|kg|km)", after, re.IGNORECASE):
        return True
    if _PHONE_WORD.search(before):
        return False
    return bool(_NOT_A_PHONE.search(before))
