"""Canned replies and macros in the agent UI, through Django's test client: the page that
keeps them, the reply box's picker (search, then the text rendered for the conversation,
then sent), and a macro applied from the conversation's menu."""

from __future__ import annotations

import pytest
from django.test import Client

from sportello.accounts.models import Role
from sportello.automation.models import CannedReply
from sportello.automation.replies import create_canned_reply, create_macro
from sportello.conversations.models import Kind, Message, Status
from tests.factories import AgentFactory
from tests.web.conftest import htmx

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(workspace):
    return AgentFactory(workspace=workspace, role=Role.ADMIN, display_name="Anna Capo")


@pytest.fixture
def shipped(admin) -> CannedReply:
    return create_canned_reply(
        admin,
        title="Pacco spedito",
        shortcut="spedito",
        body="Ciao {{ customer.first_name }}, il pacco della pratica {{ conversation.number }} "
        "è partito. {{ agent.name }}",
        language="it",
        shared=True,
    )


def test_an_agent_adds_edits_and_deletes_a_personal_reply(agent_client, agent):
    added = agent_client.post(
        "/canned/", {"title": "Saluti", "shortcut": "/saluti", "body": "Buona giornata!"}
    )
    assert added.status_code == 302
    reply = CannedReply.objects.get(owner=agent)
    assert reply.shortcut == "saluti"
    page = agent_client.get("/canned/").content.decode()
    assert "/saluti" in page and "Buona giornata!" in page

    edited = agent_client.post(
        f"/canned/{reply.pk}/",
        {"title": "Saluti", "shortcut": "ciao", "body": "A presto!", "language": "it"},
    )
    assert edited.status_code == 302
    reply.refresh_from_db()
    assert (reply.shortcut, reply.body, reply.language) == ("ciao", "A presto!", "it")

    assert agent_client.post(f"/canned/{reply.pk}/delete/").status_code == 302
    assert not CannedReply.objects.exists()


def test_a_bad_reply_is_shown_again_with_its_error_in_italian(agent_client):
    response = agent_client.post(
        "/canned/", {"title": "Saluti", "shortcut": "due parole", "body": "Ciao"}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert 'aria-invalid="true"' in page and "due parole" in page
    assert "Usa lettere, cifre" in page
    assert not CannedReply.objects.exists()

    agent_client.post("/canned/", {"title": "Saluti", "shortcut": "ciao", "body": "Ciao"})
    again = agent_client.post("/canned/", {"title": "Altro", "shortcut": "/Ciao", "body": "B"})
    assert again.status_code == 422
    assert "Un&#x27;altra risposta ha già questa scorciatoia." in again.content.decode()


def test_an_agent_uses_but_does_not_change_a_shared_reply(agent_client, shipped):
    page = agent_client.get("/canned/").content.decode()
    assert "/spedito" in page
    assert f"/canned/{shipped.pk}/delete/" not in page
    assert agent_client.get(f"/canned/{shipped.pk}/").status_code == 403
    assert agent_client.post(f"/canned/{shipped.pk}/delete/").status_code == 403
    assert CannedReply.objects.filter(pk=shipped.pk).exists()


def test_only_an_admin_sees_the_shared_box(agent_client, admin):
    assert 'name="shared"' not in agent_client.get("/canned/").content.decode()
    client = Client()
    client.force_login(admin.user)
    assert 'name="shared"' in client.get("/canned/").content.decode()
    client.post("/canned/", {"title": "Resi", "shortcut": "resi", "body": "Gratis", "shared": "on"})
    assert CannedReply.objects.get(shortcut="resi").owner is None


def test_the_picker_finds_a_reply_and_inserts_it_rendered(
    agent_client, customer_writes, shipped, agent
):
    conversation = customer_writes(name="Chiara Fontana")
    page = agent_client.get(f"/c/{conversation.number}/").content.decode()
    assert "data-canned-picker" in page and 'role="listbox"' in page

    found = agent_client.get(f"/c/{conversation.number}/canned/?q=sped").json()["items"]
    assert [item["shortcut"] for item in found] == ["spedito"]
    assert agent_client.get(f"/c/{conversation.number}/canned/?q=nulla").json() == {"items": []}

    rendered = agent_client.get(f"/c/{conversation.number}/canned/{shipped.pk}/").json()
    text = f"Ciao Chiara, il pacco della pratica {conversation.number} è partito. Giulia Bianchi"
    assert rendered == {"text": text, "unknown": [], "missing": []}

    # The agent sends what the picker put in the box.
    sent = agent_client.post(f"/c/{conversation.number}/reply/", {"text": rendered["text"]})
    assert sent.status_code == 302
    assert Message.objects.filter(conversation=conversation, text=text).exists()


def test_the_macro_menu_applies_a_macro_and_the_timeline_says_so(
    agent_client, customer_writes, admin, shipped
):
    conversation = customer_writes(name="Chiara Fontana")
    macro = create_macro(
        admin, name="Spedito e risolto", canned_reply_id=shipped.pk, status="resolved"
    )
    page = agent_client.get(f"/c/{conversation.number}/").content.decode()
    assert "Spedito e risolto" in page and f"/c/{conversation.number}/macros/{macro.pk}/" in page

    response = agent_client.post(
        f"/c/{conversation.number}/macros/{macro.pk}/", **htmx("side-panel")
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert "Macro “Spedito e risolto” applicata da Giulia Bianchi" in body
    assert "il pacco della pratica" in body  # the reply, in the swapped thread
    conversation.refresh_from_db()
    assert conversation.status == Status.RESOLVED
    assert Message.objects.filter(
        conversation=conversation, kind=Kind.MESSAGE, sender_agent_id__isnull=False
    ).exists()


def test_a_macro_refused_says_why_and_changes_nothing(agent_client, customer_writes, admin):
    conversation = customer_writes()
    macro = create_macro(admin, name="Rotta", status="resolved")
    type(macro).objects.filter(pk=macro.pk).update(status="sparito")

    response = agent_client.post(
        f"/c/{conversation.number}/macros/{macro.pk}/", **htmx("side-panel")
    )

    assert response.status_code == 422
    assert "La macro non è stata applicata" in response.content.decode()
    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN

    without_js = agent_client.post(f"/c/{conversation.number}/macros/{macro.pk}/")
    assert without_js.status_code == 302


def test_the_timeline_names_who_applied_a_macro_in_the_readers_language(customer_writes, admin):
    from django.utils import translation

    from sportello.automation.replies import apply_macro
    from sportello.web.timeline import describe

    conversation = customer_writes()
    by_agent = apply_macro(conversation, create_macro(admin, name="Presa", priority=2), admin)
    by_rule = apply_macro(
        conversation,
        create_macro(admin, name="Notte", note="Fuori orario"),
        None,
        rule="Di notte",
    )
    with translation.override("en"):
        assert describe(by_agent.event, conversation).text == ("Macro “Presa” applied by Anna Capo")
        assert describe(by_rule.event, conversation).text == (
            "Macro “Notte” applied by the rule “Di notte”: Fuori orario"
        )
    with translation.override("it"):
        assert describe(by_rule.event, conversation).text == (
            "Macro “Notte” applicata dalla regola “Di notte”: Fuori orario"
        )
