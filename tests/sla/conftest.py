from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sportello.accounts.actions import issue_token
from sportello.accounts.models import Role
from sportello.core import clock
from tests.conftest import ApiClient
from tests.factories import AgentFactory

ROME = ZoneInfo("Europe/Rome")


class MovingClock:
    """``clock.now()`` under the test's control: time moves only when the test says."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, *local: int) -> datetime:
        self.now = datetime(*local, tzinfo=ROME)
        return self.now

    def advance(self, delta: timedelta) -> datetime:
        self.now += delta
        return self.now


@pytest.fixture
def moving_clock(monkeypatch) -> MovingClock:
    moving = MovingClock(datetime(2026, 12, 2, 10, 0, tzinfo=ROME))
    monkeypatch.setattr(clock, "now", moving)
    return moving


@pytest.fixture
def admin_api(workspace) -> ApiClient:
    return ApiClient(issue_token(AgentFactory(workspace=workspace, role=Role.ADMIN)))


@pytest.fixture
def write(inbound, django_capture_on_commit_callbacks) -> Callable[..., dict[str, Any]]:
    """A customer's message through the API, the handlers of its commit run."""

    def post(text: str = "Il mio ordine non è arrivato", **fields: Any) -> dict[str, Any]:
        with django_capture_on_commit_callbacks(execute=True):
            response = inbound(text, **fields)
        assert response.status_code == 201, response.content
        return response.json()

    return post
