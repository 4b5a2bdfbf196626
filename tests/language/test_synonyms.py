"""The customer-care concepts: one word, its inflections and its other-language words meet."""

from __future__ import annotations

from sportello.language.stemming import query_terms, stems_for_index
from sportello.language.synonyms import CONCEPTS, concepts_of_stems, concepts_of_term


def _concepts(question: str, language: str = "") -> list[set[str]]:
    return [concepts_of_term(term, language) for term in query_terms(question, content_only=True)]


def test_an_inflected_italian_word_and_its_english_one_name_one_concept():
    (italian,) = _concepts("spedizioni", "it")
    (english,) = _concepts("shipping", "en")
    assert "ship" in italian & english


def test_an_articles_stems_name_the_concepts_of_its_language():
    stems = set(stems_for_index("Puoi annullare l'ordine entro due ore.", "it").split())
    assert {"cancel", "order"} <= concepts_of_stems(stems, "it")
    # The same stems read as English name nothing: a stem is of one language.
    assert "cancel" not in concepts_of_stems(stems, "en")


def test_a_word_customers_use_for_two_things_stands_in_both():
    (cambiare,) = _concepts("cambiare", "it")
    assert {"exchange", "change"} <= cambiare
    # An English customer's "delivery" is a shipped parcel's arrival as well as a local
    # delivery: it meets "spedizione" and "consegna".
    (delivery,) = _concepts("delivery", "en")
    (spedizione,) = _concepts("spedizione", "it")
    (consegna,) = _concepts("consegna", "it")
    assert delivery & spedizione and delivery & consegna


def test_a_word_of_no_concept_names_nothing():
    assert _concepts("ornitorinco", "it") == [set()]
    assert concepts_of_stems(set(), "it") == set()
    assert concepts_of_stems({"spedizion"}, "fr") == set()


def test_every_concept_has_words_in_both_languages():
    for concept, (italian, english) in CONCEPTS.items():
        assert italian.split() and english.split(), concept


def test_a_service_firms_words_meet_across_languages():
    """What any firm that comes to the house is asked: a quote, a visit, an emergency, an
    appointment put off, a technician. Each English word meets its Italian one."""
    pairs = [
        ("preventivo", "estimate", "quote"),
        ("sopralluogo", "inspection", "visit"),
        ("urgenza", "emergency", "emergency"),
        ("tecnico", "technician", "technician"),
        ("spostare", "reschedule", "change"),
        ("manodopera", "labour", "labour"),
        ("appuntamenti", "appointment", "booking"),
    ]
    for italian, english, concept in pairs:
        (it,) = _concepts(italian, "it")
        (en,) = _concepts(english, "en")
        assert concept in it & en, (italian, english)


def test_a_hyphenated_trade_word_names_its_concept_joined_only():
    """ "call-out" and "after-hours" are read joined, as a question's compound is; their
    parts keep their own concepts ("call" is to contact, not a technician's visit)."""
    callout, _fee = (concepts_of_term(t, "en") for t in query_terms("call-out fee", joined=True))
    assert "visit" in callout
    (afterhours,) = (concepts_of_term(t, "en") for t in query_terms("after-hours", joined=True))
    assert "emergency" in afterhours
    (call,) = _concepts("call", "en")
    assert "contact" in call and "visit" not in call


def test_an_appointment_businesss_words_meet_across_languages():
    """What a business that works by appointment is asked: insurance, a check-up, moving
    an appointment, the time of day it opens. Each English word meets its Italian one."""
    pairs = [
        ("assicurazione", "insurance", "insurance"),
        ("assicurato", "insured", "insurance"),
        ("controllo", "checkup", "check"),
        ("spostare", "move", "change"),
        ("sera", "evening", "evening"),
        ("mattina", "morning", "morning"),
        ("pomeriggio", "afternoon", "afternoon"),
    ]
    for italian, english, concept in pairs:
        (it,) = _concepts(italian, "it")
        (en,) = _concepts(english, "en")
        assert concept in it & en, (italian, english)


def test_a_check_up_is_a_concept_and_to_check_is_not():
    """English "check" is most often a verb ("we check what your plan covers"): as a
    concept it made an article that only checks something cover a question about a
    check-up. Only the noun ("check-up", read joined) names the concept."""
    (checkup,) = (concepts_of_term(t, "en") for t in query_terms("check-up", joined=True))
    assert "check" in checkup
    (check,) = _concepts("check", "en")
    assert "check" not in check
