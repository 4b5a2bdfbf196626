"""PEC receipts (ricevute di accettazione, consegna, mancata consegna…) are not conversations.

A certified-mail provider sends one or more receipts for every message Sportello sends
through a PEC mailbox. They are proof, not customer contact: each is recorded as an event on
the conversation of the message it certifies, once, however often it is delivered.
"""

from __future__ import annotations

from typing import Any

from sportello.channels.models import Channel
from sportello.conversations.actions import record_event
from sportello.conversations.models import Message
from sportello.conversations.queries import conversation_for_reference, message_replied_to
from sportello.providers.email.adapter import conversation_number_in, pec_of, references_of
from sportello.providers.email.parsing import ParsedEmail, safe_header_value

EVENT = "pec_receipt"


def is_pec_receipt(parsed: ParsedEmail) -> bool:
    return pec_of(parsed).get("type") == "receipt"


def certified_message_ids(parsed: ParsedEmail) -> list[str]:
    """The Message-IDs a receipt refers to: the one it certifies first, then its own
    In-Reply-To/References (some providers set them too)."""
    pec = pec_of(parsed)
    daticert: dict[str, Any] = pec.get("daticert") or {}
    ids = [str(pec.get("refers_to_msgid") or ""), str(daticert.get("msgid") or "").strip()]
    ids = [i if i.startswith("<") or not i else f"<{i}>" for i in ids]
    return [i for i in dict.fromkeys([*ids, *references_of(parsed)]) if i]


def record_pec_receipt(channel: Channel, parsed: ParsedEmail, external_id: str) -> Message | None:
    """Record the receipt on the conversation it refers to; ``None`` when no conversation of
    the workspace matches (the caller keeps the receipt as a rejected message)."""
    pec = pec_of(parsed)
    referred = certified_message_ids(parsed)
    subject = safe_header_value(parsed.subject or "")
    found = conversation_for_reference(
        channel.workspace_id, referred, conversation_number_in(subject)
    )
    if found is None:
        return None
    certified = message_replied_to(channel.workspace_id, referred)
    daticert: dict[str, Any] = pec.get("daticert") or {}
    return record_event(
        found.pk,
        EVENT,
        once_on="receipt_id",
        receipt=pec.get("receipt") or "",
        receipt_id=external_id,
        certified_message_id=certified.pk if certified is not None else None,
        recipient=daticert.get("consegna") or daticert.get("destinatari") or "",
        subject=subject,
        error=daticert.get("errore") or "",
        received_at=(parsed.date.isoformat() if parsed.date else None),
    )
