"""Agent assist: the conversation page offers the articles answering the customer's last
message, loaded after the page, each insertable into the reply."""

from __future__ import annotations

import pytest

from sportello.conversations.models import Conversation
from tests.knowledge.conftest import editor, write_article  # noqa: F401
from tests.web.conftest import htmx

pytestmark = pytest.mark.django_db


@pytest.fixture
def articles(write_article):  # noqa: F811
    return {
        "returns": write_article(
            "Resi e rimborsi",
            "<p>Hai 30 giorni per restituire un capo non usato. Il reso è gratuito.</p>",
        ),
        "washing": write_article(
            "Lavaggio dei capi", "<p>Lava il cotone biologico a 30 gradi, al rovescio.</p>"
        ),
        "stock": write_article(
            "Procedura interna: rimborsi manuali",
            "<p>Per rimborsare un reso a mano apri il gestionale e usa il codice RIMB.</p>",
            internal=True,
        ),
    }


def test_conversation_page_loads_suggestions_after_the_page(agent_client, customer_writes):
    conversation: Conversation = customer_writes("Come faccio un reso?")
    page = agent_client.get(f"/c/{conversation.number}/").content.decode()
    assert f'hx-get="/c/{conversation.number}/articles/"' in page
    assert 'hx-trigger="load"' in page
    assert "/static/web/kb-assist.js" in page
    assert "Resi e rimborsi" not in page  # not computed with the page


def test_suggestions_quote_the_passage_and_link_and_include_internal_articles(
    agent_client, customer_writes, articles, workspace
):
    conversation = customer_writes("Vorrei fare un reso, entro quanti giorni posso?")
    response = agent_client.get(f"/c/{conversation.number}/articles/", **htmx("assist-results"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-kb-insert="') <= 3
    first = html[html.index("<li") : html.index("</li>")]
    assert "Resi e rimborsi" in first or "rimborsi manuali" in first
    assert "Hai 30 giorni per restituire un capo non usato" in html
    link = f"/help/{workspace.slug}/it/a/{articles['returns']['id']}/"
    assert f"http://testserver{link}" in html  # absolute: it goes to the customer
    assert "Procedura interna: rimborsi manuali" in html  # agents see internal articles
    assert "Agents only" in html or "Solo agenti" in html


def test_no_customer_message_says_so(agent_client, customer_writes, articles):
    conversation = customer_writes("   ")
    html = agent_client.get(f"/c/{conversation.number}/articles/").content.decode()
    assert "data-kb-insert" not in html


def test_another_workspace_conversation_is_not_found(agent_client):
    assert agent_client.get("/c/999999/articles/").status_code == 404
