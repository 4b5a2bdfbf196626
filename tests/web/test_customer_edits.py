"""Editing a customer on their page: contacts, lifecycle stage, consent, do-not-contact,
and the orders an integration posted (issue 14 point 7, issue 18 point 5). The agent's
language is Italian, so the errors are read in Italian."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sportello.audit.models import AuditEntry
from sportello.customers.actions.lifecycle import OrderIn, record_order
from sportello.customers.models import Consent, Customer, Identity

pytestmark = pytest.mark.django_db


def test_an_agent_adds_and_removes_a_phone(agent_client, customer_writes):
    customer_id = customer_writes(email="lucia@example.it").customer_id
    response = agent_client.post(
        f"/customers/{customer_id}/contacts/", {"kind": "phone", "value": "347 123 4567"}
    )
    assert response.status_code == 302
    identity = Identity.objects.get(customer_id=customer_id, kind="phone")
    assert identity.value == "+393471234567"
    page = agent_client.get(f"/customers/{customer_id}/").content.decode()
    assert "+39 347 123 4567" in page
    removed = agent_client.post(f"/customers/{customer_id}/contacts/{identity.pk}/remove/")
    assert removed.status_code == 302
    assert not Identity.objects.filter(pk=identity.pk).exists()
    assert AuditEntry.objects.filter(action="customer.identity_removed").count() == 1


@pytest.mark.parametrize(
    ("kind", "value", "error"),
    [
        ("phone", "ciao", "Questo non è un numero di telefono."),
        ("email", "lucia@senzadominio", "Questo non è un indirizzo email"),
    ],
)
def test_garbage_contacts_get_a_translated_error(agent_client, customer_writes, kind, value, error):
    customer_id = customer_writes().customer_id
    response = agent_client.post(
        f"/customers/{customer_id}/contacts/", {"kind": kind, "value": value}
    )
    assert response.status_code == 422
    assert error in response.content.decode()
    assert Identity.objects.filter(customer_id=customer_id).count() == 1


def test_an_address_of_another_customer_offers_the_merge(agent_client, customer_writes):
    lucia = customer_writes(name="Lucia Verdi", email="lucia@example.it").customer_id
    other = customer_writes(name="L. Verdi", email="verdi.l@example.it").customer_id
    response = agent_client.post(
        f"/customers/{lucia}/contacts/", {"kind": "email", "value": "Verdi.L@example.it"}
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "appartiene a un altro cliente (L. Verdi)" in page
    assert f"/customers/{lucia}/merge/{other}/" in page


def test_stage_consent_and_do_not_contact_from_the_page(agent_client, agent, customer_writes):
    customer_id = customer_writes(email="lucia@example.it").customer_id
    response = agent_client.post(
        f"/customers/{customer_id}/lifecycle/", {"stage": "former", "reason": "ha chiuso"}
    )
    assert response.status_code == 302
    customer = Customer.objects.get(pk=customer_id)
    assert (customer.lifecycle_stage, customer.lifecycle_reason) == ("former", "ha chiuso")
    bad = agent_client.post(f"/customers/{customer_id}/lifecycle/", {"stage": "vip"})
    assert bad.status_code == 422

    given = {"purpose": "marketing", "channel_kind": "whatsapp", "granted": "yes"}
    assert agent_client.post(f"/customers/{customer_id}/consents/", given).status_code == 302
    consent = Consent.objects.get(customer_id=customer_id)
    assert consent.granted and consent.source == "agent" and consent.by_name == agent.display_name
    half = agent_client.post(f"/customers/{customer_id}/consents/", {"purpose": "marketing"})
    assert half.status_code == 422
    assert "Scegli la finalità, il canale e il consenso." in half.content.decode()

    flag = agent_client.post(f"/customers/{customer_id}/consents/", {"do_not_contact": "on"})
    assert flag.status_code == 302
    assert Customer.objects.get(pk=customer_id).do_not_contact
    page = agent_client.get(f"/customers/{customer_id}/").content.decode()
    assert "Da non contattare" in page and "ex cliente" in page


def test_the_page_lists_the_orders(agent_client, workspace, customer_writes):
    customer_id = customer_writes(email="lucia@example.it").customer_id
    record_order(
        workspace.pk,
        OrderIn(
            number="A-1001",
            total="49.9",
            currency="EUR",
            status="paid",
            placed_at=datetime(2026, 12, 1, 10, tzinfo=UTC),
            email="lucia@example.it",
        ),
    )
    page = agent_client.get(f"/customers/{customer_id}/").content.decode()
    assert "A-1001" in page and "49.90 EUR" in page and "pagato" in page


def test_merge_two_conversations_from_the_customer_page(agent_client, agent, customer_writes):
    from sportello.conversations import actions

    first = customer_writes("Ordine 4411 non arrivato", email="lucia@example.it")
    actions.set_status(first, agent, "resolved")
    second = customer_writes("Ancora sull'ordine 4411", email="lucia@example.it")
    assert first.pk != second.pk
    url = f"/customers/{first.customer_id}/merge-conversations/"
    same = agent_client.post(url, {"kept": first.pk, "other": first.pk}, follow=True)
    assert "Scegli due conversazioni diverse di questo cliente." in same.content.decode()
    done = agent_client.post(url, {"kept": first.pk, "other": second.pk})
    assert done.status_code == 302 and done["Location"] == f"/c/{first.number}/"
    page = agent_client.get(f"/c/{first.number}/").content.decode()
    assert "Ancora sull" in page and f"La conversazione n. {second.number} è stata unita" in page
