"""Fuzzing: random and mutated messages never make the parser fail.

``parse_message`` catches everything as a last resort and reports it as a ``parse failed``
warning, so the property checked is that this last resort is never needed.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sportello.providers.email.parsing import parse_message, split_reply

from .corpora import FIXTURES, corpus_email_files

FUZZ = settings(
    max_examples=200,
    deadline=None,
    database=None,  # no .hypothesis folder in the repository
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
HEADER_SOUP = [
    b"From: ", b"Subject: ", b"Content-Type: multipart/mixed; boundary=x", b"--x", b"\n",
    b"Content-Transfer-Encoding: base64", b"=?utf-8?Q?", b"?=", b"\r\n", b"\t", b": ", b"<",
    b">", b"@", b'"', b"(", b")", b",", b"\xff", b"\xc3", b"message/rfc822",
]  # fmt: skip
INSERTIONS = [
    b"\n", b"\r\n\r\n", b"=?utf-8?B?", b"--", b"\x00", b">", b"begin 644 x\n",
    b"; charset*=us-ascii''utf-8", b"; filename*0*=utf-8''%C3", b"; boundary=", b"\t=?x?q?",
    b"\nContent-Type: message/rfc822\n\n", b"\nContent-Transfer-Encoding: x-uuencode\n",
    b"\nContent-Type: multipart/alternative; boundary=q\n\n--q\n", b"\nFrom: <>\n",
]  # fmt: skip
QUOTE_ALPHABET = list("Il giorno ha scritto:>\n -_On wrote Da:@<>0123")
POOL = [path.read_bytes() for path in corpus_email_files()] or [
    path.read_bytes() for path in sorted(FIXTURES.glob("*.eml"))
]


def assert_parsed_cleanly(raw: bytes) -> None:
    parsed = parse_message(raw)
    failures = [w for w in parsed.warnings if w.startswith("parse failed")]
    assert not failures, failures
    assert "\n" not in parsed.subject and "\r" not in parsed.subject
    assert isinstance(parsed.text, str) and isinstance(parsed.visible_text, str)
    assert parsed.raw_size == len(raw)


@st.composite
def mutated_messages(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(POOL)))
    for operation in draw(
        st.lists(
            st.sampled_from(["flip", "truncate", "duplicate", "insert"]), min_size=1, max_size=5
        )
    ):
        if operation == "flip" and data:
            for _ in range(draw(st.integers(1, 20))):
                data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        elif operation == "truncate":
            del data[draw(st.integers(0, len(data))) :]
        elif operation == "duplicate":
            lines = bytes(data).split(b"\n")
            header_count = next((i for i, line in enumerate(lines) if not line.strip()), len(lines))
            if header_count:
                index = draw(st.integers(0, header_count - 1))
                copies = [lines[index]] * draw(st.integers(1, 50))
                lines[index:index] = copies
                data = bytearray(b"\n".join(lines))
        else:
            position = draw(st.integers(0, len(data)))
            data[position:position] = draw(st.sampled_from(INSERTIONS) | st.binary(max_size=64))
    return bytes(data)


@FUZZ
@given(st.binary(max_size=4096))
def test_random_bytes_never_fail(raw):
    assert_parsed_cleanly(raw)


@FUZZ
@given(st.lists(st.sampled_from(HEADER_SOUP) | st.binary(max_size=8), max_size=200))
def test_random_header_soup_never_fails(pieces):
    assert_parsed_cleanly(b"".join(pieces))


@FUZZ
@given(mutated_messages())
def test_mutated_corpus_messages_never_fail(raw):
    assert_parsed_cleanly(raw)


@FUZZ
@given(st.text(alphabet=st.sampled_from(QUOTE_ALPHABET) | st.characters(), max_size=2000))
def test_quote_splitting_of_random_text_never_fails(text):
    split = split_reply(text)

    assert isinstance(split.visible, str)
