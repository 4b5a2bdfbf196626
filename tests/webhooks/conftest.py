"""A real HTTP receiver on 127.0.0.1 for the webhooks' tests, allowed as a target."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from sportello.core import clock
from sportello.webhooks.actions import Created, create_subscription
from sportello.webhooks.models import EventType
from tests.providers.fake_http import FakeProvider, Reply, fake_provider

HOOK = "/hooks/sportello"


@pytest.fixture
def receiver(settings) -> Iterator[FakeProvider]:
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    with fake_provider() as fake:
        fake.route("POST", HOOK, Reply(200, {"received": True}))
        yield fake


@pytest.fixture
def subscribed(workspace, receiver):
    """A subscription of the workspace to every event, at the receiver."""

    def make(events: list[str] | None = None, **fields) -> Created:
        return create_subscription(
            workspace.pk,
            url=receiver.url + HOOK,
            events=events or list(EventType.values),
            description="Negozio online",
            **fields,
        )

    return make


@pytest.fixture
def moving_clock(monkeypatch):
    """``clock.now()`` under the test's control."""
    state = {"now": clock.now()}
    monkeypatch.setattr(clock, "now", lambda: state["now"])

    def advance(delta: timedelta) -> None:
        state["now"] += delta

    advance.now = lambda: state["now"]  # type: ignore[attr-defined]
    return advance
