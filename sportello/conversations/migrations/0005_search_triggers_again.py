"""Put the FTS5 triggers back after 0004 remade the message table.

On SQLite, altering a column of ``conversations_message`` makes Django rebuild the table,
and its triggers go with the old table. Any future migration that alters this table on
SQLite must be followed by one like this. The index itself is rebuilt from the content
table, so messages written in between are searchable too.
"""

from django.db import migrations

from sportello.conversations.migrations import _search_sql


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for sql in _search_sql.SQLITE_FORWARD:
        schema_editor.execute(sql)
    schema_editor.execute(f"INSERT INTO {_search_sql.FTS}({_search_sql.FTS}) VALUES ('rebuild')")


class Migration(migrations.Migration):
    dependencies = [("conversations", "0004_fewer_indexes")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
