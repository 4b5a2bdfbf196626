from __future__ import annotations

from pathlib import Path

from sportello.api.management.commands.openapi import schema_text

COMMITTED = Path(__file__).resolve().parents[2] / "openapi.json"


def test_committed_openapi_matches_the_generated_one():
    """Regenerate with `make openapi` after changing the API, and review the diff."""
    assert COMMITTED.read_text() == schema_text()


def test_openapi_is_served(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert "/api/v1/inbound" in response.json()["paths"]
