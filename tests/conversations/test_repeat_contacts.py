"""Repeat contacts as a shop meets them: a customer who writes by email, then by WhatsApp
about the same order, is a "2nd contact about this issue"; a different matter, a matter
resolved too long ago, or another customer's same order number are not linked."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sportello.accounts.actions import issue_token
from sportello.accounts.models import Role
from sportello.automation.models import Rule
from sportello.automation.rules.actions import ensure_default_rules
from sportello.conversations.actions import set_status
from sportello.conversations.models import (
    Conversation,
    ConversationLink,
    Kind,
    Message,
    Priority,
    RepeatContactSettings,
    Status,
)
from sportello.conversations.repeats import SIMILARITY_THRESHOLD, repeat_thread
from sportello.customers.identities import normalize
from sportello.ingest.inbound import InboundMessage, Sender
from sportello.ingest.pipeline import ingest
from sportello.language.references import references
from tests.conftest import ApiClient
from tests.factories import AgentFactory, ChannelFactory, CustomerFactory, IdentityFactory
from tests.sla.conftest import moving_clock

__all__ = ["moving_clock"]

pytestmark = pytest.mark.django_db

PHONE = "+393471234567"


@pytest.fixture
def shop(workspace):
    email = ChannelFactory(workspace=workspace, kind="email", name="Posta", slug="posta")
    whatsapp = ChannelFactory(workspace=workspace, kind="whatsapp", name="WhatsApp", slug="wa")
    lucia = CustomerFactory(workspace=workspace, name="Lucia Verdi")
    IdentityFactory(customer=lucia, kind="email", value="lucia@example.it")
    IdentityFactory(customer=lucia, kind="whatsapp", value=normalize("whatsapp", PHONE))
    return {"email": email, "whatsapp": whatsapp, "lucia": lucia, "workspace": workspace}


@pytest.fixture
def write(shop, django_capture_on_commit_callbacks):
    """A message of a customer on a channel, through ingest, the handlers of its commit
    run; returns the conversation it went to."""
    counter = iter(range(1, 1000))

    def send(channel: str, text: str, *, email: str = "", subject: str = "") -> Conversation:
        sender = (
            Sender(name="Lucia Verdi", email=email or "lucia@example.it")
            if channel == "email"
            else Sender(name="Lucia", handles={"whatsapp": PHONE})
        )
        with django_capture_on_commit_callbacks(execute=True):
            result = ingest(
                InboundMessage(
                    workspace_id=shop["workspace"].pk,
                    channel_id=shop[channel].pk,
                    sender=sender,
                    text=text,
                    subject=subject,
                    external_id=f"m-{next(counter)}",
                ),
                channel=shop[channel],
            )
        return Conversation.objects.get(pk=result.conversation_id)

    return send


def test_the_same_order_by_email_then_whatsapp_is_a_second_contact(shop, write, client):
    """GIVEN Lucia wrote by email about order 12345
    WHEN she writes on WhatsApp quoting the same order
    THEN the WhatsApp conversation is linked as the 2nd contact, both timelines say so,
    the default rule raises its priority, and the agent's panel shows it."""
    first = write("email", "Buongiorno, l'ordine 12345 non è ancora arrivato", subject="Ritardo")
    second = write("whatsapp", "Salve, scrivo per l'ordine n. 12345: ancora nulla!")
    assert first.pk != second.pk
    link = ConversationLink.objects.get(conversation=second)
    assert (link.earlier_id, link.first_id, link.contact_number) == (first.pk, first.pk, 2)
    assert (link.reason, link.reference, link.score) == ("same_reference", "12345", 1.0)
    second.refresh_from_db()
    assert second.priority == Priority.HIGH
    events = set(
        Message.objects.filter(kind=Kind.EVENT, conversation__in=[first, second]).values_list(
            "conversation_id", "event"
        )
    )
    assert {(second.pk, "repeat_contact"), (first.pk, "repeat_contact_later")} <= events
    assert (second.pk, "rule_applied") in events

    agent = AgentFactory(workspace=shop["workspace"])
    client.force_login(agent.user)
    page = client.get(f"/c/{second.number}/", HTTP_ACCEPT_LANGUAGE="it")
    text = page.content.decode()
    assert "2° contatto su questo problema" in text
    assert f"#{first.number}" in text


def test_a_third_contact_counts_from_the_first(shop, write):
    """GIVEN an email about invoice 2024/118, resolved, and a WhatsApp about it
    WHEN a new email about it comes
    THEN it is the 3rd contact, numbered from the email where the matter began."""
    first = write("email", "Il rimborso della fattura 2024/118 non è arrivato")
    set_status(first, None, Status.RESOLVED)
    second = write("whatsapp", "Fattura n. 2024/118: il rimborso?")
    third = write("email", "Terza volta che scrivo per la fattura 2024/118")
    assert len({first.pk, second.pk, third.pk}) == 3
    link = ConversationLink.objects.get(conversation=third)
    assert (link.earlier_id, link.first_id, link.contact_number) == (second.pk, first.pk, 3)
    thread = repeat_thread(third)
    assert thread is not None
    assert thread.contact_number == 3
    assert [c.pk for c in thread.others] == [first.pk, second.pk]


def test_a_different_matter_is_not_linked(shop, write):
    write("email", "L'ordine 12345 non è ancora arrivato, sono passate due settimane")
    other = write("whatsapp", "Avete in negozio la taglia 42 delle scarpe blu?")
    assert not ConversationLink.objects.filter(conversation=other).exists()
    assert other.priority == Priority.NORMAL


