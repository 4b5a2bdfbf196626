from __future__ import annotations

import pytest

from sportello.core.errors import InvalidInput
from sportello.customers.identities import normalize


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
