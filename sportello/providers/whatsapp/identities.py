from __future__ import annotations

from sportello.customers.identities import normalize_phone


def normalize_whatsapp_id(value: str) -> str:
    """A WhatsApp id (``393331234567``) or a number as a person writes it, in E.164."""
    value = value.strip()
    return normalize_phone("+" + value if value.isdigit() else value)
