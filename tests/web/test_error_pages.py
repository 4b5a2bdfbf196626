"""The 404 and 500 pages look like the app and speak the visitor's language."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory

from sportello.web.views.errors import server_error

pytestmark = pytest.mark.django_db


def test_a_404_for_an_italian_agent_is_in_italian(agent, agent_client):
    page = agent_client.get("/non-esiste/")
    assert page.status_code == 404
    html = page.content.decode()
    assert "Pagina non trovata" in html and "Torna alla posta in arrivo" in html
    assert "Page not found" not in html
    assert "sportello.css" in html  # the app's look, not Django's plain page


def test_a_404_for_an_anonymous_visitor_follows_the_browser(db):
    italian = Client().get("/nulla/", HTTP_ACCEPT_LANGUAGE="it-IT,it;q=0.9")
    assert italian.status_code == 404 and "Pagina non trovata" in italian.content.decode()
    english = Client().get("/nulla/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert "Page not found" in english.content.decode()
    assert "Go to the home page" in english.content.decode()


def test_a_404_under_the_api_stays_json(db):
    answer = Client().get("/api/v1/nulla")
    assert answer.status_code == 404 and answer.json() == {"detail": "not found"}


def test_the_500_page_is_the_apps(db):
    page = server_error(RequestFactory().get("/"))
    assert page.status_code == 500
    assert b"sportello.css" in page.content
