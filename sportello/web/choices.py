"""The workspace's agents, teams, channels and tags as the pages' menus and filters list
them: read once every ``SPORTELLO_CHOICES_SECONDS`` per workspace, not on every page.

Every inbox page lists all four and every conversation page the agents and teams: four
queries a page saved (docs/adr/0008).
What is shown may be a few seconds old (a team created just now appears in the menus
shortly after); what is posted is checked against fresh lists by the view that writes.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from sportello.accounts.models import Agent, Team
from sportello.accounts.queries import workspace_agents, workspace_teams
from sportello.channels.models import Channel
from sportello.channels.queries import workspace_channels
from sportello.conversations.models import Tag
from sportello.conversations.queries import workspace_tags


@dataclass(frozen=True)
class Choices:
    agents: list[Agent]
    teams: list[Team]
    channels: list[Channel]
    tags: list[Tag]


def workspace_choices(workspace_id: int) -> Choices:
    key = f"choices:{workspace_id}"
    found: Choices | None = cache.get(key)
    if found is None:
        found = Choices(
            agents=workspace_agents(workspace_id),
            teams=workspace_teams(workspace_id),
            channels=workspace_channels(workspace_id),
            tags=workspace_tags(workspace_id),
        )
        cache.set(key, found, settings.CHOICES_SECONDS)
    return found
