"""The menus' agents, teams, channels and tags are read once every few seconds
(web.choices); what an agent posts is checked against fresh lists."""

from __future__ import annotations

from django.core.cache import cache

from sportello.accounts.actions import create_team
from sportello.conversations.queries import get_conversation
from sportello.web.choices import workspace_choices
from tests.factories import AgentFactory
from tests.web.conftest import htmx


def test_the_lists_are_read_once_then_shared(workspace, agent, django_assert_max_num_queries):
    create_team(workspace, "Resi")
    with django_assert_max_num_queries(4):
        first = workspace_choices(workspace.pk)
    with django_assert_max_num_queries(0):
        again = workspace_choices(workspace.pk)
    assert [t.name for t in again.teams] == [t.name for t in first.teams] == ["Resi"]
    assert again.agents == [agent]
    assert workspace_choices(workspace.pk + 1).agents == []  # each workspace its own


def test_a_new_team_shows_once_the_lists_are_read_again(
    agent_client, workspace, customer_writes, settings
):
    conversation = customer_writes()
    agent_client.get(f"/c/{conversation.number}/")
    create_team(workspace, "Vendite")
    assert "Vendite" not in agent_client.get(f"/c/{conversation.number}/").content.decode()
    cache.delete(f"choices:{workspace.pk}")  # as the few seconds passing do
    assert "Vendite" in agent_client.get(f"/c/{conversation.number}/").content.decode()


def test_assigning_checks_against_fresh_lists(agent_client, agent, workspace, customer_writes):
    conversation = customer_writes()
    agent_client.get(f"/c/{conversation.number}/")  # the menus are now shared
    newcomer = AgentFactory(workspace=workspace, display_name="Nuova Collega")
    team = create_team(workspace, "Appena creato")
    response = agent_client.post(
        f"/c/{conversation.number}/assign/",
        {"assignee": newcomer.pk, "team": team.pk},
        **htmx("side-panel"),
    )
    assert response.status_code == 200
    found = get_conversation(agent.workspace_id, conversation.pk)
    assert found.assignee == newcomer and found.team == team
