"""The `sportello` commands a newcomer runs first."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

SPORTELLO = Path(sys.executable).parent / "sportello"


def _run(home: Path, *args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SPORTELLO_") and k != "DJANGO_SETTINGS_MODULE"
    }
    env.update(SPORTELLO_HOME=str(home), **extra_env)
    return subprocess.run(
        [str(SPORTELLO), *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_first_migrate_prints_a_generated_admin_password_once(tmp_path):
    first = _run(tmp_path, "migrate")
    assert first.returncode == 0, first.stderr
    assert "admin@localhost" in first.stdout and "password (shown once)" in first.stdout
    second = _run(tmp_path, "migrate")
    assert second.returncode == 0 and "password" not in second.stdout
    assert (tmp_path / "sportello.sqlite3").exists() and (tmp_path / "secret_key").exists()


def test_admin_from_environment_and_createadmin(migrated_home):
    result = _run(
        migrated_home,
        "migrate",
        SPORTELLO_ADMIN_EMAIL="Boss@Bottega.it",
        SPORTELLO_ADMIN_PASSWORD="x" * 12,
    )
    assert result.returncode == 0 and "shown once" not in result.stdout
    created = _run(migrated_home, "createadmin", "seconda@bottega.it", "--password", "y" * 12)
    assert created.returncode == 0 and "seconda@bottega.it" in created.stdout


def test_check_reports_health(migrated_home):
    _run(migrated_home, "migrate")
    result = _run(migrated_home, "check")
    assert result.returncode == 0, result.stderr
    assert '"database": "ok"' in result.stdout


def test_bad_configuration_is_a_clear_error(tmp_path):
    result = _run(tmp_path, "check", SPORTELLO_DATABASE_URL="mysql://nope/db")
    assert result.returncode != 0
    assert "unsupported database URL scheme" in result.stderr


def test_createadmin_operator_makes_a_superuser_without_an_agent(migrated_home):
    _run(migrated_home, "migrate")
    created = _run(
        migrated_home, "createadmin", "operatore@hosting.it", "--operator", "--password", "z" * 12
    )
    assert created.returncode == 0, created.stderr
    assert "operator operatore@hosting.it ready" in created.stdout


def test_createadmin_refuses_a_password_the_validators_refuse(migrated_home):
    assert _run(migrated_home, "migrate").returncode == 0
    for weak in ("a", "password123"):
        refused = _run(migrated_home, "createadmin", "debole@bottega.it", "--password", weak)
        assert refused.returncode == 2
        assert "password refused" in refused.stderr
    operator = _run(migrated_home, "createadmin", "op@hosting.it", "--operator", "--password", "a")
    assert operator.returncode == 2
    made = _run(
        migrated_home, "createadmin", "forte@bottega.it", "--password", "una-chiave-lunga-42"
    )
    assert made.returncode == 0, made.stderr
