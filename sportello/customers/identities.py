"""How a raw address becomes the normalised value stored on an Identity.

Normalising is what lets 'Mario.Rossi@Example.IT' and 'mario.rossi@example.it', or
'333 123 4567' and '+39 333 1234567', find the same customer.
"""

from __future__ import annotations

import functools
import re

import phonenumbers
from django.conf import settings

from sportello.channels import registry
from sportello.core.errors import InvalidInput

_EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")


# What an address written by hand in a mail header may not hold to be kept as written:
# a line break or another control character, or a second address's brackets.
_UNREADABLE = re.compile(r"[\x00-\x1f\x7f<>]")
MAX_IDENTITY_CHARS = 320


def normalize_email(value: str) -> str:
    value = value.strip().strip("<>").strip().lower()
    if not _EMAIL.match(value) or len(value) > MAX_IDENTITY_CHARS:
        raise InvalidInput(f"{value!r} is not an email address")
    return value


def email_as_written(value: str) -> str:
    """An address that is not a valid one but says where it came from, kept as written.

    Real mail arrives from ``"millions lottery spain transfer"@example.com`` (a quoted
    local part, valid but rare), ``power quadrant system@example.com`` (spaces, invalid) or
    ``redacted@redacted`` (no dot in the domain). Refusing such a message loses it; reading
    it as a normal address would be a guess. So the value is kept as the sender wrote it,
    without surrounding spaces and brackets, and its identity is marked unverified
    (``Identity.unverified``): it matches only the same text, never a normalised address.
    ``InvalidInput`` when there is no local part and domain around an ``@`` to show.
    """
    written = value.strip().strip("<>").strip()
    local, at, domain = written.rpartition("@")
    if (
        not at
        or not local.strip()
        or not domain.strip()
        or any(char.isspace() for char in domain)
        or _UNREADABLE.search(written)
        or len(written) > MAX_IDENTITY_CHARS
    ):
        raise InvalidInput(f"{value!r} is not an email address")
    return written


def read_sender_email(value: str) -> tuple[str, bool]:
    """The identity value of a sender's address and whether it is unverified: normalised
    when it is an address, else kept as written (``email_as_written``)."""
    try:
        return normalize_email(value), False
    except InvalidInput:
        return email_as_written(value), True


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


_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


@functools.lru_cache(maxsize=8192)
def shown_value(value: str) -> str:
    """An identity's value as a person reads it: an E.164 number (a phone's, a WhatsApp
    id's) in the international format, ``+39 347 123 4567``; any other value as stored.
    Cached: phonenumbers takes ~50 µs a number, and a list page shows dozens, the same
    ones page after page."""
    if not _E164.match(value):
        return value
    try:
        number = phonenumbers.parse(value)
    except phonenumbers.NumberParseException:
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def normalize_handle(value: str) -> str:
    value = value.strip()
    if not value or len(value) > MAX_IDENTITY_CHARS:
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


def same_number_keys(identities: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The same phone numbers under the other kinds an E.164 value is kept as (a WhatsApp
    id is its number; a number read in a signature is a ``phone``): a WhatsApp message
    from a number known as a phone is from the same person."""
    numbers = {value for _, value in identities if _E164.match(value)}
    if not numbers:
        return []
    kinds = [k for k, _ in registry.identity_kind_choices() if k not in ("email", "other")]
    return [(kind, number) for number in sorted(numbers) for kind in kinds]
