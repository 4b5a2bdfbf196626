"""The launcher's help-center search: on when the channel says so, public articles only, in
the page's language, from the channel's allowed sites only."""

from __future__ import annotations

import pytest

from sportello.knowledge.actions import create_article
from tests.providers.webchat.helpers import Widget, make_webchat_channel

pytestmark = pytest.mark.django_db


@pytest.fixture
def articles(workspace):
    returns_it = create_article(
        workspace.pk,
        title="Resi e rimborsi",
        body="<p>I resi sono gratuiti entro 30 giorni dalla consegna.</p>",
        language="it",
        status="published",
    )
    create_article(
        workspace.pk,
        title="Returns and refunds",
        body="<p>Returns are free within 30 days of delivery.</p>",
        language="en",
        status="published",
        translation_of=returns_it.pk,
    )
    create_article(
        workspace.pk,
        title="Resi: procedura interna del magazzino",
        body="<p>I resi arrivano al magazzino e si controllano entro 30 giorni.</p>",
        language="it",
        status="published",
        internal=True,
    )
    create_article(
        workspace.pk,
        title="Resi in bozza",
        body="<p>Bozza sui resi gratuiti entro 30 giorni.</p>",
        language="it",
    )


def test_the_search_finds_public_articles_in_the_pages_language(workspace, articles):
    channel = make_webchat_channel(workspace.pk, help_search=True)
    widget = Widget(channel)
    assert widget.get("config?lang=it").json()["help_search"] is True

    italian = widget.get("search?q=resi+gratuiti&lang=it")
    assert italian.status_code == 200
    assert italian["Access-Control-Allow-Origin"] == "https://www.negozio.it"
    found = italian.json()["results"]
    assert [r["title"] for r in found] == ["Resi e rimborsi"]  # not internal, not a draft
    assert found[0]["path"].startswith(f"/help/{workspace.slug}/it/")
    assert "30 giorni" in found[0]["snippet"]

    english = widget.get("search?q=free+returns&lang=en").json()["results"]
    assert [r["title"] for r in english] == ["Returns and refunds"]
    assert english[0]["path"].startswith(f"/help/{workspace.slug}/en/")


def test_the_search_is_off_unless_the_channel_turns_it_on(workspace, articles):
    widget = Widget(make_webchat_channel(workspace.pk))
    assert widget.get("config").json()["help_search"] is False
    assert widget.get("search?q=resi").status_code == 404


def test_the_search_answers_only_the_channels_sites(workspace, articles):
    channel = make_webchat_channel(workspace.pk, help_search=True)
    assert Widget(channel, origin="https://www.altro.it").get("search?q=resi").status_code == 403


def test_an_empty_or_overlong_question_is_no_error(workspace, articles):
    widget = Widget(make_webchat_channel(workspace.pk, help_search=True))
    assert widget.get("search?q=").json() == {"results": []}
    assert widget.get("search?q=" + "resi+" * 2000).status_code == 200


def test_the_setting_must_be_true_or_false(admin_api):
    answer = admin_api.post(
        "/api/v1/channels",
        {
            "kind": "webchat",
            "name": "Chat",
            "slug": "chat",
            "config": {"allowed_origins": ["https://www.negozio.it"], "help_search": "yes"},
        },
    )
    assert answer.status_code == 422
    assert "help_search" in str(answer.json())
