"""The agent's own profile page: name, language, time zone, signature, password, tokens."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from sportello.accounts.actions import issue_token
from sportello.accounts.models import Agent, ApiToken
from tests.conftest import ApiClient
from tests.factories import AgentFactory
from tests.web.conftest import htmx

pytestmark = pytest.mark.django_db


def test_the_profile_page_is_reached_from_the_sidebar(agent_client):
    inbox = agent_client.get("/").content.decode()
    assert 'href="/profile/"' in inbox
    page = agent_client.get("/profile/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Il tuo profilo" in html and "giulia@negozio.it" in html
    assert 'aria-current="page"' in html and "Token API" in html


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/profile/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_an_agent_changes_name_language_time_zone_and_signature(agent_client, agent):
    response = agent_client.post(
        "/profile/",
        {
            "display_name": "  Giulia   B. ",
            "language": "en",
            "time_zone": "America/New_York",
            "signature": "Giulia\nNegozio Bianchi\n",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/profile/"
    agent = Agent.objects.get(pk=agent.pk)
    assert (agent.display_name, agent.language, agent.time_zone) == (
        "Giulia B.",
        "en",
        "America/New_York",
    )
    assert agent.signature == "Giulia\nNegozio Bianchi"
    page = agent_client.get("/profile/")
    html = page.content.decode()
    assert page["Content-Language"] == "en"
    assert "Profile saved." in html and "Your profile" in html and "Il tuo profilo" not in html


def test_a_bad_profile_is_shown_again_with_its_errors(agent_client, agent):
    response = agent_client.post(
        "/profile/",
        {"display_name": "", "language": "fr", "time_zone": "Mars/Olympus", "signature": ""},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert html.count('class="field-error"') >= 3
    assert Agent.objects.get(pk=agent.pk).display_name == "Giulia Bianchi"


def test_changing_the_password_keeps_this_session_and_ends_the_others(agent, workspace):
    here, elsewhere = Client(), Client()
    for browser in (here, elsewhere):
        assert (
            browser.post(
                "/login/", {"username": "giulia@negozio.it", "password": "password-123"}
            ).status_code
            == 302
        )
    api = ApiClient(issue_token(agent, "Shopify"))

    response = here.post(
        "/profile/password/",
        {
            "old_password": "password-123",
            "new_password1": "un-altra-password-2026",
            "new_password2": "un-altra-password-2026",
        },
    )
    assert response.status_code == 302
    page = here.get("/profile/")
    assert page.status_code == 200
    assert "Password cambiata" in page.content.decode()
    assert "1 token API è stato revocato" in page.content.decode()
    assert elsewhere.get("/profile/").status_code == 302  # signed out
    assert api.get("/api/v1/conversations").status_code == 401
    assert (
        Client()
        .post("/login/", {"username": "giulia@negozio.it", "password": "un-altra-password-2026"})
        .status_code
        == 302
    )


def test_a_weak_or_mistyped_new_password_is_refused(agent_client, agent):
    weak = agent_client.post(
        "/profile/password/",
        {"old_password": "password-123", "new_password1": "password", "new_password2": "password"},
    )
    assert weak.status_code == 422
    assert "troppo comune" in weak.content.decode()
    wrong = agent_client.post(
        "/profile/password/",
        {
            "old_password": "non-la-so",
            "new_password1": "un-altra-password-2026",
            "new_password2": "un-altra-password-2026",
        },
    )
    assert wrong.status_code == 422
    agent.user.refresh_from_db()
    assert agent.user.check_password("password-123")


def test_guessing_the_current_password_is_limited_like_a_sign_in(agent_client, agent):
    guess = {
        "old_password": "non-la-so",
        "new_password1": "un-altra-password-2026",
        "new_password2": "un-altra-password-2026",
    }
    for _ in range(5):
        assert agent_client.post("/profile/password/", guess).status_code == 422
    refused = agent_client.post("/profile/password/", {**guess, "old_password": "password-123"})
    assert refused.status_code == 429 and refused["Retry-After"] == "60"
    assert "Troppi accessi non riusciti" in refused.content.decode()
    agent.user.refresh_from_db()
    assert agent.user.check_password("password-123")


def test_a_named_token_is_created_shown_once_listed_and_revoked(agent_client, agent):
    created = agent_client.post(
        "/profile/tokens/", {"name": "Ordini Shopify", "lifetime_days": "30"}, **htmx("tokens")
    )
    assert created.status_code == 201
    html = created.content.decode()
    assert html.startswith('\n<section id="tokens"') or '<section id="tokens"' in html[:200]
    key = re.search(r'value="(spt_[^"]+)"', html).group(1)
    assert "non sarà più mostrato" in html and "Ordini Shopify" in html
    token = ApiToken.objects.get(agent=agent)
    assert f"spt_{token.prefix}…" in html
    assert ApiClient(key).get("/api/v1/conversations").status_code == 200

    page = agent_client.get("/profile/").content.decode()
    assert "Ordini Shopify" in page and key not in page

    revoked = agent_client.post(f"/profile/tokens/{token.pk}/revoke/", **htmx("tokens"))
    assert revoked.status_code == 200
    assert "Ordini Shopify" not in revoked.content.decode()
    assert ApiClient(key).get("/api/v1/conversations").status_code == 401


def test_without_javascript_tokens_are_made_and_revoked_by_plain_forms(agent_client, agent):
    created = agent_client.post("/profile/tokens/", {"name": "Zapier", "lifetime_days": "90"})
    assert created.status_code == 201
    assert "<h1>Il tuo profilo</h1>" in created.content.decode()
    token = ApiToken.objects.get(agent=agent)
    revoked = agent_client.post(f"/profile/tokens/{token.pk}/revoke/")
    assert revoked.status_code == 302
    assert "Token «Zapier» revocato." in agent_client.get("/profile/").content.decode()
    assert not ApiToken.objects.filter(agent=agent).exists()


def test_a_token_needs_a_name_and_an_offered_lifetime(agent_client, agent, settings):
    settings.TOKEN_MAX_LIFETIME_DAYS = 90
    missing = agent_client.post("/profile/tokens/", {"name": " ", "lifetime_days": "30"})
    assert missing.status_code == 422
    too_long = agent_client.post("/profile/tokens/", {"name": "x", "lifetime_days": "365"})
    assert too_long.status_code == 422
    assert not ApiToken.objects.filter(agent=agent).exists()


def test_an_agent_cannot_revoke_someone_elses_token(agent_client, workspace):
    colleague = AgentFactory(workspace=workspace)
    key = issue_token(colleague, "theirs")
    token = ApiToken.objects.get(agent=colleague)
    agent_client.post(f"/profile/tokens/{token.pk}/revoke/")
    assert ApiClient(key).get("/api/v1/conversations").status_code == 200
    assert "theirs" not in agent_client.get("/profile/").content.decode()
