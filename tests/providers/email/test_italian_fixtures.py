"""Italian customer mail from the clients Sportello's users actually receive."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sportello.providers.email.parsing import parse_message

from .corpora import FIXTURES


def parse_fixture(name: str):
    return parse_message((FIXTURES / name).read_bytes())


@pytest.mark.parametrize(
    ("fixture", "visible"),
    [
        (
            "it_gmail_il_giorno.eml",
            "Buongiorno,\n\nil pacco dell'ordine 4521 non è ancora arrivato. "
            "Potete verificare con il corriere?",
        ),
        (
            "it_outlook_da_inviato.eml",
            "Salve,\n\nvorrei restituire la giacca taglia M (ordine 4533): è troppo piccola.\n"
            "Come devo procedere per il reso?\n\nGiulia Verdi\nStudio Verdi & Associati\n"
            "Tel. 02 1234567",
        ),
        (
            "it_thunderbird.eml",
            "Buonasera,\nconfermo l'indirizzo di consegna: via Roma 12, 20121 Milano. "
            "Potete spedire anche domani.",
        ),
        (
            "it_apple_mail.eml",
            "Perfetto, grazie mille!\nPasso a ritirare venerdì in negozio.\n\nAnna",
        ),
        ("it_iphone.eml", "Va bene, allora aspetto la chiamata del corriere."),
        ("it_messaggio_originale.eml", "Vi allego la ricevuta del bonifico."),
        (
            "it_latin1.eml",
            "Buongiorno,\n\nperché il prezzo della borsa è cambiato? L'ho vista a 49,90 € ieri "
            "e oggi costa di più.\nPotete applicarmi il prezzo di ieri? Sarò felice di "
            "ordinarne due.",
        ),
        ("it_outlook_android.eml", "Ok, grazie per la risposta veloce."),
        ("it_html_only.eml", "Salve, non riesco ad accedere al mio account.\nclicca"),
    ],
)
def test_italian_reply_keeps_only_the_new_text(fixture, visible):
    parsed = parse_fixture(fixture)

    assert parsed.visible_text == visible
    assert parsed.text.startswith(visible.split("\n", 1)[0])
    assert len(parsed.text) > len(parsed.visible_text)
    assert parsed.warnings == []


def test_gmail_reply_headers_subject_and_threading():
    parsed = parse_fixture("it_gmail_il_giorno.eml")

    assert parsed.from_email == "mario.rossi@gmail.com"
    assert parsed.from_name == "Mario Rossi"
    assert parsed.to == ["supporto@negozio-bianchi.it"]
    assert parsed.subject == "Re: Il suo ordine 4521 è stato spedito"
    assert parsed.message_id == "<CAJx8r0a+Qk9PzY1dL2v@mail.gmail.com>"
    assert parsed.in_reply_to == "<sportello.4521.1@negozio-bianchi.it>"
    assert parsed.references == [
        "<sportello.4521.0@negozio-bianchi.it>",
        "<sportello.4521.1@negozio-bianchi.it>",
    ]
    assert parsed.date == datetime(2024, 3, 12, 10, 2, 41, tzinfo=UTC)
    assert "Il giorno mar 12 mar 2024" in parsed.text  # the full original is kept
    assert "<blockquote" in parsed.html_sanitized


def test_latin1_subject_and_sender_name_keep_their_accents():
    parsed = parse_fixture("it_latin1.eml")

    assert parsed.subject == "Perché il prezzo è cambiato? Città e qualità"
    assert parsed.from_name == "Renée Marrò"
    assert "Cordiali saluti\nRenée Marrò" in parsed.text


def test_outlook_thread_headers_are_kept_for_threading():
    parsed = parse_fixture("it_outlook_da_inviato.eml")

    assert parsed.thread_headers["thread-topic"] == "Conferma ordine 4533"
    assert parsed.in_reply_to == "<sportello.4533.0@negozio-bianchi.it>"


def test_attachment_declared_generic_is_sniffed_as_pdf():
    parsed = parse_fixture("it_messaggio_originale.eml")

    [attachment] = parsed.attachments
    assert attachment.filename == "ricevuta bonifico.pdf"
    assert attachment.content_type == "application/pdf"
    assert attachment.declared_content_type == "application/octet-stream"
    assert attachment.content.startswith(b"%PDF-1.4")
    assert attachment.size == len(attachment.content)


def test_out_of_office_is_an_auto_reply_but_not_a_bounce():
    parsed = parse_fixture("it_risposta_automatica.eml")

    assert parsed.is_auto_reply
    assert not parsed.is_bounce
