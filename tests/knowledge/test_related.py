"""Related articles: chosen by the editor (API ``related_ids``), else suggested by meaning;
shown on the help center's article page and in the agent's editor."""

from __future__ import annotations

import pytest
from django.test import Client

from sportello.accounts.models import Role
from sportello.knowledge.models import Article
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db

SHIPPING = (
    "<p>Spediamo in tutta Italia con il corriere in 24-48 ore. La spedizione costa 5 euro.</p>"
)
ISLANDS = "<p>Per le isole la spedizione con il corriere richiede 3-4 giorni lavorativi.</p>"
RETURNS = "<p>Puoi restituire un articolo entro 30 giorni: il reso è gratuito.</p>"
CAKE = "<p>La torta al cioccolato si conserva in frigorifero per due giorni.</p>"


def _page(workspace, article: dict) -> str:
    slug = Article.objects.get(pk=article["id"]).slug
    response = Client().get(f"/help/{workspace.slug}/it/a/{article['id']}/{slug}/")
    assert response.status_code == 200
    return response.content.decode()


def test_related_ids_are_written_and_read_through_the_api(editor, write_article):
    returns = write_article("Resi gratuiti", RETURNS)
    islands = write_article("Spedizioni nelle isole", ISLANDS)
    shipping = write_article("Tempi di spedizione", SHIPPING, related_ids=[returns["id"]])
    assert shipping["related_ids"] == [returns["id"]]
    patched = editor.patch(
        f"/api/v1/kb/articles/{shipping['id']}", {"related_ids": [islands["id"], returns["id"]]}
    )
    assert patched.status_code == 200
    assert patched.json()["related_ids"] == sorted([islands["id"], returns["id"]])
    got = editor.get(f"/api/v1/kb/articles/{shipping['id']}").json()
    assert got["related_ids"] == sorted([islands["id"], returns["id"]])
    cleared = editor.patch(f"/api/v1/kb/articles/{shipping['id']}", {"related_ids": []}).json()
    assert cleared["related_ids"] == []
    # Itself is left out; no such article: a clear 422, never a 500.
    itself = editor.patch(
        f"/api/v1/kb/articles/{shipping['id']}", {"related_ids": [shipping["id"]]}
    )
    assert itself.status_code == 200 and itself.json()["related_ids"] == []
    for wrong in ([999_999], ["x"], [2**70], "x"):
        answer = editor.patch(f"/api/v1/kb/articles/{shipping['id']}", {"related_ids": wrong})
        assert answer.status_code == 422, wrong


def test_the_help_center_shows_chosen_related_articles(editor, write_article, workspace):
    returns = write_article("Resi gratuiti", RETURNS)
    write_article("Spedizioni nelle isole", ISLANDS)
    shipping = write_article("Tempi di spedizione", SHIPPING, related_ids=[returns["id"]])
    page = _page(workspace, shipping)
    related = page.split('id="related"', 1)[1]
    assert "Resi gratuiti" in related and "Spedizioni nelle isole" not in related


def test_without_chosen_ones_the_nearest_by_meaning_are_suggested(write_article, workspace):
    islands = write_article("Spedizioni nelle isole", ISLANDS)
    write_article("Torta al cioccolato", CAKE)
    draft = write_article("Spedizioni in bozza", SHIPPING, status="draft")
    internal = write_article("Corriere: note interne", SHIPPING, internal=True)
    shipping = write_article("Tempi di spedizione", SHIPPING)
    page = _page(workspace, shipping)
    assert 'id="related"' in page
    related = page.split('id="related"', 1)[1]
    assert "Spedizioni nelle isole" in related
    assert "Torta al cioccolato" not in related  # far in meaning: not suggested
    assert draft["title"] not in related and internal["title"] not in related
    assert islands["id"]


def test_the_agent_editor_lists_related_and_saves_the_choice(write_article, workspace):
    returns = write_article("Resi gratuiti", RETURNS)
    write_article("Spedizioni nelle isole", ISLANDS)
    shipping = write_article("Tempi di spedizione", SHIPPING)
    agent = AgentFactory(workspace=workspace, role=Role.SUPERVISOR)
    client = Client()
    client.force_login(agent.user)
    page = client.get(f"/kb/{shipping['id']}/").content.decode()
    side = page.split('id="kb-related"', 1)[1]
    assert "Spedizioni nelle isole" in side  # suggested by meaning
    response = client.post(
        f"/kb/{shipping['id']}/",
        {
            "title": "Tempi di spedizione",
            "body": SHIPPING,
            "status": "published",
            "related": [returns["id"]],
        },
    )
    assert response.status_code == 302
    article = Article.objects.get(pk=shipping["id"])
    assert list(article.related.values_list("pk", flat=True)) == [returns["id"]]
    side = client.get(f"/kb/{shipping['id']}/").content.decode().split('id="kb-related"', 1)[1]
    assert "Resi gratuiti" in side


def test_the_api_tells_suggested_related_articles_from_the_editors_choice(editor, write_article):
    """GIVEN three articles, two near in meaning, none with related articles chosen
    WHEN the shipping article is read through the API
    THEN the islands article is a suggestion, not a choice; once the editor chooses the
    returns article, that is the choice and nothing is suggested any more."""
    returns = write_article("Resi gratuiti", RETURNS)
    islands = write_article("Spedizioni nelle isole", ISLANDS)
    cake = write_article("Torta al cioccolato", CAKE)
    shipping = write_article("Tempi di spedizione", SHIPPING)
    got = editor.get(f"/api/v1/kb/articles/{shipping['id']}").json()
    assert got["related_ids"] == []
    assert got["suggested_related_ids"][0] == islands["id"]
    assert cake["id"] not in got["suggested_related_ids"]
    assert shipping["id"] not in got["suggested_related_ids"]
    editor.patch(f"/api/v1/kb/articles/{shipping['id']}", {"related_ids": [returns["id"]]})
    got = editor.get(f"/api/v1/kb/articles/{shipping['id']}").json()
    assert got["related_ids"] == [returns["id"]]
    assert got["suggested_related_ids"] == []
