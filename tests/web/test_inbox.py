"""The inbox: views, counts, filters, sort, search and pagination, with and without htmx."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sportello.accounts.actions import create_team
from sportello.conversations import actions
from sportello.conversations.models import Priority, Status
from sportello.conversations.queries import view_counts
from sportello.core import clock
from sportello.ingest.inbound import InboundMessage, Sender
from sportello.ingest.pipeline import ingest
from tests.factories import AgentFactory, ChannelFactory
from tests.web.conftest import htmx

pytestmark = pytest.mark.django_db


def numbers(response) -> list[int]:
    """Conversation numbers listed in a page or fragment, in order."""
    return [int(n) for n in re.findall(rb'class="conv-link" href="/c/(\d+)/"', response.content)]


@pytest.fixture
def triaged(workspace, agent, customer_writes):
    """GIVEN one conversation per inbox situation:
    unassigned, mine, a colleague's in my team, snoozed, resolved."""
    colleague = AgentFactory(workspace=workspace, display_name="Marco Neri")
    team = create_team(workspace, "Resi", members=[agent, colleague])
    unassigned = customer_writes("Dove è il mio pacco?")
    mine = customer_writes("Vorrei cambiare taglia")
    actions.assign(mine, agent, assignee=agent)
    teams = customer_writes("Rimborso per il reso")
    actions.assign(teams, agent, assignee=colleague, team=team)
    snoozed = customer_writes("Vi richiamo settimana prossima")
    actions.set_status(
        snoozed, agent, Status.SNOOZED, snoozed_until=clock.now() + timedelta(days=2)
    )
    resolved = customer_writes("Grazie, tutto risolto")
    actions.set_status(resolved, agent, Status.RESOLVED)
    return {
        "unassigned": unassigned.number,
        "mine": mine.number,
        "team": teams.number,
        "snoozed": snoozed.number,
        "resolved": resolved.number,
        "colleague": colleague,
        "team_obj": team,
    }


@pytest.mark.parametrize(
    ("view", "expected"),
    [
        ("unassigned", {"unassigned"}),
        ("mine", {"mine"}),
        ("team", {"team"}),
        ("open", {"unassigned", "mine", "team"}),
        ("snoozed", {"snoozed"}),
        ("resolved", {"resolved"}),
        ("all", {"unassigned", "mine", "team", "snoozed", "resolved"}),
    ],
)
def test_each_view_lists_its_conversations(agent_client, triaged, view, expected):
    response = agent_client.get(f"/?view={view}")
    assert response.status_code == 200
    assert set(numbers(response)) == {triaged[name] for name in expected}


def test_the_inbox_opens_on_all_open_conversations(agent_client, triaged):
    response = agent_client.get("/")
    assert set(numbers(response)) == {triaged["unassigned"], triaged["mine"], triaged["team"]}
    assert b'aria-current="page"' in response.content


def test_sidebar_counts_come_from_one_query_and_match_the_lists(
    agent_client, agent, triaged, django_assert_max_num_queries
):
    with django_assert_max_num_queries(2):  # the agent's teams, then all the counts
        counts = view_counts(agent.workspace_id, agent)
    assert counts == {
        "unassigned": 1,
        "mine": 1,
        "team": 1,
        "open": 3,
        "snoozed": 1,
        "resolved": 1,
        "all": 5,
    }
    page = agent_client.get("/").content.decode()
    for view, count in counts.items():
        badge = re.search(rf'href="/\?view={view}".*?class="count"[^>]*>(\d+)<', page, re.S)
        assert badge and int(badge.group(1)) == count


def _badge(client, view: str) -> int:
    page = client.get("/").content.decode()
    badge = re.search(rf'href="/\?view={view}".*?class="count"[^>]*>(\d+)<', page, re.S)
    assert badge
    return int(badge.group(1))


def test_sidebar_counts_are_shared_for_a_few_seconds(agent_client, customer_writes, settings):
    customer_writes("uno")
    assert _badge(agent_client, "all") == 1
    customer_writes("due")
    assert _badge(agent_client, "all") == 1  # counted less than SIDEBAR_COUNTS_SECONDS ago
    cache.clear()  # as when the seconds have passed
    assert _badge(agent_client, "all") == 2
    settings.SIDEBAR_COUNTS_SECONDS = 0
    cache.clear()
    customer_writes("tre")
    assert _badge(agent_client, "all") == 3
    customer_writes("quattro")
    assert _badge(agent_client, "all") == 4


