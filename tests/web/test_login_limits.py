"""Sign-in limits on the web's login form: the same counters as the API's."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def sign_in(password: str, address: str = "192.0.2.1"):
    return Client(REMOTE_ADDR=address).post(
        "/login/", {"username": "giulia@negozio.it", "password": password}
    )


def test_the_form_refuses_a_locked_account_with_a_clear_message(agent):
    for _ in range(5):
        wrong = sign_in("sbagliata")
        assert wrong.status_code == 200
        assert "Troppi accessi" not in wrong.content.decode()
    refused = sign_in("password-123")
    assert refused.status_code == 429 and refused["Retry-After"] == "60"
    assert "Troppi accessi non riusciti. Riprova tra 1 minuto." in refused.content.decode()


def test_web_and_api_failures_count_together(agent, client):
    for _ in range(3):
        sign_in("sbagliata")
    for _ in range(2):
        client.post(
            "/api/v1/auth/token",
            {"email": "giulia@negozio.it", "password": "sbagliata"},
            content_type="application/json",
        )
    assert sign_in("password-123", address="198.51.100.7").status_code == 429


def test_a_right_password_signs_in_and_clears_the_failures(agent):
    for _ in range(4):
        sign_in("sbagliata")
    assert sign_in("password-123").status_code == 302
    for _ in range(4):
        sign_in("sbagliata")
    assert sign_in("password-123").status_code == 302
