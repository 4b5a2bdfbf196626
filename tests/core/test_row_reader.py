"""Lookups written as plain SQL (core.sql.RowReader) build the same models a queryset would."""

from __future__ import annotations

from datetime import datetime

import pytest

from sportello.accounts.actions import issue_token
from sportello.accounts.models import ApiToken
from sportello.accounts.queries import agent_for_token
from sportello.channels.actions import ensure_channel
from sportello.channels.models import Channel
from sportello.channels.queries import active_channel
from sportello.core.errors import InvalidInput

pytestmark = pytest.mark.django_db


def test_token_lookup_builds_the_token_its_agent_their_user_and_workspace(
    agent, django_assert_num_queries
):
    key = issue_token(agent)
    with django_assert_num_queries(1):
        token = agent_for_token(key)
        assert token is not None
        assert token.agent.user.email == agent.user.email
        assert token.agent.workspace.time_zone == agent.workspace.time_zone
    expected = ApiToken.objects.select_related("agent__user", "agent__workspace").get(pk=token.pk)
    assert token.agent == expected.agent and token.agent.role == expected.agent.role
    assert isinstance(token.created_at, datetime) and token.created_at.tzinfo is not None
    assert token.created_at == expected.created_at
    assert token._state.adding is False


def test_token_lookup_refuses_unknown_and_inactive(agent):
    key = issue_token(agent)
    assert agent_for_token("spt_" + "x" * 43) is None
    assert agent_for_token("") is None
    agent.is_active = False
    agent.save()
    assert agent_for_token(key) is None
    agent.is_active = True
    agent.save()
    agent.user.is_active = False
    agent.user.save()
    assert agent_for_token(key) is None


def test_active_channel_reads_its_settings_as_json(workspace, django_assert_num_queries):
    made = ensure_channel(
        workspace.pk, kind="api", name="Shop", slug="shop", config={"limits": {"mb": 5}}
    )
    with django_assert_num_queries(1):
        channel = active_channel(workspace.pk, "shop")
    assert channel == made
    assert channel.config == {"limits": {"mb": 5}}
    assert (
        channel.kind == "api" and channel.created_at == Channel.objects.get(pk=made.pk).created_at
    )
    Channel.objects.filter(pk=made.pk).update(is_active=False)
    with pytest.raises(InvalidInput):
        active_channel(workspace.pk, "shop")
