# ruff: noqa: F811  (the knowledge base fixtures, imported, are used as arguments)
"""The knowledge base in the agent UI: the list, the editor and the content report."""

from __future__ import annotations

import pytest
from django.test import Client

from sportello.accounts.models import Role
from sportello.knowledge.models import Article, ArticleVersion
from tests.factories import AgentFactory
from tests.knowledge.conftest import editor, write_article  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisor_client(workspace) -> Client:
    agent = AgentFactory(workspace=workspace, role=Role.SUPERVISOR, display_name="Sara Verdi")
    client = Client()
    client.force_login(agent.user)
    return client


def test_list_filters_articles_by_status_language_and_audience(agent_client, write_article):
    write_article("Resi gratuiti", "<p>30 giorni.</p>")
    write_article("Free returns", "<p>30 days.</p>", language="en")
    write_article("Bozza sui saldi", "<p>Da finire.</p>", status="draft")
    write_article("Rimborsi a mano", "<p>Usa il gestionale.</p>", internal=True)
    page = agent_client.get("/kb/").content.decode()
    assert all(t in page for t in ("Resi gratuiti", "Free returns", "Bozza sui saldi"))
    assert "/kb/new/" not in page  # an agent reads, a supervisor writes
    english = agent_client.get("/kb/?language=en").content.decode()
    assert "Free returns" in english and "Resi gratuiti" not in english
    drafts = agent_client.get("/kb/?status=draft").content.decode()
    assert "Bozza sui saldi" in drafts and "Resi gratuiti" not in drafts
    internal = agent_client.get("/kb/?audience=internal").content.decode()
    assert "Rimborsi a mano" in internal and "Resi gratuiti" not in internal
    assert "Resi" in agent_client.get("/kb/?q=resi").content.decode()
    assert "Free returns" not in agent_client.get("/kb/?q=resi").content.decode()


def test_supervisor_writes_an_article_with_its_body_sanitised(supervisor_client, workspace):
    response = supervisor_client.post(
        "/kb/new/",
        {
            "title": "Spedizioni",
            "body": '<p>In <strong>24 ore</strong>.</p><script>alert("x")</script>',
            "language": "it",
            "status": "published",
            "tags": "spedizioni, tempi",
        },
    )
    assert response.status_code == 302
    article = Article.objects.get(workspace=workspace, title="Spedizioni")
    assert "<script>" not in article.body and "<strong>24 ore</strong>" in article.body
    assert sorted(t.name for t in article.tags.all()) == ["spedizioni", "tempi"]
    page = supervisor_client.get(response["Location"]).content.decode()
    assert "Translate into English" in page or "Traduci in English" in page
    assert "/static/web/kb-editor.js" in page


def test_editing_records_a_version_and_translation_joins_the_group(
    supervisor_client, write_article
):
    original = write_article("Resi gratuiti", "<p>30 giorni.</p>")
    url = f"/kb/{original['id']}/"
    response = supervisor_client.post(
        url, {"title": "Resi gratuiti", "body": "<p>Entro 30 giorni.</p>", "status": "archived"}
    )
    assert response.status_code == 302
    versions = ArticleVersion.objects.filter(article_id=original["id"]).order_by("number")
    assert [v.number for v in versions] == [1, 2]
    assert set(versions.last().changed_fields) == {"body", "status"}
    assert Article.objects.get(pk=original["id"]).status == "archived"
    translated = supervisor_client.post(
        "/kb/new/",
        {
            "title": "Free returns",
            "body": "<p>Within 30 days.</p>",
            "language": "en",
            "status": "draft",
            "translation_of": str(original["id"]),
        },
    )
    assert translated.status_code == 302
    english = Article.objects.get(title="Free returns")
    assert english.group_id == Article.objects.get(pk=original["id"]).group_id
    page = supervisor_client.get(url).content.decode()
    assert f"/kb/{english.pk}/" in page and "v2" in page


def test_bad_input_is_a_422_with_the_form_not_a_crash(supervisor_client, write_article):
    original = write_article("Resi gratuiti", "<p>30 giorni.</p>")
    empty = supervisor_client.post("/kb/new/", {"title": "", "body": "", "language": "xx"})
    assert empty.status_code == 422
    twice = supervisor_client.post(
        "/kb/new/",
        {
            "title": "Ancora resi",
            "body": "<p>Doppione</p>",
            "language": "it",  # the group has an Italian article already
            "status": "draft",
            "translation_of": str(original["id"]),
        },
    )
    assert twice.status_code == 422
    assert Article.objects.filter(title="Ancora resi").count() == 0


def test_agents_may_not_edit_or_read_the_report(agent_client, write_article):
    article = write_article("Resi gratuiti", "<p>30 giorni.</p>")
    assert agent_client.get("/kb/new/").status_code == 403
    assert agent_client.post(f"/kb/{article['id']}/", {"title": "x"}).status_code == 403
    assert agent_client.get("/kb/report/").status_code == 403


def test_report_page_lists_readability_hardest_first(supervisor_client, write_article):
    write_article("Facile", "<p>Il reso è gratis. Hai un mese.</p>")
    write_article(
        "Difficile",
        "<p>L'amministrazione provvederà all'eventuale rimborso successivamente alla "
        "verifica dell'integrità complessiva della documentazione trasmessa.</p>",
    )
    page = supervisor_client.get("/kb/report/").content.decode()
    page = page[page.index('id="r-readability"') :]
    assert page.index("Difficile") < page.index("Facile")
    assert "Gulpease" in page


def test_saving_the_body_as_shown_records_no_body_change(supervisor_client, write_article):
    original = write_article("Resi gratuiti", "<p>30 giorni.</p><ul><li>Gratis</li></ul>")
    url = f"/kb/{original['id']}/"
    page = supervisor_client.get(url).content.decode()
    assert "&lt;p&gt;30 giorni.&lt;/p&gt;\n" in page  # one block a line
    shown = "<p>30 giorni.</p>\r\n<ul><li>Gratis</li>\r\n</ul>\r\n"
    response = supervisor_client.post(
        url, {"title": "Resi gratuiti", "body": shown, "status": "published", "internal": "on"}
    )
    assert response.status_code == 302
    latest = ArticleVersion.objects.filter(article_id=original["id"]).order_by("-number").first()
    assert latest.changed_fields == ["internal"]
