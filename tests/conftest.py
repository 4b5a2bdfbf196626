from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
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


# What a test costs, roughly, in tenths of a second: enough to tell a module of a few seconds
# from one of minutes (measured in the notes of the commit that brought this in).
_COST_SLOW = 600  # starts servers or processes of its own: `sportello run`, migrations...
_COST_BROWSER = 100  # drives Chromium or a real mail server
_COST_TRANSACTIONAL = 20  # live server or a flushed database
_COST_DATABASE = 7
_COST_PLAIN = 1


# Last, after pytest-django's own reordering (database tests first), which would scatter
# a module's tests again.
@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On PostgreSQL, run only the tests that reach the database; everywhere, run the
    costliest modules first.

    ``make test`` runs the suite on SQLite and again on PostgreSQL. A test that never
    touches the database (pytest-django refuses it any query) runs the same code on both,
    so the second run skips it: parsing the mail and webhook corpora, the language layer,
    the configuration parsers. A test that reaches the database only through a process it
    starts says so with ``@pytest.mark.database``.

    pytest-xdist's ``--dist loadfile`` hands each worker a whole module at a time, in the
    order given here when scripts/test.sh passes ``--no-loadscope-reorder`` (else it sorts
    modules by their number of tests, which sent the few long browser and server modules
    last, to a worker alone while the other idled). Long modules first, then shorter ones
    filling the gaps, end both workers at about the same time."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        _keep_what_reaches_the_database(config, items)
    _put_the_costliest_modules_first(items)


def _reaches_the_database(item: pytest.Item) -> bool:
    return (
        item.get_closest_marker("django_db") is not None
        or item.get_closest_marker("database") is not None
        or not _DATABASE_FIXTURES.isdisjoint(getattr(item, "fixturenames", ()))
    )


def _keep_what_reaches_the_database(config: pytest.Config, items: list[pytest.Item]) -> None:
    kept: list[pytest.Item] = []
    skipped: list[pytest.Item] = []
    for item in items:
        (kept if _reaches_the_database(item) else skipped).append(item)
    if skipped:
        config.hook.pytest_deselected(items=skipped)
        items[:] = kept


def _cost(item: pytest.Item) -> int:
    if item.get_closest_marker("slow"):
        return _COST_SLOW
    if item.get_closest_marker("browser") or item.get_closest_marker("mailserver"):
        return _COST_BROWSER
    marker = item.get_closest_marker("django_db")
    fixtures = set(getattr(item, "fixturenames", ()))
    if (marker and marker.kwargs.get("transaction")) or fixtures & {
        "transactional_db",
        "live_server",
    }:
        return _COST_TRANSACTIONAL
    return _COST_DATABASE if _reaches_the_database(item) else _COST_PLAIN


def _put_the_costliest_modules_first(items: list[pytest.Item]) -> None:
    """Group the tests by module, costliest module first; a module keeps its own order and
    modules of equal cost keep theirs."""
    cost: dict[Path, int] = {}
    first: dict[Path, int] = {}
    for position, item in enumerate(items):
        cost[item.path] = cost.get(item.path, 0) + _cost(item)
        first.setdefault(item.path, position)
    items.sort(key=lambda item: (-cost[item.path], first[item.path]))


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Each test starts with nothing cached (the sidebar's counts, say, or the SLA policies
    of a workspace whose id a rolled-back test used before)."""
    cache.clear()
    sla_queries.forget_all()


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database file with every migration applied and nothing else (no workspace,
    no admin), made once per test process for the tests that start ``sportello`` commands
    in a home of their own (``migrated_home``).

    Migrating a new SQLite database costs about 30 s of CPU (SQLite rebuilds a table for
    most field changes), and a dozen such tests each migrated their own. A database
    migrated from nothing stays tested where that is the point: the first ``sportello
    migrate`` (tests/config/test_cli.py), a first ``sportello run``
    (tests/config/test_run.py) and every test run's own test database."""
    home = tmp_path_factory.mktemp("migrated")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPORTELLO_")}
    env.update(SPORTELLO_HOME=str(home), DJANGO_SETTINGS_MODULE="sportello.config.settings")
    subprocess.run(
        [sys.executable, "-m", "django", "migrate", "--verbosity", "0"],
        env=env,
        cwd=home,
        check=True,
        timeout=600,
    )
    return home / "sportello.sqlite3"


@pytest.fixture
def migrated_home(tmp_path: Path, migrated_database: Path) -> Path:
    """``tmp_path`` holding a copy of ``migrated_database``, to be a command's
    ``SPORTELLO_HOME``: its ``sportello migrate`` or ``run`` finds nothing left to apply."""
    for part in migrated_database.parent.glob(migrated_database.name + "*"):
        shutil.copyfile(part, tmp_path / part.name)
    return tmp_path


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
