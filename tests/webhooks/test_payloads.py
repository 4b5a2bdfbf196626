"""A webhook's objects are the REST API's: the same keys and values, so an integration
reads one shape whichever way it learns of a change."""

from __future__ import annotations

import json

from sportello.webhooks import payloads


def _sent(data):
    """As the receiver reads it: the body's JSON text, parsed."""
    return json.loads(payloads.body_of(data))


def test_conversation_message_and_customer_are_shaped_as_the_api_answers_them(
    api, inbound, workspace
):
    answer = inbound("Vorrei cambiare l'indirizzo di consegna", subject="Ordine 4521").json()
    conversation_id, message_id = answer["conversation_id"], answer["message_id"]
    sent = _sent(payloads.message_data(workspace.pk, conversation_id, message_id))
    detail = api.get(f"/api/v1/conversations/{conversation_id}").json()
    listed = api.get("/api/v1/conversations").json()["items"]
    customer_id = sent["conversation"]["customer"]["id"]

    assert sent["conversation"] == next(c for c in listed if c["id"] == conversation_id)
    api_message = next(m for m in detail["messages"] if m["id"] == message_id)
    del api_message["delivery"]
    assert sent["message"] == api_message
    customer = _sent(payloads.customer_data(workspace.pk, customer_id))["customer"]
    assert customer == api.get(f"/api/v1/customers/{customer_id}").json()
    assert customer["identities"][0]["value"] == "mario@example.it"
