"""Faster triage on the inbox list: channel icons, the waiting and due badges, the longest
waiting and nearest due sorts, and the bulk bar."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client

from sportello.channels.actions import ensure_channel
from sportello.conversations import actions
from sportello.conversations.filters import InboxFilter
from sportello.conversations.models import Conversation, Kind, Message, Status
from sportello.conversations.queries import list_conversations
from sportello.core import clock
from tests.factories import AgentFactory, WorkspaceFactory
from tests.web.test_inbox import numbers

pytestmark = pytest.mark.django_db


def _client(agent, language: str) -> Client:
    agent.language = language
    agent.save(update_fields=["language"])
    client = Client()
    client.force_login(agent.user)
    return client


def _row(content: bytes, number: int) -> str:
    text = content.decode()
    start = text.index(f'href="/c/{number}/"')
    return text[start : text.index("</li>", start)]


def _set(conversation: Conversation, **columns) -> None:
    Conversation.objects.filter(pk=conversation.pk).update(**columns)


def test_each_row_shows_its_channel_icon_labelled(agent, customer_writes, workspace):
    api = customer_writes("Ciao")
    whatsapp = ensure_channel(workspace.pk, kind="whatsapp", name="WhatsApp negozio", slug="wa")
    chat = customer_writes("Ciao da WhatsApp")
    _set(chat, channel=whatsapp)
    response = _client(agent, "it").get("/")
    text = response.content.decode()
    assert re.search(r'<svg class="ch-icon ch-api" role="img" aria-label="API"', text)
    assert re.search(r'<svg class="ch-icon ch-whatsapp" role="img" aria-label="WhatsApp"', text)
    assert 'channels.svg#ch-whatsapp"' in text
    assert "ch-api" in text.split(f'id="conv-{api.pk}"')[1].split("</li>")[0]


def test_a_row_says_how_long_the_customer_waits_in_the_agents_language(agent, customer_writes):
    waiting = customer_writes("Dov'è il mio pacco?")
    _set(waiting, waiting_since=clock.now() - timedelta(minutes=25, seconds=10))
    answered = customer_writes("Grazie")
    actions.reply(answered, agent, "Prego!")
    english = _client(agent, "en").get("/")
    assert "Waiting 25 min" in _row(english.content, waiting.number)
    assert "Waiting" not in _row(english.content, answered.number)
    _set(waiting, waiting_since=clock.now() - timedelta(hours=3, minutes=5))
    italian = _client(agent, "it").get("/")
    assert "In attesa da 3 h" in _row(italian.content, waiting.number)


def test_due_badges_count_down_and_say_overdue(agent, customer_writes):
    soon = customer_writes("Prima domanda")
    late = customer_writes("Seconda domanda")
    paused = customer_writes("Terza domanda")
    now = clock.now()
    _set(soon, first_reply_due_at=now + timedelta(minutes=25, seconds=30))
    _set(late, first_reply_due_at=now - timedelta(minutes=10, seconds=30))
    _set(paused, first_reply_due_at=now - timedelta(minutes=10), status=Status.PENDING)
    page = _client(agent, "en").get("/")
    assert "Due in 25 min" in _row(page.content, soon.number)
    assert "Overdue 10 min" in _row(page.content, late.number)
    assert "due-badge" not in _row(page.content, paused.number)  # paused: no countdown
    italian = _client(agent, "it").get("/")
    assert "Scade tra 25 min" in _row(italian.content, soon.number)
    assert "In ritardo di 10 min" in _row(italian.content, late.number)


def test_sort_by_longest_waiting_puts_conversations_nobody_waits_on_last(agent, customer_writes):
    now = clock.now()
    newer, older, oldest = (customer_writes(f"Domanda {n}") for n in range(3))
    _set(newer, waiting_since=now - timedelta(minutes=5))
    _set(older, waiting_since=now - timedelta(hours=2))
    _set(oldest, waiting_since=now - timedelta(days=1))
    answered = customer_writes("Risposta data")
    actions.reply(answered, agent, "Eccoci")
    response = _client(agent, "it").get("/?sort=waiting")
    assert numbers(response) == [oldest.number, older.number, newer.number, answered.number]
    assert b'<option value="waiting" selected>' in response.content


def test_sort_by_nearest_due_time(agent, customer_writes):
    now = clock.now()
    later, overdue, sooner, none = (customer_writes(f"Domanda {n}") for n in range(4))
    _set(later, first_reply_due_at=now + timedelta(hours=3))
    _set(overdue, first_reply_due_at=now - timedelta(minutes=30))
    _set(sooner, first_reply_due_at=now + timedelta(minutes=20))
    _set(none, first_reply_due_at=None)
    response = _client(agent, "en").get("/?sort=due")
    assert numbers(response) == [overdue.number, sooner.number, later.number, none.number]


@pytest.mark.parametrize("sort", ["waiting", "due"])
def test_cursor_pages_of_the_new_sorts_list_each_conversation_once(
    agent, workspace, customer_writes, sort
):
    """GIVEN conversations with and without a key (a tie on the key, and the far date the
    keyless ones sort by) WHEN walking one row a page THEN each comes once, in order."""
    now = clock.now()
    made = [customer_writes(f"Domanda {n}") for n in range(6)]
    column = "waiting_since" if sort == "waiting" else "first_reply_due_at"
    for n, conversation in enumerate(made[:4]):
        _set(conversation, **{column: now - timedelta(minutes=10 * (n // 2))})
    for conversation in made[4:]:
        _set(conversation, waiting_since=None, first_reply_due_at=None)
    seen: list[int] = []
    cursor = None
    for _ in range(10):
        page = list_conversations(
            workspace.pk, agent, InboxFilter(view="open", sort=sort), cursor=cursor, limit=1
        )
        seen += [c.pk for c in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert sorted(seen) == sorted(c.pk for c in made) and len(seen) == len(made)
    keyed = [c.pk for c in made[:4]]
    assert seen[:4] == [keyed[2], keyed[3], keyed[0], keyed[1]]


def test_the_bulk_bar_resolves_the_selected_rows_through_the_actions(agent, customer_writes):
    first, second, kept = (customer_writes(f"Domanda {n}") for n in range(3))
    client = _client(agent, "en")
    page = client.get("/?view=open&sort=waiting")
    assert b'id="bulk-form"' in page.content
    assert f'name="ids" value="{first.pk}" form="bulk-form"'.encode() in page.content
    response = client.post(
        "/bulk/",
        {"ids": [first.pk, second.pk], "status": "resolved", "next": "/?view=open&sort=waiting"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/?view=open&sort=waiting"
    assert b"2 conversations updated." in response.content
    statuses = dict(Conversation.objects.values_list("pk", "status"))
    assert statuses[first.pk] == statuses[second.pk] == Status.RESOLVED
    assert statuses[kept.pk] == Status.OPEN
    assert numbers(response) == [kept.number]
    for conversation in (first, second):
        event = Message.objects.get(
            conversation=conversation, kind=Kind.EVENT, event="status_changed"
        )
        assert event.sender_agent_id == agent.pk


def test_the_bulk_bar_assigns_and_tags_and_refuses_another_workspaces_rows(agent, customer_writes):
    colleague = AgentFactory(workspace=agent.workspace, display_name="Marco Neri")
    mine = customer_writes("Domanda")
    stranger = AgentFactory(workspace=WorkspaceFactory())
    client = _client(agent, "it")
    response = client.post(
        "/bulk/",
        {"ids": [mine.pk, 99999], "assignee": colleague.pk, "tag": "Reso"},
        follow=True,
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "1 conversazione aggiornata." in text
    assert "La conversazione 99999 non è stata modificata: non trovata" in text
    mine.refresh_from_db()
    assert mine.assignee_id == colleague.pk
    assert list(mine.tags.values_list("name", flat=True)) == ["reso"]
    # An agent of another workspace is not one of the menu's: nothing changes.
    client.post("/bulk/", {"ids": [mine.pk], "assignee": stranger.pk})
    mine.refresh_from_db()
    assert mine.assignee_id == colleague.pk


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"status": "resolved"}, "Select at least one conversation."),
        ({"ids": ["abc"], "status": "resolved"}, "The selection is not valid"),
        ({"ids": ["1"]}, "Choose what to change"),
        ({"ids": ["1"], "status": "closed"}, "Select a valid choice"),
        ({"ids": ["1"], "tag": "x" * 61}, "Ensure this value has at most 60 characters"),
        ({"ids": ["1"], "status": "resolved", "next": "https://evil.example/"}, ""),
    ],
)
def test_the_bulk_bar_says_what_is_wrong_and_never_fails(agent, customer_writes, data, message):
    conversation = customer_writes("Domanda")
    data = {k: ([str(conversation.pk)] if v == ["1"] else v) for k, v in data.items()}
    response = _client(agent, "en").post("/bulk/", data)
    assert response.status_code == 302
    assert response["Location"].startswith("/")
    follow = _client(agent, "en").get(response["Location"])
    assert follow.status_code == 200
    if message:
        conversation.refresh_from_db()
        assert conversation.status == Status.OPEN


def test_the_shortcuts_script_is_on_every_agent_page_with_its_help_translated(agent):
    page = _client(agent, "it").get("/")
    text = page.content.decode()
    assert 'src="/static/web/shortcuts.js' in text or "shortcuts" in text
    assert 'data-title="Scorciatoie da tastiera"' in text
    assert "Conversazione successiva" in text
    assert 'data-shortcut="search"' in text


@pytest.mark.parametrize("sort", ["waiting", "due"])
def test_a_search_lists_its_matches_in_the_triage_sorts(agent, customer_writes, sort):
    now = clock.now()
    late = customer_writes("Il pacco è arrivato rotto")
    early = customer_writes("Anche il mio pacco è rotto")
    customer_writes("Vorrei una fattura")
    column = "waiting_since" if sort == "waiting" else "first_reply_due_at"
    _set(late, **{column: now - timedelta(hours=1)})
    _set(early, **{column: now - timedelta(hours=5)})
    response = _client(agent, "it").get(f"/?q=pacco&sort={sort}")
    assert response.status_code == 200
    assert numbers(response) == [early.number, late.number]