def test_team_count_is_not_inflated_by_team_size(workspace, agent, customer_writes):
    others = [AgentFactory(workspace=workspace) for _ in range(3)]
    team = create_team(workspace, "Vendite", members=[agent, *others])
    for text in ("uno", "due"):
        actions.assign(customer_writes(text), agent, team=team)
    assert view_counts(agent.workspace_id, agent)["team"] == 2
    assert view_counts(agent.workspace_id, agent)["all"] == 2


def test_filters_by_status_assignee_and_team(agent_client, agent, triaged):
    def listed(query: str) -> set[int]:
        return set(numbers(agent_client.get(f"/?view=all&{query}")))

    assert listed("status=resolved") == {triaged["resolved"]}
    assert listed("assignee=me") == {triaged["mine"]}
    assert listed(f"assignee={triaged['colleague'].pk}") == {triaged["team"]}
    assert listed("assignee=none") == {
        triaged["unassigned"],
        triaged["snoozed"],
        triaged["resolved"],
    }
    assert listed(f"team={triaged['team_obj'].pk}") == {triaged["team"]}


def test_filters_by_channel_and_tag(agent_client, agent, workspace, customer_writes):
    shop = ChannelFactory(workspace=workspace, kind="api", name="Negozio", slug="shop")
    result = ingest(
        InboundMessage(
            workspace_id=workspace.pk,
            channel_id=shop.pk,
            sender=Sender(name="Anna", email="anna@example.it"),
            text="Ordine dal negozio",
            external_id="shop-1",
        )
    )
    tagged = customer_writes("Reso della giacca")
    actions.set_tags(tagged, agent, ["Resi", "giacche"])
    customer_writes("Altro")

    by_channel = agent_client.get(f"/?view=all&channel={shop.pk}")
    assert len(numbers(by_channel)) == 1
    assert b"Ordine dal negozio" in by_channel.content
    assert result.conversation_id
    assert numbers(agent_client.get("/?view=all&tag=resi")) == [tagged.number]


def test_an_invalid_filter_value_is_ignored_not_an_error(agent_client, triaged):
    response = agent_client.get("/?view=bogus&status=nope&assignee=x&team=abc&sort=up&cursor=%%")
    assert response.status_code == 200
    assert len(numbers(response)) == 3


def test_sorts(agent_client, agent, customer_writes):
    first = customer_writes("primo")
    second = customer_writes("secondo")
    third = customer_writes("terzo")
    actions.set_priority(second, agent, Priority.URGENT)
    actions.reply(first, agent, "Ci penso io")  # most recent activity now

    assert numbers(agent_client.get("/?sort=recent")) == [first.number, third.number, second.number]
    assert numbers(agent_client.get("/?sort=oldest")) == [second.number, third.number, first.number]
    assert numbers(agent_client.get("/?sort=newest")) == [third.number, second.number, first.number]
    assert numbers(agent_client.get("/?sort=priority"))[0] == second.number


def test_search_finds_a_conversation_by_word_stem(agent_client, customer_writes):
    hit = customer_writes("Le spedizioni sono in ritardo")
    customer_writes("Vorrei cambiare la taglia della giacca")
    response = agent_client.get("/?q=spedizione")
    assert numbers(response) == [hit.number]
    assert "Risultati per “spedizione”".encode() in response.content


def test_search_looks_in_every_conversation_whatever_the_view(agent_client, agent, customer_writes):
    resolved = customer_writes("La fattura è sbagliata")
    actions.set_status(resolved, agent, Status.RESOLVED)
    assert numbers(agent_client.get("/?view=unassigned&q=fatture")) == [resolved.number]


def test_htmx_filtering_returns_only_the_results_fragment(agent_client, customer_writes):
    hit = customer_writes("Le spedizioni sono in ritardo")
    response = agent_client.get("/?view=open&q=spedizione", **htmx("inbox-results"))
    content = response.content.decode()
    assert response.status_code == 200
    assert content.startswith('<section id="inbox-results"') and "<html" not in content
    assert numbers(response) == [hit.number]
    assert "HX-Request" in response["Vary"]


