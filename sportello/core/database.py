"""Database upkeep that differs between the embedded SQLite and PostgreSQL."""

from __future__ import annotations

from django.db import connection


def optimize() -> None:
    """SQLite's ``PRAGMA optimize`` runs ANALYZE where the statistics are stale (PostgreSQL's
    autovacuum does the same on its own)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA optimize")
