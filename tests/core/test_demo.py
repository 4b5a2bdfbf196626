"""The demo loads a realistic inbox through the pipeline and the actions, once."""

from __future__ import annotations

import pytest

from sportello.accounts.models import Agent, Team
from sportello.channels.models import Channel
from sportello.conversations.models import Conversation, Kind, Message
from sportello.core.demo import PEOPLE, STORIES, load_demo
from sportello.customers.models import Customer, Identity
from sportello.ingest.models import InboundRecord


@pytest.fixture
def loaded(workspace) -> str:
    return load_demo()


@pytest.mark.django_db
def test_demo_loads_a_shop_inbox(loaded, workspace):
    assert "Bottega Verde Ceramiche" in loaded and "demo-sportello" in loaded
    conversations = Conversation.objects.filter(workspace=workspace)
    assert conversations.count() == len(STORIES) >= 55
    assert 35 <= Customer.objects.filter(workspace=workspace).count() <= len(PEOPLE)
    assert Agent.objects.filter(workspace=workspace, user__email__endswith="bottegaverde.example")
    assert Agent.objects.filter(user__email__endswith="bottegaverde.example").count() == 4
    assert Team.objects.filter(workspace=workspace).count() == 2
    kinds = set(Channel.objects.filter(workspace=workspace).values_list("kind", flat=True))
    assert kinds >= {"api", "email", "webchat", "whatsapp", "messenger", "telegram", "phone"}
    statuses = set(conversations.values_list("status", flat=True))
    assert statuses == {"open", "pending", "snoozed", "resolved"}
    assert conversations.filter(assignee__isnull=True, status="open").exists()
    assert conversations.filter(tags__name="complimento").exists()
    assert set(conversations.values_list("language", flat=True)) >= {"it", "en"}
    assert Message.objects.filter(kind=Kind.NOTE).exists()
    assert Message.objects.filter(kind=Kind.MESSAGE, direction="out").count() >= 40


@pytest.mark.django_db
def test_demo_counters_agree_with_the_messages(loaded, workspace):
    for conversation in Conversation.objects.filter(workspace=workspace):
        messages = conversation.messages.filter(kind=Kind.MESSAGE)
        assert conversation.message_count == messages.count()
        assert conversation.last_message_at == max(m.created_at for m in messages)
    for customer in Customer.objects.filter(workspace=workspace):
        assert customer.conversation_count == customer.conversations.count()


@pytest.mark.django_db
def test_the_history_spans_weeks_not_seconds(loaded, workspace):
    times = Conversation.objects.filter(workspace=workspace).values_list("created_at", flat=True)
    assert (max(times) - min(times)).days >= 30


@pytest.mark.django_db
def test_loading_twice_adds_nothing(loaded, workspace):
    counts = (Conversation.objects.count(), Message.objects.count(), Customer.objects.count())
    again = load_demo()
    assert (Conversation.objects.count(), Message.objects.count(), Customer.objects.count()) == (
        counts
    )
    assert "0 conversations added" in again and f"{len(STORIES)} already there" in again
    assert InboundRecord.objects.filter(external_id__startswith="demo-").count() == (
        Message.objects.filter(kind=Kind.MESSAGE, direction="in").count()
    )


@pytest.mark.django_db
def test_a_customer_writing_on_two_channels_is_one_customer(loaded, workspace):
    """GIVEN Anna wrote by email, then on the site's chat with the same address
    THEN she is one customer with both conversations."""
    anna = Identity.objects.get(kind="email", value="anna.ferretti@posta.example").customer
    channels = set(anna.conversations.values_list("channel__slug", flat=True))
    assert channels == {"email", "webchat"}
    assert anna.conversation_count == 2


@pytest.mark.django_db
def test_a_phone_given_in_the_chat_links_the_later_call(loaded, workspace):
    """Chiara wrote by email, left her phone number in the chat, then called."""
    chiara = Identity.objects.get(kind="email", value="chiara.fontana@posta.example").customer
    assert set(chiara.identities.values_list("kind", flat=True)) == {"email", "phone"}
    assert set(chiara.conversations.values_list("channel__slug", flat=True)) == {
        "email",
        "webchat",
        "phone",
    }


@pytest.mark.django_db
def test_a_customer_answering_a_resolved_thread_reopens_it(loaded, workspace):
    riccardo = Identity.objects.get(kind="email", value="riccardo.leone@posta.example").customer
    conversation = riccardo.conversations.get()
    assert conversation.status == "open"
    assert conversation.messages.filter(event="status_changed", data__new="open").exists()


@pytest.mark.django_db
def test_the_demo_refuses_a_workspace_with_a_configured_provider(workspace):
    Channel.objects.create(
        workspace=workspace,
        kind="whatsapp",
        name="WhatsApp",
        slug="whatsapp",
        config={"token": "real"},
    )
    assert load_demo().startswith("Demo not loaded")
    assert not Conversation.objects.exists()
