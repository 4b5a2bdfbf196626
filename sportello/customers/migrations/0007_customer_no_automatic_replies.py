"""Customer.no_automatic_replies: the customer asked to receive no acknowledgements.

Written as one ALTER TABLE on both databases (as 0005): Django's SQLite schema editor
would rebuild the table for a NOT NULL column, and the rebuild drops the triggers that
keep the customers' trigram index (0003_search_trigrams) up to date.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0006_customer_erased_at"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE customers_customer"
                    " ADD COLUMN no_automatic_replies boolean NOT NULL DEFAULT false",
                    "ALTER TABLE customers_customer DROP COLUMN no_automatic_replies",
                ),
            ],
            state_operations=[
                migrations.AddField(
                    model_name="customer",
                    name="no_automatic_replies",
                    field=models.BooleanField(
                        db_default=False, default=False, verbose_name="no automatic replies"
                    ),
                ),
            ],
        ),
    ]
