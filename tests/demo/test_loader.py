"""`sportello demo` plays a month of a shop's customer care through the real pipeline and
actions, once."""

from __future__ import annotations

from pathlib import Path

import pytest

from sportello.accounts.models import Agent, Team
from sportello.channels.models import Channel
from sportello.conversations.models import Conversation, Kind, Message
from sportello.core import clock
from sportello.customers.models import Customer, Identity
from sportello.demo.loader import SHOP_FILE, Shop, load_demo, read_shop
from sportello.ingest.models import InboundRecord
from sportello.outbound.models import Delivery


@pytest.fixture(scope="module")
def shop() -> Shop:
    return read_shop()


@pytest.fixture
def loaded(workspace) -> str:
    return load_demo()


@pytest.mark.django_db
def test_the_shop_has_its_channels_agents_and_teams(loaded, workspace):
    assert "Bottega Verde Ceramiche" in loaded and "demo-sportello" in loaded
    kinds = set(Channel.objects.filter(workspace=workspace).values_list("kind", flat=True))
    assert kinds == {"api", "email", "webchat", "whatsapp", "messenger", "telegram", "phone"}
    staff = Agent.objects.filter(workspace=workspace, user__email__endswith="bottegaverde.example")
    assert staff.count() == 4
    assert set(Team.objects.filter(workspace=workspace).values_list("name", flat=True)) == {
        "Assistenza clienti",
        "Resi e rimborsi",
    }


@pytest.mark.django_db
def test_conversations_in_italian_and_english_at_every_stage(loaded, workspace, shop):
    conversations = Conversation.objects.filter(workspace=workspace)
    assert conversations.count() == len(shop.stories) >= 55
    assert set(conversations.values_list("language", flat=True)) >= {"it", "en"}
    assert set(conversations.values_list("status", flat=True)) == {
        "open",
        "pending",
        "snoozed",
        "resolved",
    }
    assert conversations.filter(assignee__isnull=True, status="open").exists()
    assert conversations.filter(priority__gt=1).exists()
    assert conversations.filter(tags__name="complimento").exists()
    assert not conversations.filter(status="snoozed", snoozed_until__lte=clock.now()).exists()
    messages = Message.objects.filter(workspace=workspace)
    assert messages.filter(kind=Kind.MESSAGE, direction="out").count() >= 40
    assert messages.filter(kind=Kind.NOTE).count() >= 10


@pytest.mark.django_db
def test_customers_write_on_several_channels_and_stay_one_customer(loaded, workspace, shop):
    customers = Customer.objects.filter(workspace=workspace)
    assert 35 <= customers.count() <= len(shop.people)
    on_two_channels = [
        customer
        for customer in customers
        if len(set(customer.conversations.values_list("channel__kind", flat=True))) >= 2
    ]
    assert len(on_two_channels) >= 3


@pytest.mark.django_db
def test_a_customer_writing_by_email_then_in_the_chat_is_one_customer(loaded, workspace):
    """GIVEN Anna wrote by email, then on the site's chat with the same address
    THEN she is one customer with both conversations."""
    anna = Identity.objects.get(kind="email", value="anna.ferretti@posta.example").customer
    assert set(anna.conversations.values_list("channel__slug", flat=True)) == {
        "email",
        "webchat",
    }
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
def test_counters_agree_with_the_messages(loaded, workspace):
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


@pytest.mark.django_db(transaction=True)
def test_replies_of_the_past_are_not_delivered(workspace):
    """The demo's replies were "sent" weeks ago: they are stored, and nothing is queued to
    the fictional people."""
    load_demo()
    assert Message.objects.filter(kind=Kind.MESSAGE, direction="out", channel__kind="email")
    assert not Delivery.objects.exists()


@pytest.mark.django_db
def test_loading_twice_adds_nothing(loaded, workspace, shop):
    counts = (Conversation.objects.count(), Message.objects.count(), Customer.objects.count())
    again = load_demo()
    assert (Conversation.objects.count(), Message.objects.count(), Customer.objects.count()) == (
        counts
    )
    assert "0 conversations added" in again and f"{len(shop.stories)} already there" in again
    assert InboundRecord.objects.filter(external_id__startswith="demo-").count() == (
        Message.objects.filter(kind=Kind.MESSAGE, direction="in").count()
    )


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


def test_a_story_line_says_exactly_one_thing(tmp_path):
    text = SHOP_FILE.read_text(encoding="utf-8")
    first_line = '[[stories.lines]]\ncustomer = """'
    assert first_line in text
    broken = tmp_path / "shop.toml"
    broken.write_text(
        text.replace(first_line, '[[stories.lines]]\nnote = "?"\ncustomer = """', 1),
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="one of customer, reply, note, resolve"):
        read_shop(broken)


def test_a_misspelt_key_in_a_story_is_an_error(tmp_path: Path):
    text = SHOP_FILE.read_text(encoding="utf-8")
    broken = tmp_path / "shop.toml"
    broken.write_text(text.replace("assignee = ", "asignee = ", 1), encoding="utf-8")
    with pytest.raises(TypeError, match="asignee"):
        read_shop(broken)


@pytest.mark.django_db
def test_the_demo_shop_has_shared_canned_replies_in_both_languages(loaded, workspace):
    from sportello.automation.models import CannedReply

    replies = CannedReply.objects.filter(workspace=workspace, owner__isnull=True)
    assert {"spedito", "shipped"} <= set(replies.values_list("shortcut", flat=True))
    assert {"it", "en"} <= set(replies.values_list("language", flat=True))
    count = replies.count()
    load_demo()
    assert CannedReply.objects.filter(workspace=workspace).count() == count