def test_a_customers_first_conversation_costs_one_read(shop, write, django_assert_max_num_queries):
    """Every new sender's first conversation asks whether it repeats one: one read, not
    the conversation, the settings and the candidates (a new chat visitor each time)."""
    from sportello.conversations.events import ConversationOpened
    from sportello.conversations.handlers import link_repeat_contacts

    first = write("email", "L'ordine 12345 non è ancora arrivato, sono passate due settimane")
    event = ConversationOpened(
        workspace_id=first.workspace_id,
        conversation_id=first.pk,
        customer_id=first.customer_id,
        channel_id=first.channel_id,
    )
    with django_assert_max_num_queries(1):
        link_repeat_contacts(event)
    assert not ConversationLink.objects.filter(conversation=first).exists()


def test_the_same_matter_in_other_words_is_linked_by_similarity(shop, write):
    first = write("email", "Mi avete addebitato due volte l'abbonamento di novembre")
    second = write("whatsapp", "Sulla carta vedo un doppio addebito per l'abbonamento")
    link = ConversationLink.objects.get(conversation=second)
    assert link.earlier_id == first.pk
    assert link.reason == "similar_text"
    assert link.score >= SIMILARITY_THRESHOLD


def test_a_matter_resolved_ten_days_ago_is_not_linked(shop, write, moving_clock):
    first = write("email", "L'ordine 12345 non è ancora arrivato")
    set_status(first, None, Status.RESOLVED)
    moving_clock.advance(timedelta(days=10))
    again = write("whatsapp", "Ordine 12345: di nuovo un problema")
    assert not ConversationLink.objects.filter(conversation=again).exists()


def test_a_matter_resolved_six_days_ago_is_linked(shop, write, moving_clock):
    first = write("email", "L'ordine 12345 non è ancora arrivato")
    set_status(first, None, Status.RESOLVED)
    moving_clock.advance(timedelta(days=6))
    again = write("whatsapp", "Ordine 12345: di nuovo un problema")
    assert ConversationLink.objects.get(conversation=again).earlier_id == first.pk


def test_the_window_is_the_workspaces_setting(shop, write, moving_clock):
    RepeatContactSettings.objects.create(workspace=shop["workspace"], window_days=14)
    first = write("email", "L'ordine 12345 non è ancora arrivato")
    set_status(first, None, Status.RESOLVED)
    moving_clock.advance(timedelta(days=10))
    again = write("whatsapp", "Ordine 12345: di nuovo un problema")
    assert ConversationLink.objects.filter(conversation=again).exists()


def test_another_customer_with_the_same_order_number_is_not_linked(shop, write):
    write("email", "L'ordine 12345 non è ancora arrivato")
    stranger = write("email", "Anche il mio ordine 12345 è in ritardo", email="piero@example.it")
    assert stranger.customer_id != shop["lucia"].pk
    assert not ConversationLink.objects.filter(conversation=stranger).exists()


def test_a_business_that_disables_the_rule_keeps_the_link_but_not_the_priority(shop, write):
    ensure_default_rules(shop["workspace"].pk)
    Rule.objects.filter(default_key="repeat_contact").update(is_enabled=False)
    from sportello.automation.rules import queries

    queries.forget(shop["workspace"].pk)
    write("email", "L'ordine 12345 non è ancora arrivato")
    second = write("whatsapp", "Ordine 12345?")
    assert ConversationLink.objects.filter(conversation=second).exists()
    assert Conversation.objects.get(pk=second.pk).priority == Priority.NORMAL


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("ordine 12345 non arrivato", {"12345"}),
        ("order #A-1234 missing", {"A-1234"}),
        ("vedi n. 2024/118", {"2024/118"}),
        ("Pratica n° 77812.", {"77812"}),
        ("ciao, no grazie", set()),
        ("numero di telefono 3471234567", set()),
        ("ho ordinato 3 pezzi a 12 euro", set()),
    ],
)
def test_reference_numbers_are_read_after_a_word_that_names_them(text, found):
    assert references(text) == found


def test_the_repeat_contact_rate_report(shop, write, workspace):
    write("email", "L'ordine 12345 non è ancora arrivato")
    write("whatsapp", "Ordine 12345?")
    write("email", "Buongiorno", email="piero@example.it")
    write("email", "Un'altra cosa", email="anna@example.it")
    supervisor = ApiClient(issue_token(AgentFactory(workspace=workspace, role=Role.SUPERVISOR)))
    response = supervisor.get("/api/v1/reports/repeat-contacts")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["new_conversations"], body["repeat_contacts"], body["rate"]) == (4, 1, 0.25)
    assert sum(d["repeat_contacts"] for d in body["days"]) == 1

    agent = ApiClient(issue_token(AgentFactory(workspace=workspace, role=Role.AGENT)))
    assert agent.get("/api/v1/reports/repeat-contacts").status_code == 403
    bad = supervisor.get(
        "/api/v1/reports/repeat-contacts?since=2026-12-05T00:00:00Z&until=2026-12-01T00:00:00Z"
    )
    assert bad.status_code == 422
    assert "before until" in bad.json()["detail"]
    bad = supervisor.get("/api/v1/reports/repeat-contacts?since=yesterday")
    assert bad.status_code == 422
