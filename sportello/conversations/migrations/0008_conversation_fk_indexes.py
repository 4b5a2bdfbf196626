"""Conversations lose the indexes Django gives every foreign key, on channel and team.

Every inbound message moves its conversation in the views' indexes (a new
``last_message_at``), so PostgreSQL cannot update the row in place and writes an entry in
every index of the table; neither of these two was read by a list or a lookup. Measured at
1M conversations on PostgreSQL, an inbound message in-process 4.8 -> 4.4 ms.

Only the indexes are dropped (found by their columns): SQLite's ALTER FIELD would rebuild
the table, and with it drop the full-text triggers defined on it.
"""

import django.db.models.deletion
from django.db import migrations, models

TABLE = "conversations_conversation"
COLUMNS = ("channel_id", "team_id")


def _single_column_indexes(schema_editor, column):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, TABLE)
    return [
        name
        for name, info in constraints.items()
        if info["index"]
        and not info["unique"]
        and not info["primary_key"]
        and info["columns"] == [column]
    ]


def drop_indexes(apps, schema_editor):
    for column in COLUMNS:
        for name in _single_column_indexes(schema_editor, column):
            schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")


def create_indexes(apps, schema_editor):
    for column in COLUMNS:
        if not _single_column_indexes(schema_editor, column):
            name = schema_editor.quote_name(f"{TABLE}_{column}_fk")
            schema_editor.execute(f'CREATE INDEX {name} ON "{TABLE}" ("{column}")')


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("conversations", "0007_search_vector"),
        ("sportello_channels", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="conversation",
                    name="channel",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="conversations",
                        to="sportello_channels.channel",
                    ),
                ),
                migrations.AlterField(
                    model_name="conversation",
                    name="team",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="accounts.team",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_indexes, create_indexes)],
        ),
    ]
