"""Identity.unverified: an address kept as the sender wrote it.

Written as one ALTER TABLE on both databases: Django's SQLite schema editor would rebuild
the table for a NOT NULL column, and the rebuild drops the triggers that keep the
identities' trigram index (0003_search_trigrams) up to date.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0004_identity_kind_from_registry"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE customers_identity"
                    " ADD COLUMN unverified boolean NOT NULL DEFAULT false",
                    "ALTER TABLE customers_identity DROP COLUMN unverified",
                ),
            ],
            state_operations=[
                migrations.AddField(
                    model_name="identity",
                    name="unverified",
                    field=models.BooleanField(
                        db_default=False, default=False, verbose_name="unverified"
                    ),
                ),
            ],
        ),
    ]
