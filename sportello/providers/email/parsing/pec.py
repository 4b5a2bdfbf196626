"""PEC (posta elettronica certificata), Italy's certified e-mail.

A certified message arrives wrapped: the provider sends a signed *envelope* ("busta di
trasporto", ``X-Trasporto: posta-certificata``, subject ``POSTA CERTIFICATA: ...``) whose
attachments are the customer's real message (``postacert.eml``), the certification data
(``daticert.xml``) and the signature (``smime.p7s``). Providers also send *receipts*
(``X-Ricevuta: accettazione``, ``avvenuta-consegna``...) for what we send: those are events
about a message, never a conversation.

``daticert.xml`` comes from outside, so it is parsed without a DOCTYPE: no entity expansion.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass

from .headers import RawHeaders, single_line, unfold

# Receipt kinds (X-Ricevuta values): accettazione, non-accettazione, presa-in-carico,
# avvenuta-consegna, errore-consegna, preavviso-errore-consegna, rilevazione-virus. Without
# the header, the subject prefix the providers use says which one it is.
_SUBJECT_RECEIPTS = [
    (re.compile(r"^\s*avviso\s+di\s+non\s+accettazione\b", re.I), "non-accettazione"),
    (re.compile(r"^\s*accettazione\s*:", re.I), "accettazione"),
    (re.compile(r"^\s*presa\s+in\s+carico\s*:", re.I), "presa-in-carico"),
    (re.compile(r"^\s*(?:avvenuta\s+)?consegna\s*:", re.I), "avvenuta-consegna"),
    (
        re.compile(r"^\s*avviso\s+di\s+mancata\s+consegna\s+per\s+sup\w*\s+tempi", re.I),
        "preavviso-errore-consegna",
    ),
    (re.compile(r"^\s*avviso\s+di\s+mancata\s+consegna\b", re.I), "errore-consegna"),
    (re.compile(r"^\s*problema\s+di\s+sicurezza\s*:", re.I), "rilevazione-virus"),
]
_ENVELOPE_SUBJECT = re.compile(r"^\s*posta\s+certificata\s*:", re.I)
_ANOMALY_SUBJECT = re.compile(r"^\s*anomalia\s+messaggio\s*:", re.I)
_MAX_DATICERT = 1024 * 1024
_FIELDS = ("mittente", "oggetto", "gestore-emittente", "identificativo", "msgid")


@dataclass(frozen=True)
class PecKind:
    """What a message is in PEC terms: an envelope, an anomaly envelope or a receipt."""

    kind: str  # "posta-certificata", "anomalia" or "receipt"
    receipt: str | None = None


def detect(headers: RawHeaders, subject: str, has_certificate: bool) -> PecKind | None:
    """The PEC role of a message from its transport headers, else its subject prefix.

    A subject prefix alone is weak evidence (a customer may well write "Accettazione:
    preventivo"), so it counts only next to a ``daticert.xml`` (``has_certificate``) or the
    ``X-Riferimento-Message-ID`` that only providers write.
    """
    receipt = _header(headers, "x-ricevuta").lower()
    if receipt:
        return PecKind("receipt", receipt)
    transport = _header(headers, "x-trasporto").lower()
    if transport == "posta-certificata":
        return PecKind("posta-certificata")
    if transport == "errore":
        return PecKind("anomalia")
    if not has_certificate and "x-riferimento-message-id" not in headers:
        return None
    if _ENVELOPE_SUBJECT.match(subject):
        return PecKind("posta-certificata")
    if _ANOMALY_SUBJECT.match(subject):
        return PecKind("anomalia")
    for pattern, name in _SUBJECT_RECEIPTS:
        if pattern.match(subject):
            return PecKind("receipt", name)
    return None


def _header(headers: RawHeaders, name: str) -> str:
    value = headers.first(name)
    return single_line(unfold(value)) if value else ""


def parse_daticert(data: bytes, warnings: list[str]) -> dict[str, object] | None:
    """The fields of ``daticert.xml``; None (with a warning) if it is unsafe or unreadable.

    ``destinatari`` and ``consegna`` are lists (a message can have many recipients). The
    element names are the ones of the technical rules (DM 2 novembre 2005, allegato).
    """
    if len(data) > _MAX_DATICERT:
        warnings.append("pec: daticert.xml too large; ignored")
        return None
    lowered = data.lower()
    if b"<!doctype" in lowered or b"<!entity" in lowered:
        warnings.append("pec: daticert.xml has a DOCTYPE; refused")
        return None
    try:
        root = ElementTree.fromstring(data)
    except (ElementTree.ParseError, ValueError, UnicodeError):
        warnings.append("pec: daticert.xml is not well-formed")
        return None
    result: dict[str, object] = {
        "tipo": root.get("tipo", ""),
        "errore": root.get("errore", ""),
    }
    for name in _FIELDS:
        element = root.find(f".//{name}")
        result[name] = _text(element)
    result["destinatari"] = [_text(e) for e in root.iter("destinatari") if _text(e)]
    result["consegna"] = [_text(e) for e in root.iter("consegna") if _text(e)]
    result["risposte"] = _text(root.find(".//risposte"))
    date = root.find(".//data")
    result["data"] = _text(date.find("giorno")) if date is not None else ""
    result["ora"] = _text(date.find("ora")) if date is not None else ""
    result["zona"] = date.get("zona", "") if date is not None else ""
    extended = root.find(".//errore-esteso")
    if extended is not None:
        result["errore-esteso"] = _text(extended)
    return result


def _text(element: ElementTree.Element | None) -> str:
    if element is None:
        return ""
    return single_line("".join(element.itertext()))
