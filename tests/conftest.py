from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from sportello.accounts.actions import issue_token
from sportello.accounts.bootstrap import ensure_default_workspace
from sportello.accounts.models import Agent
from sportello.channels.models import Channel
from sportello.core.models import Workspace
from sportello.sla import queries as sla_queries
from tests.factories import AgentFactory

# Fixtures through which a test reaches the database (pytest-django's, and ours built on them).
_DATABASE_FIXTURES = frozenset(
    {
        "db",
        "transactional_db",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
        "live_server",
    }
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On PostgreSQL, run only the tests that reach the database.

    ``make test`` runs the suite on SQLite and again on PostgreSQL. A test that never
    touches the database (pytest-django refuses it any query) runs the same code on both,
    so the second run skips it: parsing the mail and webhook corpora, the language layer,
    the configuration parsers. A test that reaches the database only through a process it
    starts says so with ``@pytest.mark.database``."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return
    kept: list[pytest.Item] = []
    skipped: list[pytest.Item] = []
    for item in items:
        reaches = (
            item.get_closest_marker("django_db") is not None
            or item.get_closest_marker("database") is not None
            or not _DATABASE_FIXTURES.isdisjoint(getattr(item, "fixturenames", ()))
        )
        (kept if reaches else skipped).append(item)
    if skipped:
        config.hook.pytest_deselected(items=skipped)
        items[:] = kept


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Each test starts with nothing cached (the sidebar's counts, say, or the SLA policies
    of a workspace whose id a rolled-back test used before)."""
    cache.clear()
    sla_queries.forget_all()


@pytest.fixture
def workspace(db) -> Workspace:
    return ensure_default_workspace()


@pytest.fixture
def api_channel(workspace) -> Channel:
    return Channel.objects.get(workspace=workspace, slug="api")


@pytest.fixture
def agent(workspace) -> Agent:
    return AgentFactory(
        workspace=workspace, display_name="Giulia Bianchi", user__email="giulia@negozio.it"
    )


class ApiClient:
    """A test client that speaks JSON and carries a bearer token."""

    def __init__(self, token: str | None) -> None:
        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}

    def _send(self, method: str, path: str, body: Any = None, raw: bytes | None = None, **extra):
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        kwargs = {"content_type": "application/json", **self.headers, **extra}
        return (
            getattr(self.client, method)(path, data, **kwargs)
            if data is not None
            else getattr(self.client, method)(path, **{**self.headers, **extra})
        )

    def get(self, path: str, **extra):
        return self._send("get", path, **extra)

    def post(self, path: str, body: Any = None, **extra):
        return self._send("post", path, body, **extra)

    def patch(self, path: str, body: Any = None, **extra):
        return self._send("patch", path, body, **extra)

    def put(self, path: str, body: Any = None, **extra):
        return self._send("put", path, body, **extra)

    def delete(self, path: str, **extra):
        return self._send("delete", path, **extra)


@pytest.fixture
def api(agent) -> ApiClient:
    return ApiClient(issue_token(agent))


@pytest.fixture
def inbound(api) -> Callable[..., Any]:
    """Post a customer message through the generic channel, the way an integration does."""

    def post(text: str = "Buongiorno, il mio ordine non è arrivato", **fields: Any):
        body = {"channel": "api", "sender": {"name": "Mario Rossi", "email": "mario@example.it"}}
        body.update(text=text, **fields)
        return api.post("/api/v1/inbound", body)

    return post


def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove what the SQLite test database leaves beside its file (its write-ahead log,
    shared-memory index and writer lock; Django deletes the file itself)."""
    from django.conf import settings

    if not settings.configured:
        return
    name = str(settings.DATABASES["default"].get("TEST", {}).get("NAME") or "")
    if settings.DATABASES["default"]["ENGINE"] != "sportello.core.sqlite" or not name:
        return
    for leftover in Path(name).parent.glob(Path(name).name + "*"):
        leftover.unlink(missing_ok=True)