def test_history_restore_gets_the_whole_page(agent_client, workspace):
    response = agent_client.get(
        "/?view=open", HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert b"<html" in response.content


def test_load_more_appends_the_next_page_without_gaps_or_repeats(agent_client, customer_writes):
    created = {customer_writes(f"Messaggio {n}").number for n in range(30)}
    first = agent_client.get("/?view=open")
    assert len(numbers(first)) == 25
    link = re.search(rb'id="load-more".*?href="([^"]+)"', first.content, re.S)
    assert link is not None and b"cursor=" in link.group(1)
    url = link.group(1).decode().replace("&amp;", "&")

    more = agent_client.get(url, **htmx("load-more"))
    assert b"<html" not in more.content and b"<section" not in more.content
    assert len(numbers(more)) == 5 and b'id="load-more"' not in more.content
    assert set(numbers(first)) | set(numbers(more)) == created

    # Without JavaScript the same link is a whole page: the next page.
    assert numbers(agent_client.get(url)) == numbers(more)


def test_rows_show_what_an_agent_needs_to_triage(agent_client, agent, customer_writes):
    conversation = customer_writes("Il pacco è arrivato rotto", subject="Pacco danneggiato")
    actions.assign(conversation, agent, assignee=agent)
    actions.set_tags(conversation, agent, ["danni"])
    actions.set_priority(conversation, agent, Priority.HIGH)
    row = agent_client.get("/?view=all").content.decode()
    for text in (
        f"#{conversation.number}",
        "Pacco danneggiato",
        "Mario Rossi",
        "API",
        "Il pacco è arrivato rotto",
        '<span class="tag">danni</span>',
        "Giulia Bianchi",
        "Aperta",
        "Alta",
        "<time datetime=",
    ):
        assert text in row


def _count_queries(client, url: str) -> int:
    cache.clear()  # the sidebar's counts are counted each time, as on a first visit
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_inbox_queries_do_not_grow_with_rows(
    agent_client, agent, workspace, customer_writes, django_assert_max_num_queries
):
    team = create_team(workspace, "Vendite", members=[agent])
    first = customer_writes("uno")
    actions.set_tags(first, agent, ["a"])
    one_row = _count_queries(agent_client, "/?view=all")

    for n in range(29):
        conversation = customer_writes(f"Conversazione {n}")
        actions.assign(conversation, agent, assignee=agent, team=team)
        actions.set_tags(conversation, agent, [f"tag{n}", "comune"])
    with django_assert_max_num_queries(13):
        response = agent_client.get("/?view=all")
    assert len(numbers(response)) == 25
    assert _count_queries(agent_client, "/?view=all") <= one_row
    # A search adds its plan's queries (the matches' ids, then their rows); on PostgreSQL
    # also the planner settings and the savepoint (two statements here, inside the test's
    # transaction) that scope them. Counted as a first visit (the sidebar: the agent's
    # teams and the counts; the menus) with PostgreSQL's index statistics warm (read once
    # every few minutes).
    # One more for the rows this agent has not read (``unread_ids``), and one for the
    # bell (the agent's unread notifications, counted with the sidebar's counts). Two more
    # for the results' matched passages (one for all rows) and their count.
    searching = 21 if connection.vendor == "postgresql" else 17
    agent_client.get("/?view=all&q=conversazione&sort=priority")
    assert _count_queries(agent_client, "/?view=all&q=conversazione&sort=priority") <= searching


def test_sidebar_counts_stop_at_the_cap(agent_client, monkeypatch, customer_writes):
    from sportello.conversations import queries

    monkeypatch.setattr(queries, "COUNT_CAP", 2)
    monkeypatch.setattr("sportello.web.pages.COUNT_CAP", 2)
    for n in range(3):
        customer_writes(f"messaggio {n}", email=f"c{n}@example.it")
    page = agent_client.get("/").content.decode()
    assert '<span class="count">2+</span>' in page


def test_rows_escape_whatever_customers_and_agents_write(
    agent_client, agent, workspace, customer_writes
):
    evil = "<img src=x onerror=alert(1)>"
    conversation = customer_writes(evil, subject=f"Oggetto {evil}", name=f"Mario {evil}")
    team = create_team(workspace, f"Team {evil}", members=[agent])
    agent.display_name = f'"{evil}'
    agent.save()
    actions.assign(conversation, agent, assignee=agent, team=team)
    actions.set_tags(conversation, agent, ["<b>tag</b>"])
    page = agent_client.get("/?view=all").content.decode()
    assert "<img" not in page and "<b>tag" not in page
    assert "Mario &lt;img src=x onerror=alert(1)&gt;" in page
    assert "Oggetto &lt;img" in page and "Team &lt;img" in page
    assert "&quot;&lt;img" in page and "&lt;b&gt;tag&lt;/b&gt;" in page
    assert numbers(agent_client.get("/?view=all")) == [conversation.number]
