"""A webhook's objects are the REST API's: the same keys and values, so an integration
reads one shape whichever way it learns of a change."""

from __future__ import annotations

import json

from sportello.api import present
from sportello.conversations.models import Message
from sportello.conversations.queries import get_conversation
from sportello.customers.queries import get_customer
from sportello.webhooks import payloads


def _json(data):
    return json.loads(json.dumps(data, default=payloads._json_value))


def test_conversation_message_and_customer_are_shaped_as_the_api_shapes_them(
    api, inbound, workspace
):
    answer = inbound("Vorrei cambiare l'indirizzo di consegna", subject="Ordine 4521").json()
    conversation = get_conversation(workspace.pk, answer["conversation_id"])
    message = Message.objects.get(pk=answer["message_id"])
    customer = get_customer(conversation.workspace_id, conversation.customer_id)

    assert _json(payloads.conversation(conversation)) == _json(
        present.conversation_summary(conversation)
    )
    api_message = present.message(message)
    del api_message["delivery"]
    assert _json(payloads.message(message)) == _json(api_message)
    assert _json(payloads.customer(customer)) == _json(present.customer(customer))
    assert payloads.customer(customer)["identities"][0]["value"] == "mario@example.it"
