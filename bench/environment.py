"""Pointing Sportello at a benchmark database before Django starts, and measuring it after.

Settings read ``SPORTELLO_HOME`` and ``SPORTELLO_DATABASE_URL`` once, when Django imports
them, so a benchmark must set the environment before ``django.setup()``; this module does
that, creates a PostgreSQL database that does not exist yet, and migrates the way
``sportello migrate`` does. It imports nothing from Django at module level for that reason.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def configure(*, home: str | None, database_url: str | None) -> Path:
    """Set the environment for ``home`` (a new temporary folder when ``None``) and
    ``database_url`` (SQLite in ``home`` when empty), then start Django."""
    if "django.conf" in sys.modules:
        from django.conf import settings

        if settings.configured:
            raise RuntimeError("configure() must run before Django's settings are loaded")
    home_path = Path(home) if home else Path(tempfile.mkdtemp(prefix="sportello-bench-"))
    home_path.mkdir(parents=True, exist_ok=True)
    os.environ["SPORTELLO_HOME"] = str(home_path)
    if database_url:
        os.environ["SPORTELLO_DATABASE_URL"] = database_url
        create_postgres_database(database_url)
    else:
        os.environ.pop("SPORTELLO_DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "sportello.config.settings"
    import django

    django.setup()
    return home_path


def create_postgres_database(url: str, *, recreate: bool = False) -> None:
    """Create the database ``url`` names when it is PostgreSQL and missing; with
    ``recreate``, drop it first (only ever asked for explicitly by a flag)."""
    from sportello.config.parsers import parse_database_url

    db = parse_database_url(url)
    if db.vendor != "postgresql":
        return
    import psycopg
    from psycopg import sql

    with psycopg.connect(
        dbname="postgres",
        user=db.user,
        password=db.password,
        host=db.host,
        port=db.port or 5432,
        autocommit=True,
    ) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db.name]).fetchone()
        if exists and recreate:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(db.name)))
            exists = None
        if not exists:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db.name)))


def migrate() -> None:
    """What ``sportello migrate`` does: apply migrations, make the default workspace."""
    from django.core.management import call_command

    from sportello.accounts.bootstrap import ensure_default_workspace

    call_command("migrate", interactive=False, verbosity=0)
    ensure_default_workspace()


def database_bytes() -> int:
    """Bytes the database occupies: the SQLite file after a WAL checkpoint, or
    ``pg_database_size`` on PostgreSQL."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_database_size(current_database())")
            return int(cursor.fetchone()[0])
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        path = Path(connection.settings_dict["NAME"])
    return sum(
        p.stat().st_size for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()
    )


def describe() -> str:
    """Which database, for a line on stderr (never the password)."""
    from django.db import connection

    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"SQLite {settings['NAME']}"
    return f"PostgreSQL {settings['NAME']} on {settings['HOST'] or 'localhost'}"


def backend() -> str:
    from django.db import connection

    return str(connection.vendor)
