"""Hybrid search through the API: words and meaning, across Italian and English."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sportello.knowledge.models import Article
from sportello.knowledge.search import search

pytestmark = pytest.mark.django_db

SHOP = [
    (
        "Tempi e costi di spedizione",
        "Spediamo in tutta Italia con corriere espresso in 24-48 ore lavorative dalla conferma "
        "dell'ordine. La spedizione costa 4,90 euro ed è gratuita sopra i 49 euro.",
    ),
    (
        "Resi e cambi",
        "Hai 30 giorni dalla consegna per restituire un capo o cambiarlo con un'altra taglia. "
        "Il reso è gratuito: stampa l'etichetta dalla tua area clienti.",
    ),
    (
        "Metodi di pagamento",
        "Accettiamo carte di credito, PayPal, Satispay e bonifico bancario anticipato.",
    ),
    (
        "Come lavare i capi",
        "Lava i capi in lavatrice a 30 gradi, al rovescio, senza ammorbidente. Non usare "
        "l'asciugatrice per i capi in cotone biologico.",
    ),
]


@pytest.fixture
def shop(write_article) -> dict[str, int]:
    return {title: write_article(title, body)["id"] for title, body in SHOP}


def _titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["title"] for item in response.json()["items"]]


def test_an_english_question_finds_the_italian_article(reader, shop):
    response = reader.get("/api/v1/kb/search", data={"q": "How long does delivery take?"})
    assert _titles(response)[0] == "Tempi e costi di spedizione"
    body = response.json()
    assert body["language"] == "en"
    top = body["items"][0]
    assert top["language"] == "it" and "24-48 ore" in top["snippet"]
    assert 0 < top["similarity"] <= 1


@pytest.mark.parametrize(
    ("question", "title"),
    [
        ("Posso pagare con Satispay?", "Metodi di pagamento"),
        ("quanti giorni ho per restituire una maglietta?", "Resi e cambi"),
        ("Can I wash the clothes in the washing machine?", "Come lavare i capi"),
        ("Can I return a shirt that is too small?", "Resi e cambi"),
    ],
)
def test_questions_find_their_answer_first(reader, shop, question, title):
    assert _titles(reader.get("/api/v1/kb/search", data={"q": question}))[0] == title


def test_one_hit_per_translation_in_the_readers_language(reader, write_article):
    italian = write_article("Resi e cambi", "Hai 30 giorni dalla consegna per restituire un capo.")
    english = write_article(
        "Returns and exchanges",
        "You have 30 days from delivery to return an item.",
        "en",
        translation_of=italian["id"],
    )
    write_article("Metodi di pagamento", "Accettiamo carte di credito e PayPal.")
    for lang, expected in (("en", english["id"]), ("it", italian["id"])):
        items = reader.get("/api/v1/kb/search", data={"q": "restituire un capo", "lang": lang})
        ids = [item["id"] for item in items.json()["items"]]
        assert ids[0] == expected and italian["id"] not in ids[1:] and english["id"] not in ids[1:]
    # No language asked: the question's own.
    asked = reader.get("/api/v1/kb/search", data={"q": "How many days do I have to return it?"})
    assert asked.json()["items"][0]["id"] == english["id"]


def test_drafts_and_archived_articles_are_never_found(editor, reader, write_article, workspace):
    write_article("Buoni regalo", "I buoni regalo valgono un anno.", status="draft")
    archived = write_article("Buoni sconto", "I buoni sconto valgono sei mesi.")
    editor.patch(f"/api/v1/kb/articles/{archived['id']}", {"status": "archived"})
    internal = write_article(
        "Procedura buoni", "Per i buoni scaduti chiedi a Marta.", internal=True
    )
    titles = _titles(reader.get("/api/v1/kb/search", data={"q": "buoni regalo"}))
    assert titles == ["Procedura buoni"]  # agents see internal articles
    customers_see, _ = search(workspace.pk, "buoni regalo", include_internal=False)
    assert all(hit.article.pk != internal["id"] for hit in customers_see)


def test_an_edited_article_is_searched_as_it_now_reads(editor, reader, write_article):
    article = write_article("Orari", "Il servizio clienti risponde dalle 9 alle 18.")
    assert _titles(reader.get("/api/v1/kb/search", data={"q": "servizio clienti orari"}))
    editor.patch(
        f"/api/v1/kb/articles/{article['id']}",
        {"title": "Negozio di Bologna", "body": "Il negozio di via Indipendenza apre alle 10."},
    )
    assert Article.objects.get(pk=article["id"]).embedded_version == 2
    hits = reader.get("/api/v1/kb/search", data={"q": "via Indipendenza"}).json()["items"]
    assert hits[0]["title"] == "Negozio di Bologna" and "Indipendenza" in hits[0]["snippet"]


def test_search_stays_within_a_query_budget(reader, shop):
    reader.get("/api/v1/kb/search", data={"q": "spedizione"})  # vectors read once
    with CaptureQueriesContext(connection) as queries:
        response = reader.get("/api/v1/kb/search", data={"q": "quanto costa la spedizione"})
    assert response.status_code == 200
    assert len(queries.captured_queries) <= 6


@pytest.mark.parametrize(
    "params",
    [
        {"q": ""},
        {"q": "   "},
        {"q": "x" * 10_000},
        {"q": "reso", "lang": "fr"},
        {"q": "reso", "limit": 0},
        {"q": "reso", "limit": 10_000},
        {},
    ],
)
def test_bad_searches_are_a_clear_422(reader, params):
    response = reader.get("/api/v1/kb/search", data=params)
    assert response.status_code == 422, response.content
    assert response.json()["detail"]


@pytest.mark.parametrize(
    "question",
    [
        "<script>alert(1)</script> reso",
        '" OR 1=1; DROP TABLE knowledge_article; --',
        "NEAR(reso spedizione) AND NOT *",
        "'\\",
        "ご注文はいつ届きますか",
        "🙂🙂🙂",
        "a " * 400,
    ],
)
def test_odd_questions_are_answered_not_crashed(reader, shop, question):
    assert reader.get("/api/v1/kb/search", data={"q": question}).status_code == 200


def test_an_empty_knowledge_base_finds_nothing(reader):
    response = reader.get("/api/v1/kb/search", data={"q": "spedizione"})
    assert response.status_code == 200 and response.json()["items"] == []


def test_a_long_article_is_found_by_one_passage_and_shows_it(reader, write_article, shop):
    paragraphs = [
        "Il nostro negozio nasce nel 1998 a Bologna da una famiglia di sarti. Da allora "
        "scegliamo tessuti naturali e produzioni italiane per ogni capo della collezione.",
        "Ogni stagione presentiamo due collezioni, primavera-estate e autunno-inverno, con "
        "taglie da zero a dodici anni e una linea dedicata alle cerimonie.",
        "Il negozio di via Indipendenza 12 è aperto dal martedì al sabato, dalle 10 alle "
        "19; la domenica e il lunedì è chiuso. C'è un parcheggio convenzionato vicino.",
        "Organizziamo anche giornate di prova su appuntamento per le taglie dei neonati, "
        "con consigli sulla vestibilità e sui tessuti più adatti alla pelle delicata.",
    ]
    write_article("La nostra storia", "".join(f"<p>{p}</p>" for p in paragraphs))
    hits = reader.get("/api/v1/kb/search", data={"q": "What are the shop's opening hours?"})
    top = hits.json()["items"][0]
    assert top["title"] == "La nostra storia"
    assert top["snippet"].startswith("Il negozio di via Indipendenza 12")


def test_words_count_only_in_the_questions_own_language(write_article, workspace):
    """An English word inside an Italian text ("online", "bike") is no evidence that the
    Italian article answers an English question: the word ranking holds only articles
    in the question's language; meaning still ranks the others."""
    italian = write_article(
        "Pagamenti", "<p>Paghi online con carta di credito o in negozio con Satispay.</p>"
    )
    english = write_article(
        "Payments", "<p>You can pay by credit card online or in the shop.</p>", language="en"
    )
    hits, language = search(workspace.pk, "Can I pay online with my card?", limit=5)
    assert language == "en"
    by_id = {hit.article.pk: hit for hit in hits}
    assert by_id[english["id"]].word_rank == 1
    assert italian["id"] not in by_id or by_id[italian["id"]].word_rank == 0
    hits, _ = search(workspace.pk, "Posso pagare online con la carta?", limit=5)
    assert {hit.article.pk: hit for hit in hits}[italian["id"]].word_rank == 1


