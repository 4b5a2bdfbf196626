"""Mail that must never be answered automatically: auto-replies, bounces, list traffic."""

from __future__ import annotations

import pytest

from sportello.providers.email.parsing import parse_message

from .corpora import corpus_path


def flags(*headers: bytes, body: bytes = b"testo\n") -> tuple[bool, bool, bool]:
    parsed = parse_message(b"\n".join(headers) + b"\n\n" + body)
    return parsed.is_auto_reply, parsed.is_bounce, parsed.is_mailing_list


@pytest.mark.parametrize(
    "header",
    [
        b"Auto-Submitted: auto-replied",
        b"Auto-Submitted: auto-generated; owner-email=x@y.it",
        b"X-Autoreply: yes",
        b"X-Autorespond: Sono in ferie",
        b"Precedence: bulk",
        b"Precedence: junk",
        b"Precedence: auto_reply",
        b"X-Auto-Response-Suppress: All",
        b"X-Auto-Response-Suppress: OOF, DR",
    ],
)
def test_automatic_headers_mark_an_auto_reply(header):
    assert flags(b"From: a@example.it", b"Subject: Ciao", header)[0]


@pytest.mark.parametrize(
    "subject",
    [b"Risposta automatica: Ordine 12", b"Automatic reply: Order 12", b"Fuori sede fino al 3"],
)
def test_automatic_subjects_mark_an_auto_reply(subject):
    assert flags(b"From: a@example.it", b"Subject: " + subject)[0]


def test_ordinary_mail_and_auto_submitted_no_are_not_automatic():
    assert flags(b"From: a@example.it", b"Subject: Ciao") == (False, False, False)
    assert flags(b"From: a@example.it", b"Auto-Submitted: no") == (False, False, False)


@pytest.mark.parametrize(
    "headers",
    [
        (b"From: MAILER-DAEMON@mx.example.it", b"Subject: Undelivered Mail Returned to Sender"),
        (b"From: postmaster@example.it", b"Subject: Delivery Status Notification"),
        (b"From: a@example.it", b"X-Failed-Recipients: b@example.it"),
        (b"From: a@example.it", b"Return-Path: <>", b"Subject: Messaggio non consegnato"),
        (
            b"From: a@example.it",
            b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
        ),
    ],
)
def test_bounces_are_bounces_and_auto_replies(headers):
    assert flags(*headers)[:2] == (True, True)


@pytest.mark.parametrize(
    "header",
    [b"List-Id: <clienti.negozio.it>", b"List-Unsubscribe: <mailto:esci@negozio.it>"],
)
def test_list_headers_mark_mailing_list_traffic(header):
    assert flags(b"From: a@example.it", header)[2]


def test_precedence_list_is_list_traffic_and_automatic():
    assert flags(b"From: a@example.it", b"Precedence: list") == (True, False, True)


@pytest.mark.parametrize(
    "name",
    [
        "mail033-undelivered-mail-returned-to-sender.box",
        "mail052.box",
        "mail053.box",
        "mail055.box",
        "mail063.box",
        "mail078.box",
        "mail092.box",
    ],
)
def test_zammad_bounces_are_recognised(name):
    parsed = parse_message(corpus_path("emails", "zammad", name).read_bytes())

    assert parsed.is_bounce and parsed.is_auto_reply


def test_customer_subject_that_looks_like_a_pec_receipt_is_not_one():
    parsed = parse_message(b"From: a@example.it\nSubject: ACCETTAZIONE: preventivo 12\n\nOk")

    assert parsed.pec is None
    assert not parsed.is_auto_reply
