"""Customer segments (issue 17 point 1, ADR 0025): the segment, when it changed, and when
the passing of time may change it next."""

from django.db import migrations, models
from django.utils import timezone


def review_buyers_tonight(apps, schema_editor):
    """Customers who already have orders are classified by the first nightly review
    (``customers.jobs.review_segments``); the others are rightly ``new`` until one comes."""
    Customer = apps.get_model("customers", "Customer")
    Order = apps.get_model("customers", "Order")
    buyers = Order.objects.values("customer_id")
    Customer.objects.filter(pk__in=buyers).update(segment_review_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("customers", "0011_verbose_names"),
    ]

    operations = [
        # One ALTER TABLE (as 0010): Django's SQLite schema editor would rebuild the table
        # for a NOT NULL column, dropping the trigram index's triggers (0003).
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE customers_customer ADD COLUMN segment varchar(10) NOT NULL DEFAULT 'new'",
                    "ALTER TABLE customers_customer DROP COLUMN segment",
                ),
            ],
            state_operations=[
                migrations.AddField(
                    model_name="customer",
                    name="segment",
                    field=models.CharField(
                        choices=[
                            ("new", "new"),
                            ("occasional", "occasional"),
                            ("loyal", "loyal"),
                            ("at_risk", "at risk"),
                        ],
                        db_default="new",
                        default="new",
                        max_length=10,
                        verbose_name="segment",
                    ),
                ),
            ],
        ),
        migrations.AddField(
            model_name="customer",
            name="segment_changed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="customer",
            name="segment_review_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["workspace", "segment", "-id"], name="customer_segment"),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(
                condition=models.Q(("segment_review_at__isnull", False)),
                fields=["segment_review_at"],
                name="customer_segment_review",
            ),
        ),
        migrations.RunPython(review_buyers_tonight, migrations.RunPython.noop),
    ]
