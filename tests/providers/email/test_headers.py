"""Headers: encoded words, broken charsets, odd addresses, dates, ids and injection."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sportello.providers.email.parsing import parse_message, safe_header_value


def message(*headers: bytes, body: bytes = b"corpo\n") -> bytes:
    return b"\n".join(headers) + b"\n\n" + body


@pytest.mark.parametrize(
    ("raw_subject", "subject"),
    [
        (b"=?UTF-8?Q?Ordine_n=C2=B0_12_=E2=80=93_urgente?=", "Ordine n° 12 – urgente"),
        (b"=?utf-8?B?w6ggdW4gcHJvYmxlbWE=?=", "è un problema"),
        (b"=?ISO-8859-1?Q?citt=E0?= =?ISO-8859-1?Q?_e_paese?=", "città e paese"),
        (b"=?utf-8?B?4oK?= =?utf-8?B?sA==?=", "₰"),  # one character split over two words
        (b"Re: =?UTF-8?B?Iua8ouWtlyI=?= mid", 'Re: "漢字" mid'),
        (b"=?ks_c_5601-1987?B?rKqs06zRrN8=?=", "Иван"),  # an alias Python narrows to EUC-KR
        (b"=?GB2312?B?ob4g1rHNqA==?=", "【 直通"),
        (b"=?NONE?B?VEVTVA=?=", "TEST"),  # unknown charset, broken padding
        (b"=?ISO-2022-JP?B?GyRCO3ZMMzZJGyhC==?=", "事務局"),  # extra padding
        (b"Perch\xc3\xa9 no?", "Perché no?"),  # raw UTF-8 (RFC 6532)
        (b"Ciao\n  a tutti", "Ciao a tutti"),  # folded
        (b"", ""),
    ],
)
def test_subject_is_decoded(raw_subject, subject):
    parsed = parse_message(message(b"From: a@b.it", b"Subject: " + raw_subject))

    assert parsed.subject == subject


def test_unknown_charset_falls_back_with_a_warning():
    parsed = parse_message(message(b"From: a@b.it", b"Subject: =?x-unknown?Q?caf=E9?="))

    assert parsed.subject == "café"
    assert parsed.warnings == ["subject: unknown charset 'x-unknown'; decoded as cp1252"]


def test_raw_8bit_header_uses_the_charset_the_body_declares():
    parsed = parse_message(
        message(
            b'From: "\xce\xe4\xc0\xbc\xb3\xc9" <w@example.cn>',
            b"Subject: \xd7\xaa\xb7\xa2",
            b"Content-Type: text/plain; charset=gb2312",
        )
    )

    assert parsed.from_name == "武兰成"
    assert parsed.subject == "转发"


def test_subject_with_encoded_line_breaks_is_one_line_so_replies_cannot_inject_headers():
    parsed = parse_message(
        message(b"From: a@b.it", b"Subject: =?utf-8?Q?Ciao=0D=0ABcc:_tutti@example.com?=")
    )

    assert parsed.subject == "Ciao Bcc: tutti@example.com"
    assert "\r" not in parsed.subject and "\n" not in parsed.subject


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("Re: ciao\r\nBcc: x@example.com", "Re: ciao Bcc: x@example.com"),
        ("a\rb\nc\x00d\x0be\u2028f\u2029g\x85h", "a b c d e f g h"),
        ("  spazi   multipli\t ", "spazi multipli"),
        (None, ""),
    ],
)
def test_safe_header_value_removes_every_line_break_and_control_character(value, safe):
    assert safe_header_value(value) == safe


def test_safe_header_value_keeps_lines_within_the_rfc_limit():
    assert len(safe_header_value("x" * 5000)) == 998


@pytest.mark.parametrize(
    ("from_header", "email", "name"),
    [
        (b"Mario Rossi <mario@example.it>", "mario@example.it", "Mario Rossi"),
        (b'"Rossi, Mario" <mario@example.it>', "mario@example.it", "Rossi, Mario"),
        (b"Rossi, Mario <mario@example.it>", "mario@example.it", "Rossi, Mario"),
        (
            b"=?iso-8859-1?Q?B=FCrling,=20Andreas?= <a@example.de>",
            "a@example.de",
            "Bürling, Andreas",
        ),
        (b"Mikel@Lindsaar <raasdnil@gmail.com>", "raasdnil@gmail.com", "Mikel@Lindsaar"),
        (b'"mario@example.it" <mario@example.it>', "mario@example.it", "mario@example.it"),
        (b"mario@example.it (Mario Rossi)", "mario@example.it", "Mario Rossi"),
        (b"MAILER-DAEMON (Mail Delivery System)", "MAILER-DAEMON", "Mail Delivery System"),
        (b'"=?utf-8?B?TcO8bGxlcg==?=" <m@example.de>', "m@example.de", "Müller"),
        (b"<solo@example.it>", "solo@example.it", ""),
        (b"=?utf-8?Q?agent?=@example.com", "agent@example.com", ""),
        (
            b"=?utf-8?Q?a=40evil.example?=@example.com",
            "=?utf-8?Q?a=40evil.example?=@example.com",
            "",
        ),
    ],
)
def test_sender_address_and_display_name(from_header, email, name):
    parsed = parse_message(message(b"From: " + from_header, b"Subject: x"))

    assert (parsed.from_email, parsed.from_name) == (email, name)


def test_first_usable_from_wins_over_an_unreadable_one():
    parsed = parse_message(
        message(b"From: [??????]", b"From: Ufficio <ufficio@example.it>", b"Subject: x")
    )

    assert parsed.from_email == "ufficio@example.it"
    assert "from: 2 From headers; the first usable one was used" in parsed.warnings


def test_several_addresses_in_one_from_take_the_first():
    parsed = parse_message(message(b"From: tim@example.com concierge@example.com"))

    assert parsed.from_email == "tim@example.com"
    assert "from: several addresses in From; the first was used" in parsed.warnings


def test_missing_or_empty_from_falls_back_to_reply_to():
    parsed = parse_message(message(b'From: "Io" <>', b"Reply-To: <vero@example.it>"))

    assert parsed.from_email == "vero@example.it"
    assert parsed.reply_to == "vero@example.it"


def test_message_with_no_headers_at_all_still_parses():
    parsed = parse_message(b"\n\nsolo testo\n")

    assert parsed.from_email == ""
    assert parsed.subject == ""
    assert parsed.date is None
    assert parsed.text.strip() == "solo testo"


def test_recipient_lists_keep_order_without_duplicates_or_group_labels():
    parsed = parse_message(
        message(
            b"From: a@b.it",
            b"To: undisclosed-recipients:;",
            b"To: , uno@example.it, Due <due@example.it>,\n\t uno@example.it",
            b"Cc: Team: tre@example.it, quattro@example.it;",
        )
    )

    assert parsed.to == ["uno@example.it", "due@example.it"]
    assert parsed.cc == ["tre@example.it", "quattro@example.it"]


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        (b"Tue, 12 Mar 2024 10:15:00 +0100", datetime(2024, 3, 12, 9, 15, tzinfo=UTC)),
        (b"12 Mar 2024 10:15:00 -0000", datetime(2024, 3, 12, 10, 15, tzinfo=UTC)),
        (
            b"Sat, 20 Sep 2008 20:04:30 +0300 (\xf9\xf2\xe5\xef)",
            datetime(2008, 9, 20, 17, 4, 30, tzinfo=UTC),
        ),
        (b"Tue, 12 Mar 2024 24:00:00 +0000", datetime(2024, 3, 13, tzinfo=UTC)),
    ],
)
def test_date_is_aware_utc(date, expected):
    assert parse_message(message(b"From: a@b.it", b"Date: " + date)).date == expected


@pytest.mark.parametrize("date", [b"<HR>", b"Wed, 15 Dec 2010 59:10 -0500", b"27:39:33"])
def test_unreadable_date_is_none_with_a_warning(date):
    parsed = parse_message(message(b"From: a@b.it", b"Date: " + date))

    assert parsed.date is None
    assert any(w.startswith("date: unreadable Date header") for w in parsed.warnings)


def test_message_ids_keep_brackets_and_references_keep_the_root_and_the_latest():
    references = b" ".join(b"<id%d@example.it>" % i for i in range(150))
    parsed = parse_message(
        message(
            b"From: a@b.it",
            b"Message-ID: senza-parentesi@example.it",
            b"In-Reply-To: <id149@example.it> (da Mario)",
            b"References: " + references,
        )
    )

    assert parsed.message_id == "<senza-parentesi@example.it>"
    assert parsed.in_reply_to == "<id149@example.it>"
    assert len(parsed.references) == 100
    assert parsed.references[0] == "<id0@example.it>"
    assert parsed.references[-1] == "<id149@example.it>"


def test_broken_header_block_is_repaired():
    raw = (
        b"---- Original email message ----\n"
        b"From: modulo@example.cz\nX-Long: abc\ndefghi-unindented-continuation\n"
        b"Subject: Contatto dal sito\n\nTesto\n"
    )

    parsed = parse_message(raw)

    assert (parsed.from_email, parsed.subject) == ("modulo@example.cz", "Contatto dal sito")
    assert "headers: text above the headers skipped" in parsed.warnings
    assert "headers: unindented continuation lines joined" in parsed.warnings