def test_a_clear_first_by_meaning_beats_a_word_in_common(write_article, workspace):
    """Rank fusion sees only the order of each ranking: an article sharing one incidental
    word with the question ("card") was first in words and so first overall, above the
    article that answers it, first by meaning with no word in common. The re-ranking
    reads the cosines and the share of words themselves, and puts the answer first."""
    gift = write_article(
        "Buoni regalo",
        "I buoni regalo valgono dodici mesi dalla data di acquisto e si possono spendere "
        "in più ordini, online o in negozio.",
    )
    write_article(
        "Il tuo account",
        "Nell'area clienti trovi gli ordini, gli indirizzi salvati e la card fedeltà con i "
        "punti accumulati.",
    )
    write_article("Metodi di pagamento", "Accettiamo carte di credito, PayPal e bonifico.")
    hits, _ = search(workspace.pk, "quanto dura la validità della gift card?", limit=3)
    assert hits[0].article.pk == gift["id"]
    assert hits[0].word_rank == 0 and hits[0].meaning_rank == 1
    assert hits[0].fit > hits[1].fit


def test_coverage_counts_a_word_found_by_concept():
    """Coverage is the share of a question's content words an article holds: by stem, by a
    letter's typo, and by a customer-care concept both name ("rendere" and "reso")."""
    from sportello.knowledge.search import Words, coverage
    from sportello.language.stemming import query_terms, stems_for_index
    from sportello.language.synonyms import concepts_of_stems, concepts_of_term

    stems = frozenset(
        stems_for_index("Il reso è gratuito entro 30 giorni dalla spedizione.", "it").split()
    )
    words = Words(stems, frozenset(concepts_of_stems(stems, "it")))
    terms = query_terms("posso rendere la giacca?", content_only=True)  # rendere, giacca
    concepts = [concepts_of_term(term, "it") for term in terms]
    assert coverage(terms, words) == 0.0
    assert coverage(terms, words, concepts=concepts) == 0.5
    misspelt = query_terms("spedizone", content_only=True)
    assert coverage(misspelt, words, typos=True) == 1.0
    assert coverage([], words, concepts=[]) == 0.0


