"""The bulk seeder writes what the actions would have written, consistently and searchably."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from django.db.models import Count, Max, Q

from bench.seeding import LETTER_CHANNELS as LETTERS
from bench.seeding import message_counts, seed
from bench.texts import TOPICS, Writer
from sportello.conversations.models import Conversation, Kind, Message, Status, Tag
from sportello.conversations.search import filter_by_text, index_text
from sportello.core.models import Workspace
from sportello.customers.models import Customer, Identity
from sportello.ingest.models import InboundRecord

END = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def seeded(workspace):
    return seed(customers=50, conversations=100, messages=400, end=END, random_seed=3)


@pytest.mark.django_db
def test_seed_writes_the_numbers_asked_for(seeded, workspace):
    assert (seeded.customers, seeded.conversations, seeded.messages) == (50, 100, 400)
    assert Customer.objects.filter(workspace=workspace).count() == 50
    assert Conversation.objects.filter(workspace=workspace).count() == 100
    written = Message.objects.filter(workspace=workspace, kind__in=[Kind.MESSAGE, Kind.NOTE])
    assert written.count() == 400
    assert Message.objects.filter(kind=Kind.EVENT).count() == seeded.events >= 100
    assert (
        InboundRecord.objects.count()
        == seeded.inbound_records
        == (Message.objects.filter(kind=Kind.MESSAGE, direction="in").count())
    )
    assert 50 <= Identity.objects.count() == seeded.identities <= 150


@pytest.mark.django_db
def test_counters_agree_with_the_rows(seeded, workspace):
    conversations = Conversation.objects.annotate(
        messages_n=Count("messages", filter=Q(messages__kind=Kind.MESSAGE)),
        last_n=Max("messages__created_at", filter=Q(messages__kind=Kind.MESSAGE)),
        last_in=Max(
            "messages__created_at", filter=Q(messages__kind=Kind.MESSAGE, messages__direction="in")
        ),
    )
    for conversation in conversations:
        assert conversation.message_count == conversation.messages_n
        assert conversation.last_message_at == conversation.last_n
        assert conversation.last_inbound_at == conversation.last_in
        assert conversation.created_at <= conversation.last_message_at <= END
        assert (conversation.resolved_at is not None) == (
            conversation.status in (Status.RESOLVED, Status.CLOSED)
        )
    for customer in Customer.objects.annotate(
        conversations_n=Count("conversations"), last_in=Max("conversations__last_inbound_at")
    ):
        assert customer.conversation_count == customer.conversations_n
        assert customer.last_contact_at == customer.last_in
    numbers = sorted(Conversation.objects.values_list("number", flat=True))
    assert numbers == list(range(1, 101))
    assert Workspace.objects.get(pk=workspace.pk).last_conversation_number == 100


@pytest.mark.django_db
def test_the_search_finds_seeded_text(seeded, workspace):
    message = Message.objects.filter(kind=Kind.MESSAGE, direction="in").order_by("pk").first()
    word = max(message.text.split(), key=len).strip(".,!?:;\"'()")
    found = filter_by_text(Conversation.objects.all(), workspace.pk, word)
    assert message.conversation_id in set(found.values_list("pk", flat=True))
    assert filter_by_text(Conversation.objects.all(), workspace.pk, "spedizione").exists()


@pytest.mark.django_db
def test_search_text_is_what_the_actions_would_index(seeded):
    """The seeder joins stems of phrases instead of stemming each message: same result."""
    for message in Message.objects.filter(kind=Kind.MESSAGE).select_related("conversation"):
        first = not Message.objects.filter(
            conversation_id=message.conversation_id, kind=Kind.MESSAGE, pk__lt=message.pk
        ).exists()
        subject = message.conversation.subject
        has_subject = first and message.direction == "in" and message.channel.kind in LETTERS
        expected = index_text(subject if has_subject else "", message.text, message.language)
        assert message.search_text == expected


@pytest.mark.django_db
def test_seed_is_deterministic_and_can_run_twice(workspace):
    first = seed(customers=5, conversations=10, messages=30, end=END, random_seed=9)
    texts = list(Message.objects.order_by("pk").values_list("text", flat=True))
    second = seed(customers=5, conversations=10, messages=30, end=END, random_seed=9)
    assert first.messages == second.messages
    again = list(Message.objects.order_by("pk").values_list("text", flat=True))[len(texts) :]
    assert again == texts
    assert Customer.objects.count() == 10 and Conversation.objects.count() == 20
    assert Tag.objects.filter(workspace=workspace).count() == len(
        {tag for topic in TOPICS for tag in topic.tags}
    )


@pytest.mark.django_db
def test_seed_into_another_workspace(workspace):
    seed(customers=3, conversations=4, messages=8, workspace_slug="agenzia-due", end=END)
    other = Workspace.objects.get(slug="agenzia-due")
    assert Conversation.objects.filter(workspace=other).count() == 4
    assert not Conversation.objects.filter(workspace=workspace).exists()


def test_message_counts_sum_exactly():
    for conversations, messages in [(1, 1), (10, 10), (100, 400), (1000, 5000)]:
        counts = list(message_counts(random.Random(1), conversations, messages))
        assert len(counts) == conversations and sum(counts) == messages and min(counts) >= 1


def test_phrase_stems_equal_whole_text_stems():
    writer = Writer(random.Random(5))
    for topic in TOPICS:
        for language in ("it", "en"):
            slots = writer.slots(language, name="Niccolò D'Angelo", agent="Giulia")
            for long in (True, False):
                written = writer.customer_message(topic, language, slots, first=True, long=long)
                assert written.stems == index_text("", written.text, language)
                reply = writer.agent_reply(topic, language, slots, long=long)
                assert reply.stems == index_text("", reply.text, language)


def test_seed_refuses_impossible_numbers():
    with pytest.raises(ValueError):
        seed(customers=1, conversations=10, messages=5)
