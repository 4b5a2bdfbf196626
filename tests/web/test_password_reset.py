"""A forgotten password: asked for on the sign-in page, a link by email in the agent's
language, a new password that revokes the old tokens."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from sportello.accounts.actions import issue_token
from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db

NEW = "una-password-nuova-2026"


def _link(body: str) -> str:
    match = re.search(r"https?://[^/\s]+(/password-reset/[^\s]+/)", body)
    assert match, body
    return match.group(1)


def test_an_agent_resets_a_forgotten_password_by_email(agent, settings):
    settings.BASE_URL = "https://aiuto.negozio.it"
    api = ApiClient(issue_token(agent, "Shopify"))
    browser = Client()
    login = browser.get("/login/").content.decode()
    assert 'href="/password-reset/"' in login and "Password dimenticata?" in login

    asked = browser.post("/password-reset/", {"email": "Giulia@Negozio.it"})
    assert asked.status_code == 302 and asked["Location"] == "/password-reset/sent/"
    assert "Controlla la tua email" in browser.get(asked["Location"]).content.decode()

    [email] = mail.outbox
    assert email.to == ["giulia@negozio.it"]
    assert email.subject == "Reimposta la tua password di Sportello"
    assert email.body.startswith("Ciao Giulia Bianchi,")
    assert "https://aiuto.negozio.it/password-reset/" in email.body
    link = _link(email.body)

    form = browser.get(link, follow=True)
    assert "Scegli una nuova password" in form.content.decode()
    saved = browser.post(form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    assert saved.status_code == 302 and saved["Location"] == "/password-reset/done/"
    assert "Ora puoi accedere" in browser.get("/password-reset/done/").content.decode()

    assert api.get("/api/v1/conversations").status_code == 401
    signed_in = Client().post("/login/", {"username": "giulia@negozio.it", "password": NEW})
    assert signed_in.status_code == 302
    again = browser.get(link, follow=True).content.decode()
    assert "Questo link non è valido" in again


def test_the_email_speaks_the_agents_language(agent):
    agent.language = "en"
    agent.save(update_fields=["language"])
    Client().post("/password-reset/", {"email": "giulia@negozio.it"})
    [email] = mail.outbox
    assert email.subject == "Reset your Sportello password"
    assert email.body.startswith("Hello Giulia Bianchi,")
    assert "open this link" in email.body


def test_the_reset_pages_are_in_english_for_an_english_browser(db):
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get("/password-reset/")
    html = page.content.decode()
    assert '<html lang="en">' in html and "Reset your password" in html
    assert "Reimposta" not in html


def test_an_unknown_address_sends_nothing_and_says_the_same(db):
    asked = Client().post("/password-reset/", {"email": "nessuno@example.it"})
    assert asked.status_code == 302 and asked["Location"] == "/password-reset/sent/"
    assert mail.outbox == []


def test_a_weak_new_password_is_refused(agent):
    browser = Client()
    browser.post("/password-reset/", {"email": "giulia@negozio.it"})
    form = browser.get(_link(mail.outbox[0].body), follow=True)
    refused = browser.post(
        form.redirect_chain[-1][0], {"new_password1": "password", "new_password2": "password"}
    )
    assert refused.status_code == 200
    assert "troppo comune" in refused.content.decode()
    agent.user.refresh_from_db()
    assert agent.user.check_password("password-123")


def test_reset_emails_to_one_address_are_limited(agent):
    """GIVEN someone asking again and again for resets of one address, from many clients
    THEN after five emails the form refuses (429) and sends nothing more for a while."""
    for n in range(5):
        asked = Client(REMOTE_ADDR=f"192.0.2.{n}").post(
            "/password-reset/", {"email": "giulia@negozio.it"}
        )
        assert asked.status_code == 302
    refused = Client(REMOTE_ADDR="198.51.100.7").post(
        "/password-reset/", {"email": "giulia@negozio.it"}
    )
    assert refused.status_code == 429 and refused["Retry-After"] == "60"
    assert "Troppe email di reimpostazione richieste" in refused.content.decode()
    assert len(mail.outbox) == 5


def test_one_client_asking_for_many_addresses_is_limited(agent):
    browser = Client(REMOTE_ADDR="192.0.2.9")
    for n in range(5):
        browser.post("/password-reset/", {"email": f"nessuno{n}@example.it"})
    refused = browser.post("/password-reset/", {"email": "giulia@negozio.it"})
    assert refused.status_code == 429
    assert mail.outbox == []
