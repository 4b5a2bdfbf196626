"""The conversation page: the thread in order and in words, replies, notes and triage."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sportello.accounts.actions import create_team
from sportello.conversations import actions
from sportello.conversations.models import Direction, Kind, Message, Priority, Status
from sportello.conversations.queries import get_conversation
from sportello.core import clock
from sportello.ingest.inbound import InboundMessage, Sender
from sportello.ingest.pipeline import ingest
from tests.factories import AgentFactory
from tests.web.conftest import htmx

pytestmark = pytest.mark.django_db


def page_of(client, conversation) -> str:
    response = client.get(f"/c/{conversation.number}/")
    assert response.status_code == 200
    return response.content.decode()


def events(conversation, name: str) -> list[Message]:
    return list(conversation.messages.filter(kind=Kind.EVENT, event=name).order_by("pk"))


def test_page_shows_messages_notes_and_events_in_order(agent_client, agent, customer_writes):
    conversation = customer_writes("Il pacco non è arrivato.\nPotete controllare?")
    actions.add_note(conversation, agent, "Controllo con il corriere")
    actions.reply(conversation, agent, "Stiamo verificando, grazie")
    page = page_of(agent_client, conversation)

    inbound = page.index('class="message message-in"')
    note = page.index('class="message message-note"')
    outbound = page.index('class="message message-out"')
    assert page.index("Conversazione aperta su API") < inbound < note < outbound
    assert "Il pacco non è arrivato.<br>Potete controllare?" in page
    assert "Nota interna" in page[note:outbound]


def test_sanitised_html_is_shown_as_html_and_text_is_escaped(
    agent_client, api_channel, customer_writes
):
    result = ingest(
        InboundMessage(
            workspace_id=api_channel.workspace_id,
            channel_id=api_channel.pk,
            sender=Sender(name="Lucia", email="lucia@example.it"),
            text="Ciao grassetto",
            html="<p>Ciao <strong>grassetto</strong></p>",
            external_id="html-1",
        )
    )
    with_html = get_conversation(api_channel.workspace_id, result.conversation_id)
    assert "<p>Ciao <strong>grassetto</strong></p>" in page_of(agent_client, with_html)

    plain = customer_writes("<script>alert(1)</script>")
    page = page_of(agent_client, plain)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_reply_without_javascript_sends_and_redirects_to_the_message(
    agent_client, agent, customer_writes
):
    conversation = customer_writes()
    response = agent_client.post(
        f"/c/{conversation.number}/reply/", {"text": "Gentile cliente, arriva domani."}
    )
    reply = conversation.messages.get(kind=Kind.MESSAGE, direction=Direction.OUTBOUND)
    assert response.status_code == 302
    assert response["Location"] == f"/c/{conversation.number}/#m{reply.pk}"
    assert reply.text == "Gentile cliente, arriva domani." and reply.sender_agent == agent
    assert get_conversation(agent.workspace_id, conversation.pk).first_reply_at is not None


def test_reply_with_htmx_returns_an_empty_box_and_appends_the_message(
    agent_client, customer_writes
):
    conversation = customer_writes()
    response = agent_client.post(
        f"/c/{conversation.number}/reply/", {"text": "Arriva domani"}, **htmx("reply-form")
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert content.startswith('<form id="reply-form"')
    assert re.search(r'<textarea id="reply_text"[^>]*></textarea>', content)
    assert 'hx-swap-oob="beforeend:#thread"' in content
    assert 'class="message message-out"' in content and "Arriva domani" in content
    assert conversation.messages.filter(direction=Direction.OUTBOUND, kind=Kind.MESSAGE).exists()


def _reply_key(html: str) -> str:
    found = re.search(r'<input type="hidden" name="idempotency_key" value="([^"]+)">', html)
    assert found, "the reply box carries no key"
    return found.group(1)


def test_a_reply_box_posted_twice_stores_one_reply(agent_client, customer_writes):
    """GIVEN the reply box as the page shows it, with the key made for it
    WHEN it is posted twice (a double click, or a retry after a lost answer)
    THEN one reply is stored; the box that comes back carries a new key for the next one."""
    conversation = customer_writes()
    key = _reply_key(page_of(agent_client, conversation))
    assert re.fullmatch(r"[0-9a-f-]{36}", key)
    url = f"/c/{conversation.number}/reply/"
    post = {"text": "Arriva domani", "idempotency_key": key}

    first = agent_client.post(url, post, **htmx("reply-form"))
    again = agent_client.post(url, post, **htmx("reply-form"))
    redirected = agent_client.post(url, post)

    replies = conversation.messages.filter(direction=Direction.OUTBOUND, kind=Kind.MESSAGE)
    assert replies.count() == 1
    assert first.status_code == again.status_code == 200
    assert redirected["Location"] == f"/c/{conversation.number}/#m{replies.get().pk}"
    assert _reply_key(first.content.decode()) not in (key, _reply_key(again.content.decode()))


def test_a_reply_box_posted_again_with_other_text_asks_before_sending(
    agent_client, customer_writes
):
    conversation = customer_writes()
    key = _reply_key(page_of(agent_client, conversation))
    url = f"/c/{conversation.number}/reply/"
    agent_client.post(url, {"text": "Arriva domani", "idempotency_key": key}, **htmx("reply-form"))

    changed = agent_client.post(
        url, {"text": "Arriva lunedì", "idempotency_key": key}, **htmx("reply-form")
    )
    content = changed.content.decode()
    assert changed.status_code == 422 and "è già partita" in content
    fresh = _reply_key(content)
    assert fresh != key and "Arriva lunedì" in content
    replies = conversation.messages.filter(direction=Direction.OUTBOUND, kind=Kind.MESSAGE)
    assert list(replies.values_list("text", flat=True)) == ["Arriva domani"]

    agent_client.post(url, {"text": "Arriva lunedì", "idempotency_key": fresh})
    assert replies.count() == 2


def test_empty_reply_is_refused_with_a_message(agent_client, customer_writes):
    conversation = customer_writes()
    response = agent_client.post(
        f"/c/{conversation.number}/reply/", {"text": "   "}, **htmx("reply-form")
    )
    assert response.status_code == 422
    assert b'aria-invalid="true"' in response.content
    assert b"obbligatorio" in response.content

    response = agent_client.post(f"/c/{conversation.number}/reply/", {"text": ""}, follow=True)
    assert response.redirect_chain[-1][0] == f"/c/{conversation.number}/"
    assert b"flash-error" in response.content
    assert not conversation.messages.filter(direction=Direction.OUTBOUND).exists()


def test_note_is_internal_and_shown_as_such(agent_client, agent, customer_writes):
    conversation = customer_writes()
    response = agent_client.post(
        f"/c/{conversation.number}/note/", {"text": "Cliente importante"}, **htmx("note-form")
    )
    assert response.status_code == 200
    note = conversation.messages.get(kind=Kind.NOTE)
    assert note.text == "Cliente importante" and note.sender_agent == agent
    assert 'class="message message-note"' in response.content.decode()
    assert not conversation.messages.filter(kind=Kind.MESSAGE, direction="out").exists()


def test_assign_through_the_panel_leaves_an_event_in_words(
    agent_client, agent, workspace, customer_writes
):
    colleague = AgentFactory(workspace=workspace, display_name="Marco Neri")
    team = create_team(workspace, "Resi")
    conversation = customer_writes()
    response = agent_client.post(
        f"/c/{conversation.number}/assign/",
        {"assignee": colleague.pk, "team": team.pk},
        **htmx("side-panel"),
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert content.startswith('<aside id="side-panel"')
    assert 'id="thread" class="thread"' in content and 'hx-swap-oob="true"' in content
    assert "Giulia Bianchi ha assegnato la conversazione a Marco Neri (team Resi)" in content
    conversation = get_conversation(agent.workspace_id, conversation.pk)
    assert conversation.assignee == colleague and conversation.team == team
    assert len(events(conversation, "assigned")) == 1


def test_assign_to_me_keeps_the_team_and_unassigning_is_possible(
    agent_client, agent, workspace, customer_writes
):
    team = create_team(workspace, "Resi")
    conversation = customer_writes()
    actions.assign(conversation, agent, team=team)
    agent_client.post(f"/c/{conversation.number}/assign/", {"assignee": agent.pk})
    conversation = get_conversation(agent.workspace_id, conversation.pk)
    assert conversation.assignee == agent and conversation.team == team
    assert "Giulia Bianchi ha preso in carico la conversazione (team Resi)" in page_of(
        agent_client, conversation
    )

    agent_client.post(f"/c/{conversation.number}/assign/", {"assignee": "", "team": ""})
    conversation = get_conversation(agent.workspace_id, conversation.pk)
    assert conversation.assignee is None and conversation.team is None
    assert "Giulia Bianchi ha tolto l&#x27;assegnazione" in page_of(agent_client, conversation)


def test_resolve_and_reopen_leave_status_events(agent_client, agent, customer_writes):
    conversation = customer_writes()
    response = agent_client.post(f"/c/{conversation.number}/status/", {"status": "resolved"})
    assert response.status_code == 302
    conversation = get_conversation(agent.workspace_id, conversation.pk)
    assert conversation.status == Status.RESOLVED
    page = page_of(agent_client, conversation)
    assert "Stato: aperta → risolta" in page and "Riapri" in page

    agent_client.post(f"/c/{conversation.number}/status/", {"status": "open"})
    assert [e.data["new"] for e in events(conversation, "status_changed")] == ["resolved", "open"]


def test_snooze_until_a_time_in_the_agents_time_zone(agent_client, agent, customer_writes):
    conversation = customer_writes()
    rome = ZoneInfo(agent.time_zone)
    wake = (clock.now().astimezone(rome) + timedelta(days=1)).replace(second=0, microsecond=0)
    response = agent_client.post(
        f"/c/{conversation.number}/status/",
        {"status": "snoozed", "snoozed_until": wake.strftime("%Y-%m-%dT%H:%M")},
        **htmx("side-panel"),
    )
    assert response.status_code == 200
    conversation = get_conversation(agent.workspace_id, conversation.pk)
    assert conversation.status == Status.SNOOZED
    assert conversation.snoozed_until == wake
    assert "Stato: aperta → posticipata" in response.content.decode()


def test_snooze_without_a_time_or_in_the_past_is_refused(agent_client, agent, customer_writes):
    conversation = customer_writes()
    url = f"/c/{conversation.number}/status/"
    missing = agent_client.post(url, {"status": "snoozed"}, **htmx("side-panel"))
    assert missing.status_code == 422
    assert "Scegli fino a quando posticipare" in missing.content.decode()

    past = agent_client.post(
        url, {"status": "snoozed", "snoozed_until": "2001-01-01T10:00"}, **htmx("side-panel")
    )
    assert past.status_code == 422
    assert "La modifica non è stata salvata" in past.content.decode()
    assert get_conversation(agent.workspace_id, conversation.pk).status == Status.OPEN


def test_priority_and_tags_through_the_panel(agent_client, agent, customer_writes):
    conversation = customer_writes()
    agent_client.post(f"/c/{conversation.number}/priority/", {"priority": Priority.URGENT})
    response = agent_client.post(
        f"/c/{conversation.number}/tags/",
        {"tags": "Spedizione, reso , ,reso"},
        **htmx("side-panel"),
    )
    conversation = get_conversation(agent.workspace_id, conversation.pk)
    assert conversation.priority == Priority.URGENT
    assert conversation.tag_names == ["reso", "spedizione"]
    content = response.content.decode()
    assert "Priorità: normale → urgente" in content
    assert "Tag: +spedizione, +reso" in content
    assert 'value="reso, spedizione"' in content

    agent_client.post(f"/c/{conversation.number}/tags/", {"tags": "reso"})
    assert "Tag: −spedizione" in page_of(agent_client, conversation)


def test_invalid_priority_changes_nothing(agent_client, agent, customer_writes):
    conversation = customer_writes()
    response = agent_client.post(
        f"/c/{conversation.number}/priority/", {"priority": "9"}, **htmx("side-panel")
    )
    assert response.status_code == 422
    assert not events(conversation, "priority_changed")


def test_conversation_page_queries_do_not_grow_with_messages(
    agent_client, agent, workspace, customer_writes, django_assert_max_num_queries
):
    conversation = customer_writes("primo messaggio", email="fedele@example.it")
    actions.reply(conversation, agent, "Prima risposta")  # replies cost one delivery query

    def count() -> int:
        cache.clear()  # the sidebar's counts are counted each time, as on a first visit
        with CaptureQueriesContext(connection) as captured:
            assert agent_client.get(f"/c/{conversation.number}/").status_code == 200
        return len(captured)

    few = count()
    colleague = AgentFactory(workspace=workspace)
    for n in range(12):
        customer_writes(f"Altro messaggio {n}", email="fedele@example.it")
        actions.reply(conversation, colleague if n % 2 else agent, f"Risposta {n}")
        actions.add_note(conversation, agent, f"Nota {n}")
        actions.set_priority(conversation, agent, Priority.HIGH if n % 2 else Priority.LOW)
    assert conversation.messages.count() >= 50
    # 15: the side panel's survey answers are one indexed read (feedback.queries.answers).
    with django_assert_max_num_queries(15):
        page_of(agent_client, conversation)
    assert count() == few


def test_a_pages_forms_carry_one_csrf_token_that_a_post_accepts(agent, customer_writes):
    # The Jinja2 backend masks the token once a render (sportello.web.jinja.Jinja2), not
    # once a form; the token must still be one Django's CSRF check accepts.
    from django.test import Client

    conversation = customer_writes()
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent.user)
    page = client.get(f"/c/{conversation.number}/").content.decode()
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert len(tokens) >= 8 and len(set(tokens)) == 1
    assert re.search(r'hx-headers=\'\{"X-CSRFToken": "[A-Za-z0-9]{64}"\}\'', page)
    refused = client.post(f"/c/{conversation.number}/note/", {"text": "Senza token"})
    assert refused.status_code == 403
    sent = client.post(
        f"/c/{conversation.number}/note/", {"text": "Con token", "csrfmiddlewaretoken": tokens[0]}
    )
    assert sent.status_code == 302
    assert Message.objects.filter(conversation_id=conversation.pk, text="Con token").exists()
