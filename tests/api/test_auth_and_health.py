from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_token_from_email_and_password(agent, client):
    response = client.post(
        "/api/v1/auth/token",
        {"email": "Giulia@Negozio.it", "password": "password-123"},
        content_type="application/json",
    )
    assert response.status_code == 200
    token = response.json()["token"]
    listed = client.get("/api/v1/conversations", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert listed.status_code == 200


def test_wrong_password_is_401(agent, client):
    response = client.post(
        "/api/v1/auth/token",
        {"email": "giulia@negozio.it", "password": "sbagliata"},
        content_type="application/json",
    )
    assert response.status_code == 401
    assert response.json() == {"detail": "wrong email or password"}


def test_healthz_reports_database_and_queue(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "queue": "ok"}


def test_interactive_docs_are_for_signed_in_agents(agent, client):
    """The docs page lists every operation and calls them with the session: an anonymous
    visitor is sent to sign in; an agent gets it, its assets from the project, no CDN."""
    anonymous = client.get("/api/v1/docs")
    assert anonymous.status_code == 302
    assert anonymous["Location"] == "/login/?next=/api/v1/docs"

    client.force_login(agent.user)
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<script src="/static/ninja/swagger-ui-bundle.js">' in html
    assert "cdn" not in html.lower() and "https://" not in html
    assert client.get("/static/ninja/swagger-ui-bundle.js").status_code == 200
