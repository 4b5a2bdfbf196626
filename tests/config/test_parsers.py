from __future__ import annotations

import pytest

from sportello.config.parsers import (
    ConfigError,
    database_from_url,
    env_bool,
    env_int,
    parse_database_url,
)


def test_postgres_url_is_read_with_credentials_and_options(tmp_path):
    db = database_from_url(
        "postgres://app:s%40cret@db.local:6543/sportello?sslmode=require", tmp_path
    )
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
        "sportello",
        "app",
        "s@cret",
        "db.local",
        "6543",
    )
    assert db["OPTIONS"]["sslmode"] == "require" and "pool" in db["OPTIONS"]


def test_relative_sqlite_path_lives_in_home(tmp_path):
    db = database_from_url("sqlite:///data.sqlite3", tmp_path)
    assert db["NAME"] in {str(tmp_path / "data.sqlite3"), "/data.sqlite3"}
    assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]


def test_postgres_statements_are_prepared_unless_the_url_says_otherwise(tmp_path):
    options = database_from_url("postgres://db.local/sportello", tmp_path)["OPTIONS"]
    assert options["server_side_binding"] is True and options["prepare_threshold"] == 5
    behind_a_pooler = database_from_url(
        "postgres://db.local/sportello?prepare_threshold=none&server_side_binding=false",
        tmp_path,
    )["OPTIONS"]
    assert behind_a_pooler["prepare_threshold"] is None
    assert behind_a_pooler["server_side_binding"] is False
    sooner = database_from_url("postgres://db.local/s?prepare_threshold=0", tmp_path)
    assert sooner["OPTIONS"]["prepare_threshold"] == 0


@pytest.mark.parametrize(
    "query",
    ["prepare_threshold=soon", "prepare_threshold=%C2%B9", "server_side_binding=perhaps"],
)
def test_wrong_statement_options_are_config_errors(tmp_path, query):
    with pytest.raises(ConfigError, match="postgres://"):
        database_from_url(f"postgres://db.local/sportello?{query}", tmp_path)


@pytest.mark.parametrize("url", ["mysql://x/y", "postgres://host/", "nonsense"])
def test_unsupported_database_urls_are_config_errors(url):
    with pytest.raises(ConfigError):
        parse_database_url(url)


def test_typed_env_parsers(monkeypatch):
    monkeypatch.setenv("SPORTELLO_X", "yes")
    assert env_bool("SPORTELLO_X") is True
    monkeypatch.setenv("SPORTELLO_X", "maybe")
    with pytest.raises(ConfigError, match="SPORTELLO_X"):
        env_bool("SPORTELLO_X")
    monkeypatch.setenv("SPORTELLO_N", "12")
    assert env_int("SPORTELLO_N", 1) == 12
    monkeypatch.setenv("SPORTELLO_N", "twelve")
    with pytest.raises(ConfigError):
        env_int("SPORTELLO_N", 1)
