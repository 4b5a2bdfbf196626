from __future__ import annotations

import pytest

from sportello.core.errors import InvalidInput
from sportello.customers.identities import email_as_written, normalize, read_sender_email


@pytest.mark.parametrize(
    ("kind", "raw", "expected"),
    [
        ("email", "  Mario.Rossi@Example.IT ", "mario.rossi@example.it"),
        ("email", "<anna@example.it>", "anna@example.it"),
        ("phone", "333 123 4567", "+393331234567"),
        ("phone", "+39 333 1234567", "+393331234567"),
        ("phone", "0039 06 1234 5678", "+390612345678"),
        ("whatsapp", "393331234567", "+393331234567"),
        ("whatsapp", "16315551234", "+16315551234"),
        ("phone", "+44 20 7946 0958", "+442079460958"),
        ("telegram", "@MarioRossi", "mariorossi"),
        ("messenger", "1234567890123456", "1234567890123456"),
    ],
)
def test_identities_are_normalised(kind, raw, expected):
    assert normalize(kind, raw) == expected


@pytest.mark.parametrize(
    ("kind", "raw"),
    [("email", "mario"), ("email", "a@b"), ("phone", "ciao"), ("phone", "12"), ("telegram", " ")],
)
def test_invalid_identities_are_refused(kind, raw):
    with pytest.raises(InvalidInput):
        normalize(kind, raw)


QUOTED = '"Millions Lottery Spain transfer"@example.com'


@pytest.mark.parametrize(
    ("written", "kept"),
    [
        # A quoted local part with spaces (valid, but no normal address), a stray ">".
        (QUOTED + ">", QUOTED),
        # Spaces without quotes.
        (" power quadrant system@example.com ", "power quadrant system@example.com"),
        # No dot in the domain; the case is kept as written.
        ("<Redacted@Redacted>", "Redacted@Redacted"),
    ],
)  # fmt: skip
def test_an_unusual_but_readable_sender_is_kept_as_written_and_unverified(written, kept):
    assert email_as_written(written) == kept
    assert read_sender_email(written) == (kept, True)


def test_a_valid_sender_address_is_normalised_and_verified():
    assert read_sender_email("Mario.Rossi@Example.IT") == ("mario.rossi@example.it", False)


@pytest.mark.parametrize(
    "written",
    ["MAILER-DAEMON", "@example.com", "mario@", "mario@exa mple.it", "a\nb@example.com",
     "a<b@example.com", "x" * 320 + "@example.com"],
)  # fmt: skip
def test_a_sender_that_says_nothing_readable_is_refused(written):
    with pytest.raises(InvalidInput):
        read_sender_email(written)
