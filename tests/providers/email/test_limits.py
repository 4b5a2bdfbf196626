"""Size and depth limits: nothing a sender does makes a parse fail or blow up memory."""

from __future__ import annotations

import base64
import tracemalloc

from sportello.providers.email.parsing import parse_message

HEAD = b"From: Mario Rossi <mario@example.it>\r\nSubject: foto\r\nMIME-Version: 1.0\r\n"


def with_attachment(body: bytes, name: bytes = b"foto.jpg") -> bytes:
    return (
        HEAD + b'Content-Type: multipart/mixed; boundary="B"\r\n\r\n'
        b"--B\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nEcco le foto.\r\n"
        b"--B\r\nContent-Type: image/jpeg\r\nContent-Transfer-Encoding: base64\r\n"
        b'Content-Disposition: attachment; filename="'
        + name
        + b'"\r\n\r\n'
        + body
        + b"\r\n--B--\r\n"
    )


def test_zero_byte_message_gives_an_empty_result_with_a_warning():
    parsed = parse_message(b"")

    assert parsed.warnings == ["empty message"]
    assert (parsed.from_email, parsed.subject, parsed.text, parsed.raw_size) == ("", "", "", 0)


def test_whitespace_only_message_is_empty_too():
    assert parse_message(b" \r\n\r\n").warnings == ["empty message"]


def test_attachments_over_the_budget_keep_metadata_but_not_content():
    jpeg = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 20
    raw = with_attachment(base64.encodebytes(jpeg))

    parsed = parse_message(raw, max_bytes=2_000)

    [photo] = parsed.attachments
    assert (photo.filename, photo.content_type, photo.dropped, photo.content) == (
        "foto.jpg",
        "image/jpeg",
        True,
        b"",
    )
    assert abs(photo.size - len(jpeg)) < 100
    assert parsed.text.strip() == "Ecco le foto."
    assert any("dropped" in warning for warning in parsed.warnings)


def test_attachments_share_one_budget_in_message_order():
    pdf = b"%PDF-1.4\n" + b"0" * 3000
    part = (
        b"--B\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
        b'Content-Disposition: attachment; filename="%d.pdf"\r\n\r\n'
    )
    raw = HEAD + b'Content-Type: multipart/mixed; boundary="B"\r\n\r\n'
    for index in range(3):
        raw += part % index + base64.encodebytes(pdf) + b"\r\n"
    raw += b"--B--\r\n"

    parsed = parse_message(raw, max_bytes=9_000)  # two encoded attachments fit, not three

    assert [a.dropped for a in parsed.attachments] == [False, False, True]
    assert [a.filename for a in parsed.attachments] == ["0.pdf", "1.pdf", "2.pdf"]
    assert [a.size for a in parsed.attachments] == [len(pdf)] * 3
    assert parsed.attachments[2].content_type == "application/pdf"


def test_huge_text_body_is_cut_not_dropped():
    parsed = parse_message(HEAD + b"\r\n" + b"una riga di testo\r\n" * 5_000, max_bytes=1_000)

    assert parsed.text.startswith("una riga di testo\n")
    assert len(parsed.text) < 1_000
    assert any("cut" in warning for warning in parsed.warnings)


def test_hundred_megabyte_message_completes_without_copying_the_attachment():
    """GIVEN a ~100 MB message whose attachment is far over the 25 MB budget
    WHEN it is parsed
    THEN the text is read, the attachment keeps its metadata only, and the parse allocates a
    small fraction of the input (the attachment is never decoded or copied).
    """
    line = base64.b64encode(bytes(range(57))) + b"\r\n"
    raw = with_attachment(line * (100 * 1024 * 1024 // len(line)))

    tracemalloc.start()
    try:
        parsed = parse_message(raw)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert len(raw) > 100_000_000
    assert parsed.text.strip() == "Ecco le foto."
    [photo] = parsed.attachments
    assert photo.dropped and photo.content == b"" and photo.size > 70_000_000
    assert peak < 20 * 1024 * 1024, f"peak allocation {peak} bytes"
    assert parsed.raw_size == len(raw)


def nested_messages(depth: int) -> bytes:
    raw = b"From: fondo@example.it\nSubject: in fondo\n\ntesto\n"
    for level in range(depth):
        raw = (
            b"From: livello%d@example.it\nSubject: livello %d\n"
            b"Content-Type: message/rfc822\n\n" % (level, level)
        ) + raw
    return raw


def nested_multiparts(depth: int) -> bytes:
    raw = b"Content-Type: text/plain\n\nfondo\n"
    for level in range(depth):
        boundary = b"b%d" % level
        raw = (
            b"Content-Type: multipart/mixed; boundary="
            + boundary
            + b"\n\n--"
            + boundary
            + b"\n"
            + raw
            + b"\n--"
            + boundary
            + b"--\n"
        )
    return b"From: a@example.it\n" + raw


def test_two_hundred_nested_messages_are_cut_with_a_warning():
    parsed = parse_message(nested_messages(200))

    assert parsed.from_email == "livello199@example.it"
    assert any("nested deeper" in warning for warning in parsed.warnings)
    assert all(not w.startswith("parse failed") for w in parsed.warnings)


def test_thousands_of_nested_parts_beyond_the_parsers_recursion_are_survived():
    for raw in (nested_messages(3_000), nested_multiparts(3_000)):
        parsed = parse_message(raw)

        assert all(not w.startswith("parse failed") for w in parsed.warnings), parsed.warnings
        assert any("nest" in warning for warning in parsed.warnings)


def test_deep_multipart_nesting_within_limits_still_finds_the_text():
    parsed = parse_message(nested_multiparts(20))

    assert parsed.text.strip() == "fondo"


def test_a_megabyte_of_nested_html_is_flattened_below_the_cap_with_a_warning():
    """1 MB of nested <div>s took 121 s to sanitise, since nh3's work grows with the square
    of the depth. What keeps the parse linear is that the sanitiser never sees more than
    ``MAX_DEPTH`` levels: checked here by the depth of what it produced. The time it takes
    is a figure of ``bench/html_limits.py``, not an assertion."""
    from html.parser import HTMLParser

    from sportello.core.html import MAX_DEPTH

    class Depth(HTMLParser):
        depth = deepest = 0

        def handle_starttag(self, tag, attrs):
            self.depth += 1
            self.deepest = max(self.deepest, self.depth)

        def handle_endtag(self, tag):
            self.depth -= 1

    raw = HEAD + b"Content-Type: text/html; charset=utf-8\r\n\r\n" + b"<div>x" * 170_000
    parsed = parse_message(raw)
    depth = Depth()
    depth.feed(parsed.html_sanitized)

    assert 0 < depth.deepest <= MAX_DEPTH
    assert parsed.text.startswith("x\nx") and "x" in parsed.html_sanitized
    assert any(w.startswith("html: nesting deeper than") for w in parsed.warnings)
