"""The matcher of duplicate suggestions: Italian names, blocking keys, scores and reasons."""

from __future__ import annotations

import pytest

from sportello.customers.matching import (
    SUGGEST_AT,
    Profile,
    compare,
    jaro_winkler,
    match_keys,
    name_similarity,
    name_tokens,
)


def _p(pk: int, name: str, identities=(), **fields) -> Profile:
    return Profile.of(pk, name, list(identities), fields)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Maria Rossi", "ROSSI MARIA"),
        ("Niccolò D'Angelo", "niccolo dangelo"),
        ("Sig.ra Anna De Luca", "Anna Deluca"),
        ("Dott. Luca Bianchi", "Bianchi Luca"),
    ],
)
def test_names_written_in_another_order_case_accents_or_title_are_the_same(a, b):
    assert name_tokens(a) == name_tokens(b)


def test_an_initial_matches_the_word_it_begins():
    assert name_similarity(name_tokens("M. Rossi"), name_tokens("Maria Rossi")) >= 0.88
    assert name_similarity(name_tokens("G. Rossi"), name_tokens("Maria Rossi")) < 0.88


def test_jaro_winkler_known_values():
    assert jaro_winkler("martha", "marhta") == pytest.approx(0.961, abs=0.001)
    assert jaro_winkler("dixon", "dicksonx") == pytest.approx(0.813, abs=0.001)
    assert jaro_winkler("", "x") == 0.0
    assert jaro_winkler("abc", "abc") == 1.0


def test_the_same_name_in_another_order_shares_a_blocking_key_and_is_suggested():
    a, b = _p(1, "Maria Rossi"), _p(2, "ROSSI MARIA")
    assert match_keys(a) & match_keys(b)
    found = compare(a, b)
    assert found.score >= SUGGEST_AT and found.reasons == ("same_name",)


def test_a_name_alone_never_scores_as_strongly_as_shared_evidence():
    """Two 'Marco Ferrari' may be two people: the name alone is a weak suggestion, well
    below the name with the same phone or order number."""
    alone = compare(_p(1, "Marco Ferrari"), _p(2, "Marco Ferrari"))
    with_phone = compare(
        _p(1, "Marco Ferrari", [("phone", "+393331112222")]),
        _p(2, "Ferrari Marco", [("whatsapp", "+393331112222")]),
    )
    with_order = compare(
        _p(1, "Marco Ferrari", order_number="A-1042"), _p(2, "M. Ferrari", ordini=["A-1042"])
    )
    assert alone.score < 0.5
    assert with_phone.score > alone.score + 0.3 and "same_phone" in with_phone.reasons
    assert "same_order_number" in with_order.reasons and with_order.score > alone.score


def test_another_birth_date_counts_against():
    a = _p(1, "Marco Ferrari", birth_date="1980-01-02")
    b = _p(2, "Marco Ferrari", birth_date="1975-07-30")
    assert compare(a, b).score < SUGGEST_AT


def test_a_company_domain_is_a_reason_a_free_mail_domain_is_not():
    a = _p(1, "Luca Bianchi", [("email", "luca@studiobianchi.it")], city="Torino")
    b = _p(2, "L. Bianchi", [("email", "amministrazione@studiobianchi.it")], città="Torino")
    reasons = compare(a, b).reasons
    assert "same_company_domain" in reasons and "same_city" in reasons
    c = _p(3, "Luca Bianchi", [("email", "luca@gmail.com")])
    d = _p(4, "Luca Bianchi", [("email", "bianchi@gmail.com")])
    assert "same_company_domain" not in compare(c, d).reasons
    assert not any(k.startswith("d:") for k in match_keys(c))


def test_different_names_need_strong_evidence():
    a = _p(1, "Giovanni Esposito", city="Napoli")
    b = _p(2, "Carla Moretti", city="Napoli")
    assert compare(a, b).score < SUGGEST_AT
