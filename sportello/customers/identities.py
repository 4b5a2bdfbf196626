"""How a raw address becomes the normalised value stored on an Identity.

Normalising is what lets 'Mario.Rossi@Example.IT' and 'mario.rossi@example.it', or
'333 123 4567' and '+39 333 1234567', find the same customer.
"""

from __future__ import annotations

import re

import phonenumbers
from django.conf import settings

from sportello.channels import registry
from sportello.core.errors import InvalidInput

_EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")


def normalize_email(value: str) -> str:
    value = value.strip().strip("<>").strip().lower()
    if not _EMAIL.match(value) or len(value) > 320:
        raise InvalidInput(f"{value!r} is not an email address")
    return value


def normalize_phone(value: str, region: str | None = None) -> str:
    """E.164 form (``+393331234567``); numbers without a prefix are read in ``region``."""
    raw = value.strip()
    try:
        number = phonenumbers.parse(raw, region or settings.DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException:
        raise InvalidInput(f"{value!r} is not a phone number") from None
    if not phonenumbers.is_possible_number(number):
        raise InvalidInput(f"{value!r} is not a phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_handle(value: str) -> str:
    value = value.strip()
    if not value or len(value) > 320:
        raise InvalidInput("a handle must be 1 to 320 characters")
    return value.lstrip("@").lower() if value.startswith("@") else value


def normalize(kind: str, value: str) -> str:
    """An identity's value: email and phone by the rules above, a provider's identity kind
    by its provider's rule (``Provider.normalize_handle``), any other by ``normalize_handle``."""
    if kind == "email":
        return normalize_email(value)
    if kind == "phone":
        return normalize_phone(value)
    provider_rule = registry.handle_normalizer(kind)
    return provider_rule(value) if provider_rule is not None else normalize_handle(value)
