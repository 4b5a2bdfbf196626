from __future__ import annotations

import pytest
from django.db import connection


@pytest.mark.django_db
def test_sqlite_full_text_triggers_survive_every_migration():
    """A migration that alters the message table makes SQLite rebuild it, dropping its
    triggers; the latest migrations must leave all three in place."""
    if connection.vendor != "sqlite":
        pytest.skip("FTS5 triggers exist on SQLite only")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
            ["conversations_message"],
        )
        names = {row[0] for row in cursor.fetchall()}
    assert names == {
        "conversations_message_fts_ai",
        "conversations_message_fts_ad",
        "conversations_message_fts_au",
    }
