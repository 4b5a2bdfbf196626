"""What the live layer adds to the pages, without a socket: unread rows, the collision
notice on a reply composed against an older state, the fragments a live page fetches."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from sportello.accounts.models import Agent
from sportello.conversations import actions
from sportello.conversations.models import Message
from tests.factories import AgentFactory
from tests.web.conftest import htmx


@pytest.fixture
def marco(workspace) -> Agent:
    return AgentFactory(workspace=workspace, display_name="Marco Verdi", language="it")


def _seen_id(html: str) -> int:
    found = re.search(r'name="seen_id" id="reply-seen" value="(\d*)"', html)
    assert found, "the reply box carries the newest entry seen"
    return int(found.group(1))


def test_row_is_unread_until_this_agent_opens_it(agent_client, marco, customer_writes):
    conversation = customer_writes("Il pacco è arrivato rotto", email="rotto@example.it")
    row = f'id="conv-{conversation.pk}"'

    inbox = agent_client.get("/?view=all").content.decode()
    assert f'class="conv-row is-unread" {row}' in inbox
    assert 'class="unread-dot"' in inbox

    agent_client.get(f"/c/{conversation.number}/")
    inbox = agent_client.get("/?view=all").content.decode()
    assert f'class="conv-row" {row}' in inbox

    # Still unread for a colleague who has not opened it.
    colleague = Client()
    colleague.force_login(marco.user)
    assert f'class="conv-row is-unread" {row}' in colleague.get("/?view=all").content.decode()

    # The customer writes again: unread again.
    customer_writes("Vi ho mandato le foto", email="rotto@example.it")
    inbox = agent_client.get("/?view=all").content.decode()
    assert f'class="conv-row is-unread" {row}' in inbox


def test_reply_composed_against_an_older_state_is_not_sent(
    agent_client, agent, marco, customer_writes
):
    """GIVEN Giulia opened the conversation and started writing
    WHEN Marco replies before she sends
    THEN her reply is not sent: the box comes back with her text, 'Marco Verdi ha risposto
    … s fa', Marco's reply, and a 'send anyway' button; sending again sends it."""
    conversation = customer_writes("Posso cambiare la taglia?")
    page = agent_client.get(f"/c/{conversation.number}/").content.decode()
    seen = _seen_id(page)
    actions.reply(conversation, marco, "Sì, gliela cambiamo noi.")

    data = {"text": "Certo, mi mandi il numero d'ordine", "seen_id": str(seen)}
    response = agent_client.post(f"/c/{conversation.number}/reply/", data, **htmx("reply-form"))
    assert response.status_code == 422
    html = response.content.decode()
    assert "Marco Verdi ha risposto" in html
    assert " s fa." in html
    assert "Sì, gliela cambiamo noi." in html
    assert "Certo, mi mandi il numero d&#39;ordine" in html
    assert "Invia comunque" in html
    assert not Message.objects.filter(text__startswith="Certo, mi mandi").exists()

    again = {**data, "seen_id": str(_seen_id(html))}
    response = agent_client.post(f"/c/{conversation.number}/reply/", again, **htmx("reply-form"))
    assert response.status_code == 200
    assert Message.objects.filter(text__startswith="Certo, mi mandi").count() == 1


def test_a_new_customer_message_also_stops_a_stale_reply(agent_client, customer_writes):
    conversation = customer_writes(
        "Posso cambiare la taglia?", name="Chiara Fontana", email="chiara@example.it"
    )
    seen = _seen_id(agent_client.get(f"/c/{conversation.number}/").content.decode())
    customer_writes("Anzi, vorrei il rimborso", email="chiara@example.it", name="Chiara Fontana")

    data = {"text": "Certo", "seen_id": str(seen)}
    response = agent_client.post(f"/c/{conversation.number}/reply/", data, **htmx("reply-form"))
    assert response.status_code == 422
    assert "Chiara Fontana ha scritto" in response.content.decode()


def test_stale_reply_without_javascript_shows_the_page_with_the_notice(
    agent_client, marco, customer_writes
):
    conversation = customer_writes("Posso cambiare la taglia?")
    seen = _seen_id(agent_client.get(f"/c/{conversation.number}/").content.decode())
    actions.reply(conversation, marco, "Sì, gliela cambiamo noi.")

    response = agent_client.post(
        f"/c/{conversation.number}/reply/", {"text": "Certo", "seen_id": str(seen)}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert 'role="alert"' in html and "Marco Verdi ha risposto" in html
    assert ">Certo</textarea>" in html


def test_own_reply_and_notes_do_not_stop_a_reply(agent_client, agent, customer_writes):
    conversation = customer_writes("Posso cambiare la taglia?")
    seen = _seen_id(agent_client.get(f"/c/{conversation.number}/").content.decode())
    actions.reply(conversation, agent, "Un momento, controllo")  # from another tab
    actions.add_note(conversation, agent, "magazzino chiuso")

    data = {"text": "Fatto", "seen_id": str(seen)}
    response = agent_client.post(f"/c/{conversation.number}/reply/", data, **htmx("reply-form"))
    assert response.status_code == 200
    # The box that comes back counts from the reply just sent.
    sent = Message.objects.get(text="Fatto")
    assert _seen_id(response.content.decode()) == sent.pk


def test_live_thread_fragment_moves_the_seen_id(agent_client, marco, customer_writes):
    conversation = customer_writes("Posso cambiare la taglia?")
    reply = actions.reply(conversation, marco, "Sì, gliela cambiamo noi.")
    response = agent_client.get(f"/c/{conversation.number}/", **htmx("thread"))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith("{#") is False
    assert 'id="thread"' in html and "Sì, gliela cambiamo noi." in html
    assert 'id="conversation-header" class="conversation-header" hx-swap-oob="true"' in html
    assert f'id="reply-seen" value="{reply.pk}" hx-swap-oob="true"' in html
    assert "<html" not in html


def test_live_sidebar_counts_are_fresh(agent_client, customer_writes):
    agent_client.get("/?view=all")  # counts cached for a few seconds
    customer_writes("Nuova richiesta")
    html = agent_client.get("/live/nav/?current=all").content.decode()
    assert 'id="nav-views"' in html
    assert 'aria-current="page"' in html
    all_link = re.search(r'href="/\?view=all" aria-current="page">(.*?)</a>', html, re.S)
    assert all_link and '<span class="count">1</span>' in all_link.group(1)
