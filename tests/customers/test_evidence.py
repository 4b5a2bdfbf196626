"""Identifiers a message mentions: what is evidence, and what only looks like a number."""

from __future__ import annotations

import pytest

from sportello.customers.evidence import mentioned_identifiers


def _found(text: str) -> list[tuple[str, str, bool]]:
    return [(m.kind, m.value, m.in_signature) for m in mentioned_identifiers(text)]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        (
            "Vi ho scritto anche da luca.bianchi@libero.it la settimana scorsa",
            [("email", "luca.bianchi@libero.it", False)],
        ),
        (
            "Buongiorno,\nil pacco non è arrivato.\n\nCordiali saluti\nMaria Rossi\n"
            "Cell. 347 123 4567",
            [("phone", "+393471234567", True)],
        ),
        (
            "Salve, richiamatemi al 02 1234 5678 per favore",
            [("phone", "+390212345678", False)],
        ),
        ("il mio numero di telefono è 0039 347 1234567", [("phone", "+393471234567", False)]),
        (
            "Grazie\n--\nStudio Rossi\nTel: +39 06 6982 1234\nEmail: Info@Studio-Rossi.it",
            [("phone", "+390669821234", True), ("email", "info@studio-rossi.it", True)],
        ),
        ("Scrivete a <Anna.Verdi@Example.IT>.", [("email", "anna.verdi@example.it", False)]),
    ],
)
def test_emails_and_italian_phone_numbers_are_found_in_text_and_signature(text, found):
    assert _found(text) == found


@pytest.mark.parametrize(
    "text",
    [
        "ordine 3471234567 non arrivato",
        "Ordine n. 1042 del 12.03.2024",
        "IBAN IT60X0542811101000000123456",
        "il 12/03/2024 ho pagato 1.234,56 euro",
        "prezzo 349,00 €",
        "ho pagato 3471234567 €",
        "carta 4111 1111 1111 1111",
        "P.IVA 01234567890",
        "tracking 3471234567890",
        "fattura 0212345678",
        "codice cliente 3331234567",
        "pratica #3471234567",
        "scrivimi a mario@localhost",
        "Il giorno 3 marzo Mario <m@example.it> ha scritto:\n> cell 3331234567",
        "> da: vecchio@example.it\n> tel 3331234567",
        "",
    ],
)
def test_order_numbers_ibans_dates_prices_and_quotes_are_not_evidence(text):
    assert _found(text) == []


def test_one_address_in_text_and_signature_counts_once_as_the_signatures():
    text = "Il mio numero è 347 123 4567\n\nSaluti\nAnna\n347 1234567"
    assert _found(text) == [("phone", "+393471234567", True)]


def test_a_long_list_of_numbers_is_not_read_past_the_first_ten():
    text = "\n".join(f"scrivete a cliente{n}@example.it" for n in range(40))
    assert len(_found(text)) == 10


def test_a_keyword_ending_another_word_does_not_hide_a_number():
    assert _found("Buongiorno 347 123 4567 è il mio") == [("phone", "+393471234567", False)]
