"""GDPR through the API: a customer's export, their erasure, and what each leaves."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from sportello.audit.models import AuditEntry
from sportello.conversations.models import Conversation
from sportello.customers.models import Customer
from sportello.ingest.models import InboundRecord
from tests.conftest import ApiClient
from tests.factories import AgentFactory, WorkspaceFactory
from tests.privacy.conftest import (
    ATTACHMENT,
    BODY_WORD,
    EMAIL,
    NAME,
    NOTE_WORD,
    rows_holding,
)

pytestmark = pytest.mark.django_db


def read_zip(response) -> zipfile.ZipFile:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/zip"
    assert response.streaming
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_export_holds_the_customer_their_conversations_and_attachment_files(admin_api, history):
    archive = read_zip(admin_api.get(f"/api/v1/customers/{history.customer_id}/export"))

    data = json.loads(archive.read("customer.json"))
    assert data["customer"]["name"] == NAME
    assert [(i["kind"], i["value"]) for i in data["identities"]] == [("email", EMAIL)]
    conversations = {c["id"]: c for c in data["conversations"]}
    assert set(conversations) == {history.email_conversation_id, history.api_conversation_id}
    email = conversations[history.email_conversation_id]
    assert BODY_WORD in email["subject"]
    [attachment] = [a for m in email["messages"] for a in m["attachments"]]
    assert attachment["filename"] == "fattura 77.pdf"
    assert archive.read(attachment["file"]) == ATTACHMENT
    api = conversations[history.api_conversation_id]
    texts = [m["text"] for m in api["messages"] if m["kind"] == "message"]
    assert any(BODY_WORD in t for t in texts) and any(NAME in t for t in texts)
    [reply] = [m for m in api["messages"] if m["direction"] == "out" and m["kind"] == "message"]
    assert reply["delivery"] is None or "status" in reply["delivery"]
    assert [n["text"] for n in api["notes"]] == [f"Cliente con {NOTE_WORD}"]


def test_export_is_audited_and_open_to_supervisors_not_agents(api, supervisor_api, history):
    url = f"/api/v1/customers/{history.customer_id}/export"
    assert api.get(url).status_code == 403
    assert supervisor_api.get(url).status_code == 200
    entry = AuditEntry.objects.get(action="customer.exported")
    assert (entry.target_type, entry.target_id) == ("customer", history.customer_id)
    assert entry.actor_kind == "agent" and entry.actor_agent_id is not None


def test_another_workspaces_customer_is_not_found(history):
    other = WorkspaceFactory()
    from sportello.accounts.actions import issue_token
    from sportello.accounts.models import Role

    stranger = ApiClient(issue_token(AgentFactory(workspace=other, role=Role.ADMIN)))
    assert stranger.get(f"/api/v1/customers/{history.customer_id}/export").status_code == 404
    assert stranger.post(f"/api/v1/customers/{history.customer_id}/erase").status_code == 404
    assert Customer.objects.get(pk=history.customer_id).name == NAME


def test_only_admins_erase(api, supervisor_api, history):
    url = f"/api/v1/customers/{history.customer_id}/erase"
    assert api.post(url).status_code == 403
    assert supervisor_api.post(url).status_code == 403
    assert Customer.objects.get(pk=history.customer_id).erased_at is None


def test_erasure_leaves_no_personal_data_and_a_tombstone_that_still_counts(
    admin_api, history, django_capture_on_commit_callbacks
):
    """GIVEN a customer with email, attachment, API messages, a reply and a note
    WHEN an admin erases them
    THEN no table holds their name, address or words, search finds nothing, the
    attachment file is gone, and the customer and conversations stay with their counts."""
    before = {
        c.pk: (c.message_count, c.status, c.channel_id, c.last_message_at)
        for c in Conversation.objects.filter(customer_id=history.customer_id)
    }
    assert rows_holding(BODY_WORD) and rows_holding(EMAIL)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_api.post(f"/api/v1/customers/{history.customer_id}/erase")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["already_erased"] is False
    assert (body["identities"], body["conversations"], body["attachments"]) == (1, 2, 1)
    assert body["raw_records"] >= 2
    for needle in (NAME, "Quaglierini", EMAIL, "quaglierini@", BODY_WORD, NOTE_WORD):
        assert rows_holding(needle) == [], needle
    assert not history.attachment_file.exists()
    assert not InboundRecord.objects.filter(customer_id=history.customer_id).exists()
    # The search indexes forgot them too (FTS5 on SQLite, tsvector on PostgreSQL).
    assert admin_api.get(f"/api/v1/conversations?q={BODY_WORD}").json()["items"] == []
    assert admin_api.get(f"/api/v1/conversations?q={NOTE_WORD}").json()["items"] == []
    assert admin_api.get("/api/v1/customers?q=quaglierini").json()["items"] == []
    # The tombstone: counted, dated, nameless.
    tombstone = admin_api.get(f"/api/v1/customers/{history.customer_id}").json()
    assert tombstone["name"] == "" and tombstone["identities"] == []
    assert tombstone["erased_at"] is not None and tombstone["conversation_count"] == 2
    after = {
        c.pk: (c.message_count, c.status, c.channel_id, c.last_message_at)
        for c in Conversation.objects.filter(customer_id=history.customer_id)
    }
    assert after == before
    detail = admin_api.get(f"/api/v1/conversations/{history.api_conversation_id}")
    assert detail.status_code == 200
    entry = AuditEntry.objects.get(action="customer.erased")
    assert entry.target_id == history.customer_id and entry.detail["conversations"] == 2
    assert NAME not in json.dumps(entry.detail) and EMAIL not in json.dumps(entry.detail)


def test_erasure_is_idempotent_and_audited_each_time(admin_api, history):
    url = f"/api/v1/customers/{history.customer_id}/erase"
    first = admin_api.post(url).json()
    again = admin_api.post(url)
    assert again.status_code == 200
    body = again.json()
    assert body["already_erased"] is True and body["erased_at"] == first["erased_at"]
    assert (body["identities"], body["conversations"], body["messages"]) == (0, 0, 0)
    assert AuditEntry.objects.filter(action="customer.erased").count() == 2


def test_after_erasure_the_same_address_is_a_new_customer(admin_api, api, history):
    admin_api.post(f"/api/v1/customers/{history.customer_id}/erase")

    posted = api.post(
        "/api/v1/inbound",
        {"channel": "api", "sender": {"name": NAME, "email": EMAIL}, "text": "Sono tornata"},
    ).json()

    assert posted["customer_id"] != history.customer_id
    assert posted["conversation_id"] != history.api_conversation_id
    customers = admin_api.get("/api/v1/customers?q=quaglierini").json()["items"]
    assert [c["id"] for c in customers] == [posted["customer_id"]]


def test_an_attachment_another_customer_also_sent_survives_the_erasure(
    admin_api, history, workspace, django_capture_on_commit_callbacks
):
    from sportello.providers.email.receive import receive_email
    from tests.outbound.helpers import make_email_channel
    from tests.privacy.conftest import email_with_attachment

    channel = make_email_channel(workspace.pk, slug="altra", address="altra@negozio.it")
    raw = (
        email_with_attachment("Anche io", "Stessa fattura")
        .replace(EMAIL.encode(), b"altro.cliente@example.it")
        .replace(b"fattura-77@", b"fattura-78@")
    )
    assert receive_email(channel, raw, source="test").status == "ingested"

    with django_capture_on_commit_callbacks(execute=True):
        admin_api.post(f"/api/v1/customers/{history.customer_id}/erase")

    assert history.attachment_file.read_bytes() == ATTACHMENT


def test_export_and_erasure_include_orders_and_consents(admin_api, api, history):
    """GIVEN the customer bought (an order posted by the shop) and gave, then withdrew,
    marketing consent
    WHEN she asks for her data, then for its erasure
    THEN the export holds the order, the stage and every consent record; the erasure
    deletes them."""
    order = {
        "customer": {"email": EMAIL},
        "number": "Q-77",
        "total": "120.00",
        "currency": "EUR",
        "status": "paid",
        "placed_at": "2026-11-30T09:00:00Z",
    }
    assert api.post("/api/v1/orders", order).json()["customer_id"] == history.customer_id
    url = f"/api/v1/customers/{history.customer_id}/consents"
    for granted in (True, False):
        change = {
            "consents": [{"purpose": "marketing", "channel_kind": "email", "granted": granted}]
        }
        assert api.put(url, change).status_code == 200

    archive = read_zip(admin_api.get(f"/api/v1/customers/{history.customer_id}/export"))
    data = json.loads(archive.read("customer.json"))
    assert [(o["number"], o["status"], o["total"]) for o in data["orders"]] == [
        ("Q-77", "paid", "120.00")
    ]
    assert data["lifecycle"]["stage"] == "customer"
    assert [h["to"] for h in data["lifecycle"]["history"]] == ["customer"]
    assert [c["granted"] for c in data["consents"]] == [False, True]

    erased = admin_api.post(f"/api/v1/customers/{history.customer_id}/erase").json()
    assert erased["orders"] == 1 and erased["consents"] == 2
    assert api.get(f"/api/v1/customers/{history.customer_id}/orders").json() == []
    assert api.get(url).json()["history"] == []
