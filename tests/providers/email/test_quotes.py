"""Quote and signature stripping, one rule at a time, in Italian and English."""

from __future__ import annotations

import pytest

from sportello.providers.email.parsing import split_reply

REPLY = "Grazie, il pacco è arrivato."


@pytest.mark.parametrize(
    "history",
    [
        "Il giorno mar 12 mar 2024 alle ore 10:15 Negozio <info@negozio.it> ha scritto:\n\n> Ciao",
        "Il giorno mar 12 mar 2024 alle ore 10:15 Negozio <info@negozio.it>\nha scritto:\n> Ciao",
        "Il 12/03/2024 10:15, Mario Rossi ha scritto:\n> Ciao",
        "Il 12/03/24 10:15, Mario Rossi <mario@example.it> ha scritto:\nCiao senza citazione",
        'In data 11 ottobre 2017 21:11:31 "Negozio" <info@negozio.it> ha scritto:\n\nCiao',
        "Il giorno 12 mar 2024, alle ore 10:15, Negozio <info@negozio.it> ha scritto:\n\n> Ciao",
        "On Tue, Mar 12, 2024 at 10:15 AM Shop <info@shop.example> wrote:\n\n> Hi",
        "On 12/03/2024 10:15, Shop wrote:\n> Hi",
        "Da: Negozio <info@negozio.it>\nInviato: martedì 12 marzo 2024 10:15\nA: Mario\n"
        "Oggetto: Ordine\n\nTesto",
        "________________________________\nDa: Negozio <info@negozio.it>\n"
        "Inviato: martedì 12 marzo 2024 10:15\nA: Mario\nOggetto: Ordine\n\nTesto",
        "*From:* Shop [mailto:info@shop.example]\n*Sent:* Tuesday, March 12, 2024 10:15 AM\n"
        "*To:* Mario\n*Subject:* Order\n\nText",
        "-----Messaggio originale-----\nDa: Negozio\nInviato: martedì\n\nTesto",
        "-----Original Message-----\nFrom: Shop\nSent: Tuesday\n\nText",
        "> Gentile cliente,\n> il suo ordine è stato spedito.",
        "2014-03-20 8:48 GMT+01:00 Negozio <info@negozio.it>:\n\nTesto precedente",
    ],
)
def test_history_below_the_reply_is_cut(history):
    split = split_reply(f"{REPLY}\n\n{history}\n")

    assert split.visible == REPLY
    assert split.quoted.strip()


@pytest.mark.parametrize(
    "signature",
    [
        "Inviato da iPhone",
        "Inviato dal mio iPhone",
        "Inviato dal mio smartphone Samsung Galaxy.",
        "Inviato da Outlook per Android",
        "Scarica Outlook per iOS<https://aka.ms/o0ukef>",
        "Sent from my iPhone",
        "Get Outlook for Android",
        "-- \nMario Rossi\nVia Roma 1, Milano",
        "--\nMario Rossi",
        "Cordiali saluti,\nMario Rossi\nTel. 02 123456",
        "Distinti saluti\n\nMario Rossi",
        "Un saluto,\nAnna",
        "Best regards,\nJohn",
        "____________________\nQuesta email è riservata.",
    ],
)
def test_signature_is_cut(signature):
    split = split_reply(f"{REPLY}\n\n{signature}\n")

    assert split.visible == REPLY
    assert split.signature.strip()


def test_mobile_footer_followed_by_the_unquoted_original_is_cut_with_it():
    text = f"{REPLY}\n\nInviato da iPhone\n\nGentile cliente, il corriere passerà domani.\n"

    assert split_reply(text).visible == REPLY


@pytest.mark.parametrize(
    "text",
    [
        "Il giorno 12 marzo sono passato in negozio ma era chiuso.\nPotete dirmi gli orari?",
        "Da: quale magazzino partirà la merce?\nE quando arriva?",
        "Sent from my desk, is much easier then my mobile phone.",
        "Vi scrivo con riferimento all'ordine:\n- 2 magliette\n- 1 giacca",
        "Il mio collega ha scritto che il reso è gratuito, è vero?",
        "Grazie!",
        "Con i migliori saluti dalla Sicilia, vi chiedo un preventivo.",
    ],
)
def test_ordinary_text_is_not_mistaken_for_history_or_signature(text):
    assert split_reply(text).visible == text


def test_bottom_posted_answer_below_the_quote_is_the_new_text():
    text = (
        "Il 12/03/2024 10:15, Negozio ha scritto:\n> Ci conferma l'indirizzo?\n\nSì, via Roma 1.\n"
    )

    assert split_reply(text).visible == "Sì, via Roma 1."


def test_inline_answers_keep_the_quotes_they_answer():
    text = (
        "Buongiorno,\n\n> Taglia?\n\nM\n\n> Colore?\n\nBlu\n\n"
        "Il 12/03/2024 10:15, Negozio ha scritto:\n> vecchio\n"
    )

    assert split_reply(text).visible == "Buongiorno,\n\n> Taglia?\n\nM\n\n> Colore?\n\nBlu"


def test_wrapped_quote_line_that_lost_its_marker_is_still_quoted():
    text = (
        f"{REPLY}\n\nOn Mon, Mar 11, 2024 at 9:00 Shop wrote:\n> a line that was\nwrapped\n> end\n"
    )

    assert split_reply(text).visible == REPLY


def test_forwarded_message_keeps_what_was_forwarded():
    text = (
        "Vi giro la conferma.\n\nMario\n-- \nMario Rossi\n\n"
        "---------- Messaggio inoltrato ---------\nDa: Corriere <info@corriere.it>\n"
        "Date: mar 12 mar 2024\nSubject: Consegna\n\nConsegnato"
    )
    outlook = (
        "Per conoscenza.\n\n________________________________\nDa: Corriere\nInviato: ieri\n\nOk"
    )

    assert split_reply(text).visible == text.replace("-- \n", "--\n")  # lines are right-trimmed
    assert split_reply(outlook, forwarded=True).visible == outlook
    assert split_reply(outlook).visible == "Per conoscenza."


def test_other_languages_come_from_mail_parser_reply():
    text = f"{REPLY}\n\nAm 25.06.2015 um 10:55 schrieb Test user:\n\nAlte Nachricht\n"

    assert split_reply(text).visible == REPLY


def test_crlf_and_nbsp_are_handled_like_plain_newlines_and_spaces():
    text = f"{REPLY}\r\n\r\nIl\xa012/03/2024 10:15, Negozio ha scritto:\r\n> Ciao\r\n"

    assert split_reply(text).visible == REPLY


@pytest.mark.parametrize(
    "text",
    [
        ">" * 800_000,
        ("On " * 300_000) + "wrote:",
        ("Il giorno " * 100_000) + "\nha scritto:",
        ("a" * 200 + "\n") * 20_000 + "> q\n",
        "x " * 300_000 + "<a@b>:\n> q",
        ("Da: x\n" * 50_000),
        ("=?utf-8?q?" * 50_000),
    ],
    ids=["angle-brackets", "on-wrote", "il-giorno", "many-lines", "long-attribution", "da", "ew"],
)
def test_hostile_input_finishes(text):
    """No timing assertion: a catastrophic backtrack would simply never return."""
    assert isinstance(split_reply(text).visible, str)
