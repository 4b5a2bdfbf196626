"""PEC: the envelope is unwrapped to the customer's message; receipts become events."""

from __future__ import annotations

from sportello.providers.email.parsing import parse_message
from sportello.providers.email.parsing.pec import parse_daticert

from .corpora import FIXTURES


def parse_fixture(name: str):
    return parse_message((FIXTURES / name).read_bytes())


def test_pec_envelope_is_read_as_the_certified_message_inside_it():
    parsed = parse_fixture("pec_posta_certificata.eml")

    assert parsed.from_email == "mario.rossi@pec.it"
    assert parsed.from_name == "Mario Rossi"
    assert parsed.subject == "Reclamo ordine n. 4521"
    assert parsed.message_id == "<CAF1234.abcd@pec.it>"
    assert parsed.visible_text == (
        "Spett.le Negozio Bianchi,\n\ncon la presente contesto la consegna dell'ordine n. 4521: "
        "la merce è arrivata danneggiata.\nAllego le foto e chiedo la sostituzione."
    )
    assert [(a.filename, a.content_type) for a in parsed.attachments] == [
        ("reclamo.pdf", "application/pdf")
    ]
    assert not parsed.is_auto_reply
    assert parsed.raw_size == (FIXTURES / "pec_posta_certificata.eml").stat().st_size


def test_pec_envelope_records_transport_and_certification_data():
    pec = parse_fixture("pec_posta_certificata.eml").pec

    assert pec["type"] == "posta-certificata"
    assert pec["envelope_from"] == "posta-certificata@pec.aruba.it"
    assert pec["identificativo"] == "opec210312.20240312101500.123456.789.1.53@pec.aruba.it"
    assert pec["daticert"] == {
        "tipo": "posta-certificata",
        "errore": "nessuno",
        "mittente": "mario.rossi@pec.it",
        "destinatari": ["ordini@pec.negozio-bianchi.it"],
        "risposte": "mario.rossi@pec.it",
        "oggetto": "Reclamo ordine n. 4521",
        "gestore-emittente": "ARUBA PEC S.p.A.",
        "data": "12/03/2024",
        "ora": "10:15:00",
        "zona": "+0100",
        "identificativo": "opec210312.20240312101500.123456.789.1.53@pec.aruba.it",
        "msgid": "<CAF1234.abcd@pec.it>",
        "consegna": [],
    }


def test_accettazione_receipt_is_an_event_about_our_message():
    parsed = parse_fixture("pec_accettazione.eml")

    assert parsed.is_auto_reply
    assert parsed.pec["type"] == "receipt"
    assert parsed.pec["receipt"] == "accettazione"
    assert parsed.pec["refers_to_msgid"] == "<sportello.4521.2@negozio-bianchi.it>"
    assert parsed.pec["daticert"]["tipo"] == "accettazione"


def test_avvenuta_consegna_receipt_names_the_mailbox_it_reached_and_is_not_unwrapped():
    parsed = parse_fixture("pec_avvenuta_consegna.eml")

    assert parsed.is_auto_reply
    assert parsed.pec["receipt"] == "avvenuta-consegna"
    assert parsed.pec["daticert"]["consegna"] == ["mario.rossi@pec.it"]
    assert parsed.from_email == "posta-certificata@pec.aruba.it"
    assert "postacert.eml" in [a.filename for a in parsed.attachments]


def test_receipt_is_recognised_by_subject_when_the_transport_header_is_missing():
    raw = (FIXTURES / "pec_accettazione.eml").read_bytes().replace(b"X-Ricevuta:", b"X-Other:")

    parsed = parse_message(raw)

    assert parsed.pec["receipt"] == "accettazione"
    assert parsed.is_auto_reply


def test_envelope_without_postacert_keeps_the_envelope_with_a_warning():
    raw = (
        (FIXTURES / "pec_posta_certificata.eml")
        .read_bytes()
        .replace(b'filename="postacert.eml"', b'filename="altro.eml"')
    )

    parsed = parse_message(raw)

    assert parsed.pec["type"] == "posta-certificata"
    assert parsed.subject == "POSTA CERTIFICATA: Reclamo ordine n. 4521"
    assert "pec: envelope without a readable postacert.eml" in parsed.warnings


def test_daticert_with_a_doctype_is_refused_so_entities_cannot_expand():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b"<postacert><intestazione><oggetto>&lol2;</oggetto></intestazione></postacert>"
    )
    warnings: list[str] = []

    assert parse_daticert(bomb, warnings) is None
    assert warnings == ["pec: daticert.xml has a DOCTYPE; refused"]


def test_broken_daticert_is_a_warning_not_an_error():
    warnings: list[str] = []

    assert parse_daticert(b"<postacert><dati>", warnings) is None
    assert warnings == ["pec: daticert.xml is not well-formed"]


def test_envelope_with_a_base64_encoded_postacert_is_unwrapped():
    """Some providers base64 the message/rfc822 part although RFC 2046 forbids it."""
    import base64

    inner = (
        b"From: Mario Rossi <mario@pec.example.it>\r\nTo: shop@pec.example.it\r\n"
        b"Subject: Reclamo fattura\r\nMessage-ID: <in1@pec.example.it>\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\nLa fattura 12 \xc3\xa8 errata.\r\n"
    )
    raw = (
        b'From: "Per conto di: mario@pec.example.it" <posta-certificata@pec.example.it>\r\n'
        b"To: shop@pec.example.it\r\nSubject: POSTA CERTIFICATA: Reclamo fattura\r\n"
        b"X-Trasporto: posta-certificata\r\nMessage-ID: <env1@pec.example.it>\r\n"
        b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="B"\r\n\r\n'
        b"--B\r\nContent-Type: text/plain\r\n\r\nMessaggio di posta certificata\r\n"
        b"--B\r\nContent-Type: message/rfc822; name=postacert.eml\r\n"
        b"Content-Disposition: inline; filename=postacert.eml\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(inner).replace(b"\n", b"\r\n")
        + b"--B--\r\n"
    )
    parsed = parse_message(raw)
    assert (parsed.from_email, parsed.subject) == ("mario@pec.example.it", "Reclamo fattura")
    assert parsed.text.strip() == "La fattura 12 è errata."
    assert parsed.pec is not None and parsed.pec["type"] == "posta-certificata"
