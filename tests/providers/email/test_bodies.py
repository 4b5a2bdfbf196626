"""Bodies and attachments: MIME structures, transfer encodings, sniffing, file names."""

from __future__ import annotations

import base64

import pytest

from sportello.providers.email.parsing import parse_message
from sportello.providers.email.parsing.attachments import safe_filename

HEAD = b"From: Mario Rossi <mario@example.it>\nTo: supporto@negozio.it\nSubject: prova\n"
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n"


def multipart(kind: str, *parts: bytes, boundary: bytes = b"XX") -> bytes:
    body = b"".join(b"--" + boundary + b"\n" + part + b"\n" for part in parts)
    header = b'Content-Type: multipart/%s; boundary="%s"\n\n' % (kind.encode(), boundary)
    return HEAD + header + body + b"--" + boundary + b"--\n"


def test_alternative_keeps_the_plain_text_and_the_html():
    parsed = parse_message(
        multipart(
            "alternative",
            b"Content-Type: text/plain; charset=utf-8\n\nCiao *Anna*",
            b"Content-Type: text/html; charset=utf-8\n\n<p>Ciao <b>Anna</b></p>",
        )
    )

    assert parsed.text == "Ciao *Anna*"
    assert parsed.html_sanitized == "<p>Ciao <b>Anna</b></p>"
    assert parsed.attachments == []


def test_html_only_message_gets_its_text_from_the_html():
    parsed = parse_message(HEAD + b"Content-Type: text/html\n\n<p>Riga&nbsp;uno</p><p>Due</p>")

    assert parsed.text == "Riga uno\n\nDue"


def test_related_inline_image_is_an_inline_attachment_with_its_content_id():
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20
    parsed = parse_message(
        multipart(
            "related",
            b'Content-Type: text/html\n\n<p>Logo: <img src="cid:logo@x"></p>',
            b"Content-Type: image/png\nContent-ID: <logo@x>\nContent-Transfer-Encoding: base64\n\n"
            + base64.encodebytes(png),
        )
    )

    [image] = parsed.attachments
    assert (image.content_type, image.content_id, image.is_inline) == ("image/png", "logo@x", True)
    assert image.content == png
    assert 'src="cid:logo@x"' in parsed.html_sanitized


def test_mixed_with_text_around_a_picture_keeps_both_texts_in_order():
    parsed = parse_message(
        multipart(
            "mixed",
            b"Content-Type: text/plain\n\nPrima",
            b"Content-Type: image/gif\nContent-Disposition: inline\n\nGIF89a...",
            b"Content-Type: text/plain\n\nDopo",
        )
    )

    assert parsed.text == "Prima\nDopo"
    assert [a.content_type for a in parsed.attachments] == ["image/gif"]


def test_forwarded_message_is_an_eml_attachment_not_body_text():
    parsed = parse_message(
        multipart(
            "mixed",
            b"Content-Type: text/plain\n\nVi inoltro la mail.",
            b"Content-Type: message/rfc822\n\nFrom: x@y.it\nSubject: Fattura 12\n\nTesto vecchio\n",
        )
    )

    assert parsed.text == "Vi inoltro la mail."
    [forwarded] = parsed.attachments
    assert (forwarded.filename, forwarded.content_type) == ("Fattura 12.eml", "message/rfc822")
    assert b"Testo vecchio" in forwarded.content


def test_generic_or_lying_content_types_are_sniffed_from_the_bytes():
    parsed = parse_message(
        multipart(
            "mixed",
            b"Content-Type: text/plain\n\nAllegati",
            b'Content-Type: application/octet-stream; name="doc"\n'
            b"Content-Transfer-Encoding: base64\n\n" + base64.encodebytes(PDF),
            b'Content-Type: text/plain; name="leggimi.txt"\nContent-Transfer-Encoding: base64\n\n'
            + base64.encodebytes(b"MZ\x90\x00\x03" + b"\x00" * 50),
            b"Content-Type: application/vnd.openxmlformats-officedocument"
            b'.wordprocessingml.document; name="a.docx"\nContent-Transfer-Encoding: base64\n\n'
            + base64.encodebytes(b"PK\x03\x04" + b"\x00" * 26 + b"word/document.xml"),
        )
    )

    assert [a.content_type for a in parsed.attachments] == [
        "application/pdf",
        "application/x-msdownload",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ]


@pytest.mark.parametrize(
    ("disposition", "filename"),
    [
        (b'attachment; filename="fattura.pdf"', "fattura.pdf"),
        (b"attachment; filename*=UTF-8''fattura%20n%C2%B0%2012.pdf", "fattura n° 12.pdf"),
        (b"attachment; filename*0*=UTF-8''perch%C3%A9; filename*1=.pdf", "perché.pdf"),
        (b'attachment; filename="=?UTF-8?B?cGVyY2jDqS5wZGY=?="', "perché.pdf"),
        (b'attachment; filename="Hofj\xe4geralle.pdf"', "Hofjägeralle.pdf"),
        (b'attachment; filename="../../etc/passwd"', "passwd"),
        (b'attachment; filename="C:\\\\Users\\\\x\\\\fattura.pdf"', "fattura.pdf"),
        (b'attachment; filename="fattura\xe2\x80\xaefdp.exe"', "fatturafdp.exe"),
        (b"attachment", "attachment.pdf"),
    ],
)
def test_attachment_file_names_are_decoded_and_made_safe(disposition, filename):
    parsed = parse_message(
        multipart(
            "mixed",
            b"Content-Type: text/plain\n\nciao",
            b"Content-Type: application/pdf\nContent-Disposition: "
            + disposition
            + b"\nContent-Transfer-Encoding: base64\n\n"
            + base64.encodebytes(PDF),
        )
    )

    assert [a.filename for a in parsed.attachments] == [filename]


