from __future__ import annotations

from urllib.parse import urlencode

import pytest

from sportello.providers.email.receive import receive_email
from tests.outbound.helpers import make_email_channel

pytestmark = pytest.mark.django_db


@pytest.fixture
def email_channel(workspace, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return make_email_channel(workspace.pk)


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
    assert detail["identities"] == [
        {"kind": "email", "value": "mario@example.it", "unverified": False, "source": "channel"}
    ]


def test_an_address_kept_as_written_is_shown_unverified(api, agent, email_channel):
    """An email from ``power quadrant system@example.com`` (spaces: not a valid address)
    reaches the inbox; the API says its identity is unverified."""
    raw = (
        b'From: "your secret past" <power quadrant system@example.com>\r\n'
        b"To: assistenza@negozio.it\r\nSubject: Ciao\r\nMessage-ID: <odd-1@example.com>\r\n"
        b"\r\nCome va?\r\n"
    )
    outcome = receive_email(email_channel, raw, source="lmtp")
    conversation = api.get(f"/api/v1/conversations/{outcome.conversation_id}").json()
    detail = api.get(f"/api/v1/customers/{conversation['customer']['id']}").json()
    assert detail["identities"] == [
        {
            "kind": "email",
            "value": "power quadrant system@example.com",
            "unverified": True,
            "source": "channel",
        }
    ]


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


def test_customer_search_reads_numbers_and_names_as_people_write_them(api, inbound):
    """GIVEN Chiara Fontana wrote from her mobile, written by hand by the integration,
    WHEN another system looks her up by any Italian way of writing it or her name turned
    round, THEN the API finds her, and her number is stored once, in E.164."""
    chiara = inbound(sender={"name": "Chiara Fontàna", "phone": "347 123 4567"}).json()
    inbound(sender={"name": "Mario Rossi", "email": "Mario.Rossi@Example.it"})
    for q in ("3471234567", "347 123 4567", "+39 347 123 4567", "0039 347 1234567"):
        found = api.get("/api/v1/customers?" + urlencode({"q": q})).json()["items"]
        assert [c["id"] for c in found] == [chiara["customer_id"]], q
    for q in ("fontana chiara", "Chiara Fontana", "FONTÀNA"):
        found = api.get("/api/v1/customers?" + urlencode({"q": q})).json()["items"]
        assert [c["id"] for c in found] == [chiara["customer_id"]], q
    detail = api.get(f"/api/v1/customers/{chiara['customer_id']}").json()
    assert detail["identities"] == [
        {"kind": "phone", "value": "+393471234567", "unverified": False, "source": "channel"}
    ]
    by_email = api.get("/api/v1/customers?q=MARIO.ROSSI%40example.IT").json()["items"]
    assert [c["name"] for c in by_email] == ["Mario Rossi"]
    assert api.get("/api/v1/customers?q=%2B39+06+555+0000").json()["items"] == []
