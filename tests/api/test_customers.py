from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_customer_search_by_name_and_identity(api, inbound):
    created = inbound().json()
    by_name = api.get("/api/v1/customers?q=rossi").json()["items"]
    by_email = api.get("/api/v1/customers?q=mario@example").json()["items"]
    assert [c["id"] for c in by_name] == [created["customer_id"]] == [c["id"] for c in by_email]
    assert api.get("/api/v1/customers?q=nessuno").json()["items"] == []


def test_customer_detail_counts_conversations(api, inbound):
    created = inbound().json()
    detail = api.get(f"/api/v1/customers/{created['customer_id']}").json()
    assert detail["conversation_count"] == 1
    assert detail["identities"] == [{"kind": "email", "value": "mario@example.it"}]


def test_patch_customer_name_organization_and_custom_fields(api, inbound):
    cid = inbound().json()["customer_id"]
    response = api.patch(
        f"/api/v1/customers/{cid}",
        {"name": "Mario Rossi", "organization": "Rossi Srl", "custom_fields": {"tessera": "A-17"}},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["organization"] == "Rossi Srl" and body["custom_fields"] == {"tessera": "A-17"}
    cleared = api.patch(f"/api/v1/customers/{cid}", {"custom_fields": {"tessera": None}}).json()
    assert cleared["custom_fields"] == {}


def test_customer_pagination(api):
    for n in range(5):
        api.post(
            "/api/v1/inbound", {"channel": "api", "sender": {"email": f"c{n}@x.it"}, "text": "ciao"}
        )
    first = api.get("/api/v1/customers?limit=3").json()
    second = api.get(f"/api/v1/customers?limit=3&cursor={first['next_cursor']}").json()
    assert len(first["items"]) == 3 and len(second["items"]) == 2 and second["next_cursor"] is None
