"""Customers in the agent UI: the list and search, the page, and editing."""

from __future__ import annotations

import pytest

from sportello.conversations import actions
from sportello.conversations.models import Conversation, Status
from sportello.customers.actions import add_identities
from sportello.customers.models import Customer
from sportello.customers.queries import get_customer
from sportello.ingest.inbound import InboundMessage, Sender
from sportello.ingest.pipeline import ingest

pytestmark = pytest.mark.django_db


def test_customer_list_searches_by_name_and_address(agent_client, customer_writes):
    customer_writes(name="Lucia Verdi", email="lucia@example.it")
    customer_writes(name="Paolo Neri", email="paolo@example.it")
    everyone = agent_client.get("/customers/").content.decode()
    assert "Lucia Verdi" in everyone and "Paolo Neri" in everyone

    by_name = agent_client.get("/customers/?q=lucia").content.decode()
    assert "Lucia Verdi" in by_name and "Paolo Neri" not in by_name
    by_email = agent_client.get("/customers/?q=paolo@example").content.decode()
    assert "Paolo Neri" in by_email and "Lucia Verdi" not in by_email
    assert "Nessun cliente" in agent_client.get("/customers/?q=zzz").content.decode()


def test_customer_page_shows_identities_fields_and_every_conversation(
    agent_client, agent, customer_writes
):
    first = customer_writes("Primo ordine", subject="Ordine 1", email="lucia@example.it")
    actions.set_status(first, agent, Status.RESOLVED)
    second = customer_writes("Secondo ordine", subject="Ordine 2", email="lucia@example.it")
    assert first.pk != second.pk
    page = agent_client.get(f"/customers/{first.customer_id}/").content.decode()
    assert "lucia@example.it" in page
    assert page.index("Ordine 2") < page.index("Ordine 1")
    assert f'href="/c/{first.number}/"' in page and f'href="/c/{second.number}/"' in page
    assert "Risolta" in page


def test_editing_a_customer_goes_through_update_customer(agent_client, agent, customer_writes):
    conversation = customer_writes(name="Lucia Verdi")
    url = f"/customers/{conversation.customer_id}/"
    response = agent_client.post(url, {"name": " Lucia Verdi Rossi ", "organization": "Bar Sport"})
    assert response.status_code == 302 and response["Location"] == url
    customer = get_customer(agent.workspace_id, conversation.customer_id)
    assert customer.name == "Lucia Verdi Rossi"
    assert customer.organization is not None and customer.organization.name == "Bar Sport"
    assert "Cliente salvato." in agent_client.get(url).content.decode()

    agent_client.post(url, {"name": "Lucia Verdi Rossi", "organization": ""})
    assert get_customer(agent.workspace_id, conversation.customer_id).organization is None


def test_an_invalid_edit_is_shown_again_with_the_error(agent_client, customer_writes):
    conversation = customer_writes(name="Lucia Verdi")
    response = agent_client.post(
        f"/customers/{conversation.customer_id}/", {"name": "x" * 300, "organization": ""}
    )
    assert response.status_code == 422
    assert b"field-error" in response.content
    assert Customer.objects.get(pk=conversation.customer_id).name == "Lucia Verdi"


def test_conversation_page_links_to_its_customer(agent_client, customer_writes):
    conversation = customer_writes(name="Lucia Verdi")
    page = agent_client.get(f"/c/{conversation.number}/").content.decode()
    assert f'href="/customers/{conversation.customer_id}/"' in page


def test_customer_list_pages_forward_and_back_without_counting(
    agent_client, customer_writes, monkeypatch, django_assert_max_num_queries
):
    from sportello.web.views import customers as view

    monkeypatch.setattr(view, "CUSTOMERS_PER_PAGE", 2)
    for n in range(5):
        customer_writes(name=f"Cliente {n}", email=f"cliente{n}@example.it")
    first = agent_client.get("/customers/").content.decode()
    assert "Pagina 1" in first and "?page=2" in first and "Precedente" not in first
    assert "Cliente 4" in first and "Cliente 3" in first and "Cliente 2" not in first
    with django_assert_max_num_queries(6) as captured:
        last = agent_client.get("/customers/?page=3").content.decode()
    assert not any("COUNT(" in q["sql"].upper() for q in captured.captured_queries)
    assert "Cliente 0" in last and "?page=2" in last and "Successiva" not in last
    beyond = agent_client.get("/customers/?page=4").content.decode()
    assert "Nessun altro cliente." in beyond and "?page=3" in beyond
    assert "Cliente 4" in agent_client.get("/customers/?page=x").content.decode()
    searched = agent_client.get("/customers/?q=cliente&page=2").content.decode()
    assert "Cliente 2" in searched and "q=cliente&amp;page=3" in searched


def test_an_address_kept_as_written_is_marked_unverified_in_both_languages(
    agent_client, agent, api_channel
):
    odd = Sender(name="Martin", email="redacted@redacted", email_as_written=True)
    result = ingest(
        InboundMessage(
            workspace_id=api_channel.workspace_id,
            channel_id=api_channel.pk,
            sender=odd,
            text="Buongiorno",
            external_id="odd-1",
        )
    )
    url = f"/customers/{result.customer_id}/"
    page = agent_client.get(url).content.decode()
    assert "redacted@redacted" in page and ">non verificato</span>" in page
    assert "conservato come lo ha scritto il mittente" in page
    assert "(non verificato)" in agent_client.get("/customers/").content.decode()
    panel = agent_client.get(f"/c/{Conversation.objects.get(pk=result.conversation_id).number}/")
    assert ">non verificato</span>" in panel.content.decode()
    agent.language = "en"
    agent.save(update_fields=["language"])
    english = agent_client.get(url).content.decode()
    assert ">unverified</span>" in english and "non verificato" not in english


def test_customer_list_finds_a_number_as_written_and_a_name_turned_round(
    agent_client, agent, customer_writes
):
    chiara = customer_writes(name="Chiara Fontana")
    add_identities(chiara.customer, [("phone", "+393490001103")])
    customer_writes(name="Paolo Neri")
    for q in ("349 000 1103", "+39 349 0001103", "3490001103", "Fontana Chiara", "fontana"):
        page = agent_client.get("/customers/", {"q": q}).content.decode()
        assert "Chiara Fontana" in page and "Paolo Neri" not in page, q
        assert "+39 349 000 1103" in page and "+393490001103" not in page, q


def test_a_number_on_two_channels_is_shown_once_and_formatted(agent_client, customer_writes):
    """GIVEN a customer whose mobile is both a phone and a WhatsApp identity, WHEN an agent
    opens the list, her page or her conversation, THEN the number is one line, written
    +39 347 123 4567, naming both channels."""
    conversation = customer_writes(name="Chiara Fontana")
    add_identities(
        conversation.customer, [("phone", "+393471234567"), ("whatsapp", "+393471234567")]
    )
    for url in (
        "/customers/",
        f"/customers/{conversation.customer_id}/",
        f"/c/{conversation.number}/",
    ):
        page = agent_client.get(url).content.decode()
        assert page.count("+39 347 123 4567") == 1, url
        assert "+393471234567" not in page, url
    profile = agent_client.get(f"/customers/{conversation.customer_id}/").content.decode()
    assert "Telefono · WhatsApp" in profile
