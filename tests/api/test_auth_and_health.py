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


def test_interactive_docs_are_served(client):
    assert client.get("/api/v1/docs").status_code == 200
