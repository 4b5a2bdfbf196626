"""Orders, lifecycle, consents, do-not-contact and the look-up, as an integration uses
them through the API (issue 18 point 5)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from sportello.audit.models import AuditEntry
from sportello.core.models import Workspace
from sportello.customers.models import Customer

pytestmark = pytest.mark.django_db

ORDER = {
    "customer": {
        "email": "Luca.Bianchi@Libero.it",
        "phone": "347 123 4567",
        "name": "Luca Bianchi",
    },
    "number": "A-1001",
    "total": "49.90",
    "currency": "eur",
    "status": "pending",
    "placed_at": "2026-12-01T10:00:00Z",
}


def _order(api, **changes):
    return api.post("/api/v1/orders", {**ORDER, **changes})


def test_an_order_creates_the_customer_and_a_paid_one_makes_her_a_customer(api):
    first = _order(api)
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["created"] and body["customer_created"] and body["currency"] == "EUR"
    customer_id = body["customer_id"]
    detail = api.get(f"/api/v1/customers/{customer_id}").json()
    assert detail["lifecycle_stage"] == "lead"
    assert {(i["kind"], i["value"]) for i in detail["identities"]} == {
        ("email", "luca.bianchi@libero.it"),
        ("phone", "+393471234567"),
    }

    again = _order(api, status="paid", total="59.90")
    assert again.status_code == 200 and again.json()["created"] is False
    assert again.json()["id"] == body["id"] and again.json()["total"] == "59.90"
    detail = api.get(f"/api/v1/customers/{customer_id}").json()
    assert detail["lifecycle_stage"] == "customer"
    assert detail["lifecycle_reason"] == "order A-1001"
    orders = api.get(f"/api/v1/customers/{customer_id}/orders").json()
    assert [(o["number"], o["status"]) for o in orders] == [("A-1001", "paid")]


def test_an_order_finds_the_customer_who_wrote_whatever_the_phone_format(api, inbound):
    wrote = inbound(sender={"name": "Luca B.", "phone": "+39 347 123 4567"}).json()
    posted = _order(
        api, customer={"phone": "0039 347 1234567"}, number="B-7", status="fulfilled"
    ).json()
    assert posted["customer_id"] == wrote["customer_id"] and not posted["customer_created"]
    detail = api.get(f"/api/v1/customers/{wrote['customer_id']}").json()
    assert detail["lifecycle_stage"] == "customer"


@pytest.mark.parametrize(
    "changes",
    [
        {"customer": {"phone": "ciao"}},
        {"customer": {"email": "luca@libero"}},
        {"customer": {}},
        {"total": "tanti"},
        {"status": "boh"},
        {"currency": "€€"},
        {"number": ""},
        {"placed_at": "ieri"},
    ],
)
def test_bad_orders_get_a_clear_422(api, changes):
    response = _order(api, **changes)
    assert response.status_code == 422, response.content
    assert response.json()["detail"]
    assert not Customer.objects.exists()


def test_agents_set_the_stage_with_a_reason(api, inbound):
    customer_id = inbound().json()["customer_id"]
    response = api.patch(
        f"/api/v1/customers/{customer_id}",
        {"lifecycle_stage": "former", "lifecycle_reason": "ha chiuso il negozio"},
    )
    assert response.status_code == 200
    assert response.json()["lifecycle_stage"] == "former"
    assert response.json()["lifecycle_changed_at"]
    bad = api.patch(f"/api/v1/customers/{customer_id}", {"lifecycle_stage": "vip"})
    assert bad.status_code == 422
    entry = AuditEntry.objects.get(action="customer.lifecycle_changed")
    assert entry.detail["to"] == "former" and entry.actor_name == "Giulia Bianchi"


def test_consents_keep_their_history_and_source(api, inbound):
    customer_id = inbound().json()["customer_id"]
    url = f"/api/v1/customers/{customer_id}/consents"
    empty = api.get(url).json()
    assert empty["current"] == [] and empty["do_not_contact"] is False
    given = {
        "consents": [{"purpose": "marketing", "channel_kind": "email", "granted": True}],
        "source": "web_form",
    }
    assert api.put(url, given).status_code == 200
    assert api.put(url, given).status_code == 200  # the same again: not recorded twice
    withdrawn = {
        "consents": [{"purpose": "marketing", "channel_kind": "email", "granted": False}],
        "source": "unsubscribe_link",
    }
    body = api.put(url, withdrawn).json()
    assert [(c["granted"], c["source"]) for c in body["current"]] == [(False, "unsubscribe_link")]
    assert [(c["granted"], c["source"]) for c in body["history"]] == [
        (False, "unsubscribe_link"),
        (True, "web_form"),
    ]
    for bad in (
        {"consents": [{"purpose": "marketing", "channel_kind": "piccione", "granted": True}]},
        {"consents": [{"purpose": "spam", "channel_kind": "email", "granted": True}]},
        {"source": "telepatia"},
    ):
        assert api.put(url, bad).status_code == 422
    assert len(api.get(url).json()["history"]) == 2


def _lookup(api, **query):
    return api.get("/api/v1/customers/lookup?" + urlencode(query))


def test_lookup_before_a_sales_call(api, inbound):
    """A customer who bought and withdrew marketing consent: the CRM asks by the number
    written another way and learns she is a customer and must not get offers."""
    wrote = inbound(sender={"name": "Anna Verdi", "phone": "+39 02 1234 5678"}).json()
    _order(api, customer={"phone": "02 12345678"}, number="C-1", status="paid")
    url = f"/api/v1/customers/{wrote['customer_id']}/consents"
    api.put(
        url, {"consents": [{"purpose": "marketing", "channel_kind": "phone", "granted": False}]}
    )
    found = _lookup(api, phone="0039 02 12345678")
    assert found.status_code == 200
    body = found.json()
    assert body["found"] and body["customer_id"] == wrote["customer_id"]
    assert body["lifecycle_stage"] == "customer"
    assert body["may_contact"] == {"service": True, "marketing": False}
    assert body["channels"]["phone"] == {"service": True, "marketing": False}

    api.put(url, {"do_not_contact": True})
    body = _lookup(api, phone="+390212345678").json()
    assert body["do_not_contact"] is True
    assert body["may_contact"] == {"service": False, "marketing": False}
    entries = AuditEntry.objects.filter(action="customer.lookup")
    assert entries.count() == 2 and {e.actor_name for e in entries} == {"Giulia Bianchi"}


def test_lookup_of_nobody_and_of_bad_input(api, inbound):
    assert _lookup(api, email="nessuno@example.it").json()["found"] is False
    for query in ({}, {"email": "", "phone": ""}, {"phone": "abc"}, {"email": "mario@"}):
        response = _lookup(api, **query)
        assert response.status_code == 422, query
        assert response.json()["detail"]


def test_lookup_never_reveals_another_workspace(api, inbound):
    from sportello.customers.actions import create_customer

    other = Workspace.objects.create(name="Altro", slug="altro")
    create_customer(other.pk, name="Segreto", identities=[("email", "segreto@example.it")])
    assert _lookup(api, email="segreto@example.it").json()["found"] is False
    elsewhere = Customer.objects.get(workspace=other)
    assert api.get(f"/api/v1/customers/{elsewhere.pk}/orders").status_code == 404
    assert api.get(f"/api/v1/customers/{elsewhere.pk}/consents").status_code == 404
    assert (
        api.put(f"/api/v1/customers/{elsewhere.pk}/consents", {"do_not_contact": True}).status_code
        == 404
    )


def test_agents_add_an_address_with_clear_errors(api, inbound):
    mario = inbound().json()["customer_id"]
    anna = inbound(sender={"name": "Anna", "email": "anna@example.it"}).json()["customer_id"]
    url = f"/api/v1/customers/{mario}/identities"
    added = api.post(url, {"kind": "phone", "value": "347 765 4321"})
    assert added.status_code == 201 and added.json()["value"] == "+393477654321"
    assert api.post(url, {"kind": "phone", "value": "12"}).status_code == 422
    assert api.post(url, {"kind": "email", "value": "mario@senza"}).status_code == 422
    taken = api.post(url, {"kind": "email", "value": "ANNA@example.it"})
    assert taken.status_code == 409 and str(anna) in taken.json()["detail"]
    removed = api.delete(f"{url}/{added.json()['id']}")
    assert removed.status_code == 204
    assert api.delete(f"{url}/{added.json()['id']}").status_code == 404
