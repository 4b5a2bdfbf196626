"""Order, ticket and invoice numbers a customer quotes: "ordine 12345", "order #A-1234",
"n. 2024/118", "pratica n° 77812".

A customer who writes again about the same parcel names the same number; two messages
that share one are about the same matter whatever their words. A number counts only after
a word that says what it is (a bare "12345" may be a price, a postcode, a phone), and it
must hold a digit. Numbers are compared folded: upper case, no spaces, "#" and leading
zeros kept (an order "00123" is not an order "123" in most shops' systems).
"""

from __future__ import annotations

import re

# The word that says a number follows, then an optional "n." / "nr" / "numero" / "no." /
# "#" / "°", then the number: letters, digits and the separators shops use (A-1234,
# 2024/118, INV.2024.0007), starting and ending on a letter or digit.
_REFERENCE = re.compile(
    r"(?<![^\W\d_])"
    r"(?:ordine|ordini|order|orders|ord|fattura|invoice|pratica|ticket|richiesta|reso|"
    r"rma|spedizione|tracking|shipment|case|caso|segnalazione|rif|ref|riferimento|n|nr|num|"
    r"numero|no)"
    r"\.?(?:\s*(?:n|nr|num|numero|no|number)\b\.?)?[\s:°º#.-]*"
    r"(?P<number>#?[A-Za-z0-9](?:[A-Za-z0-9]|[-/.](?=[A-Za-z0-9])){1,30})",
    re.IGNORECASE,
)
# Words the pattern may take for a number after "no"/"n": the reference must hold a digit.
_DIGIT = re.compile(r"\d")
MAX_TEXT = 20_000


def references(text: str) -> set[str]:
    """The reference numbers ``text`` quotes, folded (``"A-1234"``, ``"2024/118"``)."""
    found = set()
    for match in _REFERENCE.finditer((text or "")[:MAX_TEXT]):
        number = match["number"].lstrip("#").upper()
        if len(number) >= 3 and _DIGIT.search(number):
            found.add(number)
    return found


# Only the words that say an order follows: "ordine 4521", "order #A-1234", "ord. n. 77".
_ORDER = re.compile(
    r"(?<![^\W\d_])(?:ordine|ordini|order|orders|ord)"
    r"\.?(?:\s*(?:n|nr|num|numero|no|number)\b\.?)?[\s:°º#.-]*"
    r"(?P<number>#?[A-Za-z0-9](?:[A-Za-z0-9]|[-/.](?=[A-Za-z0-9])){1,30})",
    re.IGNORECASE,
)


def order_numbers(text: str) -> list[str]:
    """The order numbers ``text`` quotes, as written (no "#"), in order, once each: what a
    reply may say back to the customer ("your order 4521"), where :func:`references`
    folds every kind of number for comparing."""
    found: dict[str, None] = {}
    for match in _ORDER.finditer((text or "")[:MAX_TEXT]):
        number = match["number"].lstrip("#")
        if len(number) >= 3 and _DIGIT.search(number):
            found.setdefault(number, None)
    return list(found)
