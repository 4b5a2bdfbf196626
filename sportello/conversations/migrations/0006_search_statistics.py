"""PostgreSQL: keep statistics for ten times more stems of the full-text index.

``search.first_matches`` reads the index's statistics to tell frequent words from rare
ones. With the default target ANALYZE lists the stems in ~1% of messages or more; at
1000 it lists those down to ~0.1%, so a stem it does not list matches few enough
messages to start from the index. SQLite counts its hits instead.
"""

from django.db import migrations


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER INDEX message_search_gin ALTER COLUMN 1 SET STATISTICS 1000")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER INDEX message_search_gin ALTER COLUMN 1 SET STATISTICS -1")


class Migration(migrations.Migration):
    dependencies = [("conversations", "0005_search_triggers_again")]
    operations = [migrations.RunPython(forward, backward)]
