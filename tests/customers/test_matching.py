"""The matcher of duplicate suggestions: Italian names, blocking keys, scores and reasons."""

from __future__ import annotations

import pytest

from sportello.customers.matching import (
    SUGGEST_AT,
    Profile,
    compare,
    jaro_winkler,
    match_keys,
    name_and_city_can_suggest,
    name_similarity,
    name_tokens,
    name_weight,
    town_weight,
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


def test_the_same_name_in_another_order_shares_a_blocking_key_and_counts_as_the_same_name():
    a, b = _p(1, "Maria Rossi"), _p(2, "ROSSI MARIA")
    assert match_keys(a) & match_keys(b)
    assert compare(a, b).reasons == ("same_name",)


@pytest.mark.parametrize("frequency", [0, 2, 3, 50, 10_000])
def test_two_marco_ferrari_with_nothing_else_in_common_are_not_suggested(frequency):
    """However rare or common the name, a name alone is never a suggestion."""
    found = compare(_p(1, "Marco Ferrari"), _p(2, "FERRARI MARCO"), name_frequency=frequency)
    assert found.score < SUGGEST_AT
    assert "same_name" in found.reasons


def test_a_rare_name_and_the_same_city_are_suggested():
    a = _p(1, "Ilaria Zedda", citta="Nuoro")
    b = _p(2, "ZEDDA ILARIA", city="Nuoro")
    found = compare(a, b, name_frequency=2)
    assert found.score >= SUGGEST_AT
    assert found.reasons == ("same_name", "same_city")


def test_a_very_common_name_and_the_same_city_are_not_suggested_but_a_birth_date_is():
    """GIVEN 'Maria Rossi' borne by 40 customers of the workspace
    THEN two of them in Roma are not suggested (many Maria Rossi live in Roma), and the
    reason says the name is common; the same birth date as well is enough."""
    a = _p(1, "Maria Rossi", citta="Roma")
    b = _p(2, "Rossi Maria", citta="Roma")
    found = compare(a, b, name_frequency=40)
    assert found.score < SUGGEST_AT
    assert found.reasons == ("same_name", "same_city", "common_name")
    assert compare(a, b, name_frequency=2).score >= SUGGEST_AT
    born = compare(
        _p(1, "Maria Rossi", citta="Roma", birth_date="1971-03-04"),
        _p(2, "Rossi Maria", citta="Roma", data_di_nascita="1971-03-04"),
        name_frequency=40,
    )
    assert born.score >= SUGGEST_AT and "same_birth_date" in born.reasons


def test_a_name_weighs_less_the_more_customers_bear_it():
    weights = [name_weight("same_name", n) for n in (1, 3, 6, 12, 24, 10_000)]
    assert weights == sorted(weights, reverse=True)
    assert weights[0] == weights[1] > weights[2] > weights[3] > weights[4]
    assert weights[-1] == name_weight("shared_name_word", 10_000) > 0
    assert name_and_city_can_suggest(3) and not name_and_city_can_suggest(4)


def test_a_town_weighs_less_the_more_customers_live_in_it():
    weights = [town_weight(n) for n in (0, 5, 100, 200, 400, 100_000)]
    assert weights == sorted(weights, reverse=True)
    assert weights[0] == weights[1] == weights[2] > weights[3]
    assert weights[4] == weights[5] == town_weight(0) / 2 > 0
    assert name_and_city_can_suggest(2, 100) and not name_and_city_can_suggest(2, 101)
    assert not name_and_city_can_suggest(4, 1)
    # Beyond SMALL_TOWN customers, what makes a town big is its share of the workspace:
    # 400 of 50,000 (0.8%) is a small town, 400 of 2,000 a big one.
    assert town_weight(400, customers=50_000) == town_weight(0)
    assert town_weight(400, customers=2_000) < town_weight(0)
    assert name_and_city_can_suggest(2, 500, 50_000)
    assert not name_and_city_can_suggest(2, 1000, 50_000)


def test_a_rare_name_in_a_big_city_is_not_suggested_in_a_small_town_it_is():
    """GIVEN two 'Ilaria Zedda' (a name two customers bear)
    THEN in Roma, where 5,000 of 50,000 customers live, the town says little: not suggested, and the
    reasons say the town is common; in Nuoro, where 12 live, the same pair is suggested;
    in Roma a birth date in common as well is enough."""
    a, b = _p(1, "Ilaria Zedda", citta="Roma"), _p(2, "ZEDDA ILARIA", citta="Roma")
    in_roma = compare(a, b, name_frequency=2, town_frequency=5000, customers=50_000)
    assert in_roma.score < SUGGEST_AT
    assert in_roma.reasons == ("same_name", "same_city", "common_city")
    a, b = _p(1, "Ilaria Zedda", citta="Nuoro"), _p(2, "ZEDDA ILARIA", citta="Nuoro")
    in_nuoro = compare(a, b, name_frequency=2, town_frequency=12, customers=50_000)
    assert in_nuoro.score >= SUGGEST_AT > in_roma.score
    assert in_nuoro.reasons == ("same_name", "same_city")
    born = compare(
        _p(1, "Ilaria Zedda", citta="Roma", birth_date="1980-05-06"),
        _p(2, "ZEDDA ILARIA", citta="Roma", birth_date="1980-05-06"),
        name_frequency=2,
        town_frequency=5000,
        customers=50_000,
    )
    assert born.score >= SUGGEST_AT
    assert born.reasons == ("same_name", "same_city", "same_birth_date", "common_city")


@pytest.mark.parametrize("frequency", [2, 500])
def test_a_shared_phone_or_order_suggests_even_a_common_name(frequency):
    with_phone = compare(
        _p(1, "Marco Ferrari", [("phone", "+393331112222")]),
        _p(2, "Ferrari Marco", [("whatsapp", "+393331112222")]),
        name_frequency=frequency,
    )
    with_order = compare(
        _p(1, "Marco Ferrari", order_number="A-1042"),
        _p(2, "M. Ferrari", ordini=["A-1042"]),
        name_frequency=frequency,
    )
    assert with_phone.score >= SUGGEST_AT
    assert {"same_name", "same_phone"} <= set(with_phone.reasons)
    assert with_order.score >= SUGGEST_AT
    assert {"similar_name", "same_order_number"} <= set(with_order.reasons)


def test_a_name_alone_never_scores_as_strongly_as_shared_evidence():
    """Two 'Marco Ferrari' may be two people: the name alone is below a suggestion, well
    below the name with the same phone or order number."""
    alone = compare(_p(1, "Marco Ferrari"), _p(2, "Marco Ferrari"))
    with_phone = compare(
        _p(1, "Marco Ferrari", [("phone", "+393331112222")]),
        _p(2, "Ferrari Marco", [("whatsapp", "+393331112222")]),
    )
    with_order = compare(
        _p(1, "Marco Ferrari", order_number="A-1042"), _p(2, "M. Ferrari", ordini=["A-1042"])
    )
    assert alone.score < SUGGEST_AT
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