def test_safe_filename_never_returns_an_empty_name():
    assert safe_filename("...", "image/png") == "attachment.png"
    assert safe_filename("", "message/rfc822") == "attachment.eml"
    assert len(safe_filename("a" * 500 + ".pdf", "application/pdf")) == 180


def test_base64_with_garbage_and_missing_padding_still_decodes():
    encoded = base64.b64encode("Questo è il testo".encode()).rstrip(b"=")
    garbage = encoded[:8] + b" !!\n" + encoded[8:] + b"\n*** end ***"

    parsed = parse_message(
        HEAD
        + b"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
        + garbage
    )

    assert parsed.text.startswith("Questo è il testo")


def test_quoted_printable_soft_breaks_and_bad_escapes():
    parsed = parse_message(
        HEAD + b"Content-Type: text/plain; charset=utf-8\n"
        b"Content-Transfer-Encoding: Quoted-Printable \n\n"
        b"Una riga lunga =\nche continua =C3=A8 =ZZ fine"
    )

    assert parsed.text == "Una riga lunga che continua è =ZZ fine"


def test_uuencoded_part_and_uuencoded_block_inside_text():
    part = parse_message(
        multipart(
            "mixed",
            b"Content-Type: text/plain\n\nvedi allegato",
            b'Content-Type: application/octet-stream; name="saluto.txt"\n'
            b"Content-Transfer-Encoding: x-uuencode\n\n,2&5L;&\\@6F%M;6%D\n`\n",
        )
    )
    inline = parse_message(
        HEAD + b"\nEcco il file:\n\nbegin 644 saluto.txt\n,2&5L;&\\@6F%M;6%D\n`\nend\n\nCiao\n"
    )

    assert part.attachments[0].content == b"Hello Zammad"
    assert (inline.attachments[0].filename, inline.attachments[0].content) == (
        "saluto.txt",
        b"Hello Zammad",
    )
    assert "begin 644" not in inline.text and "Ciao" in inline.text


def test_binary_part_and_part_without_content_type():
    parsed = parse_message(
        multipart(
            "mixed",
            b"\nTesto senza intestazioni",
            b"Content-Type: application/pdf\nContent-Transfer-Encoding: binary\n\n" + PDF,
        )
    )

    assert parsed.text == "Testo senza intestazioni"
    assert parsed.attachments[0].content.rstrip(b"\n") == PDF.rstrip(b"\n")


def test_multipart_without_boundary_is_read_as_text_with_a_warning():
    parsed = parse_message(HEAD + b"Content-Type: multipart/mixed\n\nsolo testo\n")

    assert parsed.text.strip() == "solo testo"
    assert "mime: multipart without usable boundary read as text" in parsed.warnings


def test_illegal_boundary_characters_are_accepted():
    parsed = parse_message(
        multipart(
            "alternative",
            b"Content-Type: text/plain\n\nok",
            boundary=b"----=_Part_0_[@:]{}.1",
        )
    )

    assert parsed.text == "ok"


def test_format_flowed_lines_are_joined():
    parsed = parse_message(
        HEAD + b"Content-Type: text/plain; charset=utf-8; format=flowed\n\n"
        b"Una frase spezzata \nsu due righe.\n> citazione \n> continua\n-- \nfirma\n"
    )

    assert parsed.text.splitlines() == [
        "Una frase spezzata su due righe.",
        "> citazione continua",
        "-- ",
        "firma",
    ]


def test_undeclared_8bit_body_is_decoded_with_a_warning():
    parsed = parse_message(HEAD + b"\nPrezzo: 10 \x80, qualit\xe0\n")

    assert parsed.text == "Prezzo: 10 €, qualità\n"
    assert "body: 8-bit text without charset; decoded as cp1252" in parsed.warnings


def test_japanese_mislabelled_as_iso_2022_jp_is_read_as_shift_jis():
    parsed = parse_message(
        HEAD + b"Content-Type: text/plain; charset=ISO-2022-JP\n\n\x83c\x81[\x83\x8b\n"
    )

    assert parsed.text.strip() == "ツール"


def test_rfc2231_charset_parameter_on_an_8bit_body_is_read():
    """The stdlib's own get_payload() raises a TypeError on this (found by fuzzing)."""
    parsed = parse_message(
        HEAD + b"Content-Type: text/plain; charset*=us-ascii''utf-8\n\nPerch\xc3\xa9 \x80\n"
    )

    assert parsed.text.startswith("Perch")
    assert not [w for w in parsed.warnings if w.startswith("parse failed")]