def test_an_article_in_the_other_language_meets_the_question_on_concepts(write_article, workspace):
    """An English question and the Italian article that answers it share no stem. The
    article cannot be read in the question's language, so it gets at least the mean
    coverage of the articles that can, and the concepts it names lift it above that; it
    is marked as matched across languages, which the bot's confidence reads."""
    cancel = write_article(
        "Modificare o annullare un ordine",
        "Puoi annullare l'ordine entro 48 ore: restituiamo l'acconto.",
    )
    english = write_article(
        "Opening hours",
        "We are open every day from 7 am to 8 pm; orders are picked up in the shop.",
        language="en",
    )
    hits, language = search(workspace.pk, "How do I cancel my order?", limit=5)
    assert language == "en"
    by_id = {hit.article.pk: hit for hit in hits}
    assert hits[0].article.pk == cancel["id"]
    assert by_id[cancel["id"]].across_languages and not by_id[english["id"]].across_languages
    assert by_id[cancel["id"]].coverage >= by_id[english["id"]].coverage
    assert by_id[cancel["id"]].coverage == 1.0  # cancel and order, both by concept
    assert by_id[cancel["id"]].evidence == 1.0


def test_the_evidence_is_the_coverage_before_the_neutral_lift(write_article, workspace):
    """A group with no text in the question's language is lifted to the neutral coverage
    for ranking; ``evidence`` keeps what its own concepts show (0 here: "museum", "tours"
    name none of its concepts), and a group read in the question's language has evidence
    equal to its coverage."""
    write_article("Metodi di pagamento", "Accettiamo carte di credito, PayPal e Satispay.")
    write_article(
        "Guided tours", "We organise guided tours of the town for tourists.", language="en"
    )
    write_article("Opening hours", "The museum is open every day from 9 am.", language="en")
    hits, _ = search(workspace.pk, "Do you have guided museum tours?", limit=5)
    for hit in hits:
        if hit.across_languages:
            assert hit.evidence == 0.0 and hit.coverage > 0.0
        else:
            assert hit.evidence == hit.coverage
    assert any(hit.across_languages for hit in hits)


def test_a_word_of_the_other_language_names_its_concepts(write_article, workspace):
    """Customers mix languages: "la gift card" in an Italian question names the gift
    concept by its English word, so the gift vouchers' article covers it and the loyalty
    card's (which shares only the expiry) does not."""
    write_article("Buoni regalo", "I buoni regalo valgono un anno dalla data di acquisto.")
    write_article("Tessera fedeltà", "Ogni euro speso dà un punto; i punti scadono dopo un anno.")
    hits, language = search(workspace.pk, "fino a quando vale la gift card?", limit=3)
    assert language == "it"
    by_title = {hit.article.title: hit for hit in hits}
    assert by_title["Buoni regalo"].coverage > by_title["Tessera fedeltà"].coverage
    assert hits[0].article.title == "Buoni regalo"


def test_a_hyphenated_word_is_found_joined_and_the_reverse(write_article, workspace):
    """ "Wi-Fi" in an article is found by a question's "wifi", "wifi" by "wi-fi"; one
    question word either way, so coverage reads it whole; never by its parts alone."""
    from sportello.language.stemming import query_terms, stems_for_index

    # "wifi", stemmed, right after its parts
    assert stems_for_index("Il Wi-Fi è gratuito.", "it").split()[1:4] == ["wi", "fi", "wif"]
    wifi = query_terms("c'è il wifi?", content_only=True, joined=True)
    assert query_terms("c'è il wi-fi?", content_only=True, joined=True) == wifi
    assert query_terms("un e-book", content_only=True, joined=True) == [{"ebook"}]  # not "book"
    assert query_terms("un e-book", content_only=True) == [{"book"}]  # as indexed before
    hyphen = write_article("Colazioni", "Serviamo colazioni dalle 7. Il wi-fi è gratuito.")
    joined = write_article("Sala studio", "In sala studio c'è il wifi per tutti.")
    write_article("Consegne", "Consegniamo a domicilio in città.")
    for question, expected in (("c'è il wifi?", hyphen), ("avete il wi-fi in sala?", joined)):
        hits, _ = search(workspace.pk, question, limit=3)
        by_id = {hit.article.pk: hit for hit in hits}
        assert by_id[expected["id"]].coverage > 0
