"""Each domain event a subscription may choose becomes its delivery, with the event's own
facts beside the object (the old and new status, the fields changed)."""

from __future__ import annotations

import pytest

from sportello.conversations.actions.manage import assign, set_status
from sportello.conversations.queries import get_conversation
from sportello.customers.actions import create_customer, update_customer
from sportello.customers.models import Customer
from sportello.webhooks.models import EventType
from tests.webhooks.conftest import HOOK


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a write and its after-commit handlers, as a request's commit would."""

    def run(write, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return write(*args, **kwargs)

    return run


def _payloads(receiver, event_type: str) -> list[dict]:
    return [r.json() for r in receiver.sent("POST", HOOK) if r.json()["type"] == event_type]


def test_status_changes_and_assignments_are_sent_with_what_changed(
    inbound, workspace, agent, subscribed, receiver, committed
):
    subscribed([EventType.STATUS_CHANGED, EventType.CONVERSATION_ASSIGNED])
    answer = committed(inbound).json()
    conversation = get_conversation(workspace.pk, answer["conversation_id"])

    committed(assign, conversation, agent, assignee=agent)
    committed(set_status, get_conversation(workspace.pk, conversation.pk), agent, "resolved")

    (assigned,) = _payloads(receiver, "conversation.assigned")
    assert assigned["data"]["conversation"]["assignee"] == {
        "id": agent.pk,
        "display_name": "Giulia Bianchi",
    }
    (changed,) = _payloads(receiver, "conversation.status_changed")
    assert changed["data"]["old_status"] == "open" and changed["data"]["new_status"] == "resolved"
    assert changed["data"]["conversation"]["status"] == "resolved"
    assert changed["data"]["conversation"]["number"] == conversation.number


def test_customers_created_and_updated_are_sent(workspace, subscribed, receiver, committed):
    subscribed([EventType.CUSTOMER_CREATED, EventType.CUSTOMER_UPDATED])
    customer = committed(create_customer, workspace.pk, name="Anna Verdi", language="it")
    committed(update_customer, Customer.objects.get(pk=customer.pk), name="Anna Maria Verdi")

    (created,) = _payloads(receiver, "customer.created")
    assert created["data"]["customer"]["name"] == "Anna Verdi"
    (updated,) = _payloads(receiver, "customer.updated")
    assert updated["data"]["customer"]["name"] == "Anna Maria Verdi"
    assert "name" in updated["data"]["fields"]
    assert created["id"] != updated["id"]


def test_an_event_reaches_each_subscription_once_with_one_event_id(
    inbound, subscribed, receiver, committed
):
    subscribed([EventType.MESSAGE_RECEIVED])
    subscribed([EventType.MESSAGE_RECEIVED, EventType.REPLY_SENT])
    committed(inbound)
    sent = _payloads(receiver, "message.received")
    assert len(sent) == 2 and sent[0] == sent[1]


def test_another_workspaces_subscription_hears_nothing(inbound, receiver, committed):
    from sportello.webhooks.actions import create_subscription
    from tests.factories import WorkspaceFactory

    create_subscription(
        WorkspaceFactory().pk, url=receiver.url + HOOK, events=list(EventType.values)
    )
    committed(inbound)
    assert receiver.sent() == []
