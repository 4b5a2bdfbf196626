"""A customer's export says where webhooks sent their data; their erasure deletes what the
delivery log kept of it, and leaves other customers' deliveries alone."""

from __future__ import annotations

import io
import json
import zipfile

from sportello.privacy.actions import erase_customer_data, export_customer
from sportello.webhooks.models import EventType, WebhookDelivery
from tests.webhooks.conftest import HOOK


def test_export_lists_the_deliveries_and_erasure_deletes_them(
    inbound, workspace, subscribed, receiver, django_capture_on_commit_callbacks
):
    subscribed([EventType.CONVERSATION_OPENED, EventType.MESSAGE_RECEIVED])
    with django_capture_on_commit_callbacks(execute=True):
        mario = inbound().json()
    with django_capture_on_commit_callbacks(execute=True):
        inbound(sender={"name": "Anna Neri", "email": "anna@example.it"})
    assert WebhookDelivery.objects.count() == 4

    _name, chunks = export_customer(workspace.pk, mario["customer_id"])
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    sent = json.loads(archive.read("customer.json"))["webhook_deliveries"]
    assert sorted(d["event_type"] for d in sent) == ["conversation.opened", "message.received"]
    assert {d["sent_to"] for d in sent} == {receiver.url + HOOK}

    erase_customer_data(workspace.pk, mario["customer_id"])
    left = list(WebhookDelivery.objects.all())
    assert len(left) == 2 and all("Mario" not in d.body for d in left)
    assert all("Anna Neri" in d.body for d in left)


def test_erasure_deletes_the_deliveries_of_a_customer_with_no_conversation(
    api, workspace, subscribed, receiver, django_capture_on_commit_callbacks
):
    """An order from the shop makes a customer who never wrote: customer.created is sent
    about them, with no conversation to find it by."""
    subscribed([EventType.CUSTOMER_CREATED])
    order = {
        "number": "A-1001",
        "total": "49.90",
        "currency": "EUR",
        "status": "paid",
        "placed_at": "2026-12-01T10:00:00Z",
        "customer": {"name": "Luca Bianchi", "email": "luca.bianchi@libero.it"},
    }
    with django_capture_on_commit_callbacks(execute=True):
        posted = api.post("/api/v1/orders", order)
    assert posted.status_code == 201, posted.content
    customer_id = posted.json()["customer_id"]
    assert WebhookDelivery.objects.filter(customer_id=customer_id).count() == 1

    _name, chunks = export_customer(workspace.pk, customer_id)
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    sent = json.loads(archive.read("customer.json"))["webhook_deliveries"]
    assert [d["event_type"] for d in sent] == ["customer.created"]

    erase_customer_data(workspace.pk, customer_id)
    assert not WebhookDelivery.objects.filter(body__contains="Luca Bianchi").exists()
