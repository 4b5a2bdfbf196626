"""The public help center: customers read published articles in their language."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


@pytest.fixture
def center(editor, write_article, workspace):
    shipping = editor.post(
        "/api/v1/kb/categories", {"name": "Spedizioni", "description": "Tempi e costi"}
    ).json()
    italian = write_article(
        "Tempi di spedizione",
        "<p>Spediamo in <b>24-48 ore</b> in tutta Italia.</p><script>alert(1)</script>",
        category=shipping["id"],
    )
    english = write_article(
        "Delivery times",
        "<p>We ship within 24-48 hours across Italy.</p>",
        "en",
        category=shipping["id"],
        translation_of=italian["id"],
    )
    returns = write_article("Resi e cambi", "Hai 30 giorni per restituire un capo.")
    write_article("Bozza segreta", "Non ancora pronta.", status="draft")
    write_article("Procedura interna", "Solo per gli operatori.", internal=True)
    editor.patch(f"/api/v1/kb/articles/{returns['id']}", {"related": [italian["id"]]})
    return {"italian": italian, "english": english, "returns": returns, "slug": workspace.slug}


def test_home_lists_categories_and_articles_in_italian(center):
    page = Client().get(f"/help/{center['slug']}/it/")
    html = page.content.decode()
    assert page.status_code == 200 and '<html lang="it">' in html
    assert "Centro assistenza" in html and "Spedizioni" in html
    assert "Tempi di spedizione" in html and "Resi e cambi" in html
    assert "Delivery times" not in html  # one article per translation, in Italian
    assert "Bozza segreta" not in html and "Procedura interna" not in html
    assert 'hreflang="en"' in html


def test_english_readers_get_english_and_the_untranslated_marked(center):
    html = Client().get(f"/help/{center['slug']}/en/").content.decode()
    assert '<html lang="en">' in html and "Help center" in html
    assert "Delivery times" in html and "Tempi di spedizione" not in html
    assert 'lang="it">Resi e cambi</a> <span class="other-lang">(Italiano)</span>' in html
    assert "Centro assistenza" not in html and "Cerca" not in html


def test_an_article_page_is_sanitised_linked_and_canonical(center):
    italian = center["italian"]
    url = f"/help/{center['slug']}/it/a/{italian['id']}/{italian['slug']}/"
    page = Client().get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "<b>24-48 ore</b>" in html and "<script>alert" not in html
    assert f'rel="canonical" href="http://testserver{url}"' in html
    assert f'hreflang="en" href="http://testserver/help/{center["slug"]}/en/a/' in html
    assert "Aggiornato il" in html
    # An old or missing slug goes, permanently, to the one address.
    moved = Client().get(f"/help/{center['slug']}/it/a/{italian['id']}/")
    assert moved.status_code == 301 and moved["Location"] == url
    related = Client().get(
        f"/help/{center['slug']}/it/a/{center['returns']['id']}/{center['returns']['slug']}/"
    )
    assert "Articoli correlati" in related.content.decode()
    in_english = (
        Client()
        .get(f"/help/{center['slug']}/en/a/{center['returns']['id']}/{center['returns']['slug']}/")
        .content.decode()
    )
    assert "Related articles" in in_english and "Delivery times" in in_english
    assert "not translated yet" in in_english


def test_search_finds_across_languages_and_hides_internal_articles(center):
    page = Client().get(f"/help/{center['slug']}/en/search/", {"q": "how fast do you ship?"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Delivery times" in html and "24-48 hours" in html
    hidden = Client().get(f"/help/{center['slug']}/it/search/", {"q": "procedura operatori"})
    assert "Procedura interna" not in hidden.content.decode()


@pytest.mark.parametrize(
    "path",
    ["/help/nessuno/it/", "/help/{slug}/fr/", "/help/{slug}/it/a/999999/", "/help/{slug}/it/c/x/"],
)
def test_what_does_not_exist_is_a_404(center, path):
    assert Client().get(path.format(slug=center["slug"])).status_code == 404


@pytest.mark.parametrize("q", ["", "   ", "x" * 10_000, "<script>alert(1)</script>", "\u0000a"])
def test_odd_searches_are_answered(center, q):
    page = Client().get(f"/help/{center['slug']}/it/search/", {"q": q})
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.content.decode()


def test_a_hidden_article_is_not_found_by_its_address(center, workspace):
    from sportello.knowledge.models import Article

    internal = Article.objects.get(title="Procedura interna")
    page = Client().get(f"/help/{workspace.slug}/it/a/{internal.pk}/{internal.slug}/")
    assert page.status_code == 404


def test_the_root_picks_the_readers_language(center):
    english = Client().get(f"/help/{center['slug']}/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert english.status_code == 302 and english["Location"].endswith("/en/")
    other = Client().get(f"/help/{center['slug']}/", HTTP_ACCEPT_LANGUAGE="de")
    assert other["Location"].endswith("/it/")


def test_pages_stay_within_a_query_budget(center):
    client = Client()
    italian = center["italian"]
    for path, budget in [
        (f"/help/{center['slug']}/it/", 4),
        (f"/help/{center['slug']}/it/a/{italian['id']}/{italian['slug']}/", 5),
    ]:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        assert len(queries.captured_queries) <= budget, path


def test_a_reader_says_whether_an_article_helped(center):
    from sportello.knowledge.models import ArticleVote

    italian = center["italian"]
    client = Client(enforce_csrf_checks=True)
    url = f"/help/{center['slug']}/it/a/{italian['id']}/{italian['slug']}/"
    page = client.get(url)
    assert "Questo articolo ti è stato utile?" in page.content.decode()
    token = page.cookies["csrftoken"].value
    vote = f"/help/{center['slug']}/it/vote/{italian['id']}/"
    answered = client.post(vote, {"helpful": "no", "csrfmiddlewaretoken": token})
    assert answered.status_code == 302 and answered["Location"] == f"{url}?voted=1#feedback"
    assert "Grazie per il tuo parere." in client.get(answered["Location"]).content.decode()
    client.post(vote, {"helpful": "forse", "csrfmiddlewaretoken": token})  # not an answer
    assert list(ArticleVote.objects.values_list("helpful", "language")) == [(False, "it")]
    assert Client().get(vote).status_code == 405
