"""Message search shows the passage each result matched, the terms marked by stem, the
text escaped, and says it searched all conversations and how many it found."""

from __future__ import annotations

import pytest

from sportello.language.stemming import query_terms
from sportello.web.passages import passage, query_stems

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "query", "marked"),
    [
        ("Mi sono arrivati due piatti, uno è rotto.", "rotti", ["rotto"]),
        ("Il pacco è arrivato ROTTO e bagnato", "rotti bagnati", ["ROTTO", "bagnato"]),
        ("My order was delivered damaged", "orders damage", ["order", "damaged"]),
        ("La spedizione è in ritardo, perché?", "perche spedizioni", ["spedizione", "perché"]),
    ],
)
def test_stems_mark_the_words_of_a_passage(text, query, marked):
    shown = passage(text, query_stems(query))
    assert shown is not None
    assert [part.split("</mark>")[0] for part in shown.split("<mark>")[1:]] == marked


def test_the_text_is_escaped_before_it_is_marked():
    text = '<script>alert("rotto")</script> piatto rotto <b>'
    shown = passage(text, query_stems("rotti"))
    assert "<script>" not in shown and "<b>" not in shown
    assert "&lt;script&gt;" in shown and shown.count("<mark>") == 2


def test_a_long_text_shows_the_stretch_around_the_first_match():
    text = "parola " * 100 + "il vaso è arrivato rotto " + "fine " * 100
    shown = passage(text, query_stems("rotti"))
    assert shown.startswith("…") and shown.endswith("…")
    assert "<mark>rotto</mark>" in shown and len(shown) < 300


def test_no_match_gives_no_passage():
    assert passage("Tutto bene, grazie", query_stems("rotti")) is None
    assert query_terms("") == [] and passage("rotto", query_stems("")) is None


def test_results_show_the_marked_passage_and_the_count(agent_client, customer_writes):
    hit = customer_writes("Buongiorno, il vaso è arrivato rotto. <b>Aiuto</b>")
    customer_writes("Vorrei cambiare la taglia della giacca")
    also = customer_writes("Due tazze rotte nella scatola")

    page = agent_client.get("/?q=rotti").content.decode()

    assert "il vaso è arrivato <mark>rotto</mark>. &lt;b&gt;Aiuto&lt;/b&gt;" in page
    assert "<mark>rotte</mark>" in page
    assert "Cercato in tutte le conversazioni: 2 risultati." in page
    assert f"/c/{hit.number}/" in page and f"/c/{also.number}/" in page


def test_results_say_so_in_english(agent_client, customer_writes, agent):
    agent.language = "en"
    agent.save(update_fields=["language"])
    customer_writes("The parcel arrived damaged")
    page = agent_client.get("/?q=damage", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Searched all conversations: 1 result." in page
    assert "<mark>damaged</mark>" in page


def test_a_search_with_nothing_found_says_so(agent_client, customer_writes):
    customer_writes("Grazie mille")
    page = agent_client.get("/?q=rotti").content.decode()
    assert "Cercato in tutte le conversazioni: 0 risultati." in page
