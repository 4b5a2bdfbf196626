"""TOTP as RFC 6238 defines it: its published test vectors, the window, no reuse."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from sportello.accounts import totp

# RFC 6238 appendix B's SHA-1 key, "12345678901234567890", in base32.
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()


def test_codes_match_the_rfc_6238_vectors():
    # The RFC lists 8 digits; the 6 an app shows are their last six.
    for seconds, eight in [(59, "94287082"), (1111111109, "07081804"), (2000000000, "69279037")]:
        step = totp.step_at(datetime.fromtimestamp(seconds, UTC))
        assert totp.code_at(RFC_SECRET, step) == eight[-6:]


def test_a_code_one_step_either_side_is_taken_two_are_not():
    moment = datetime.fromtimestamp(1111111109, UTC)
    now = totp.step_at(moment)
    for offset in (-1, 0, 1):
        assert (
            totp.matching_step(RFC_SECRET, totp.code_at(RFC_SECRET, now + offset), moment)
            == now + offset
        )
    for offset in (-2, 2):
        assert (
            totp.matching_step(RFC_SECRET, totp.code_at(RFC_SECRET, now + offset), moment) is None
        )


def test_a_step_already_used_is_refused():
    moment = datetime.fromtimestamp(1111111109, UTC)
    now = totp.step_at(moment)
    code = totp.code_at(RFC_SECRET, now)
    assert totp.matching_step(RFC_SECRET, code, moment, after=now - 1) == now
    assert totp.matching_step(RFC_SECRET, code, moment, after=now) is None


def test_spaces_are_ignored_and_junk_is_refused():
    moment = datetime.fromtimestamp(59, UTC)
    assert totp.matching_step(RFC_SECRET, "287 082", moment) is not None
    for junk in ("", "abcdef", "２８７０８２", "2870820", "28708"):
        assert totp.matching_step(RFC_SECRET, junk, moment) is None


def test_the_provisioning_uri_names_the_issuer_and_the_account():
    uri = totp.provisioning_uri("ABCD", "giulia@negozio.it", "Sportello")
    assert uri.startswith("otpauth://totp/Sportello:giulia@negozio.it?")
    assert "secret=ABCD" in uri and "issuer=Sportello" in uri
