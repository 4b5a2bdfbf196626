"""Lifecycle stage, do-not-contact flag, orders, consents (issue 18 point 5)."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("customers", "0009_identity_resolution_and_merge"),
    ]

    operations = [
        # One ALTER TABLE each (as 0007): Django's SQLite schema editor would rebuild the
        # table for a NOT NULL column, dropping the trigram index's triggers (0003).
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE customers_customer ADD COLUMN do_not_contact boolean NOT NULL DEFAULT false",
                    "ALTER TABLE customers_customer DROP COLUMN do_not_contact",
                ),
                migrations.RunSQL(
                    "ALTER TABLE customers_customer ADD COLUMN lifecycle_reason varchar(200) NOT NULL DEFAULT ''",
                    "ALTER TABLE customers_customer DROP COLUMN lifecycle_reason",
                ),
                migrations.RunSQL(
                    "ALTER TABLE customers_customer ADD COLUMN lifecycle_stage varchar(10) NOT NULL DEFAULT 'lead'",
                    "ALTER TABLE customers_customer DROP COLUMN lifecycle_stage",
                ),
            ],
            state_operations=[
                migrations.AddField(
                    model_name="customer",
                    name="do_not_contact",
                    field=models.BooleanField(
                        db_default=False, default=False, verbose_name="do not contact"
                    ),
                ),
                migrations.AddField(
                    model_name="customer",
                    name="lifecycle_reason",
                    field=models.CharField(blank=True, db_default="", default="", max_length=200),
                ),
                migrations.AddField(
                    model_name="customer",
                    name="lifecycle_stage",
                    field=models.CharField(
                        choices=[
                            ("lead", "lead"),
                            ("customer", "customer"),
                            ("former", "former customer"),
                        ],
                        db_default="lead",
                        default="lead",
                        max_length=10,
                        verbose_name="lifecycle stage",
                    ),
                ),
            ],
        ),
        migrations.AddField(
            model_name="customer",
            name="do_not_contact_since",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="customer",
            name="lifecycle_changed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.CreateModel(
            name="Consent",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "purpose",
                    models.CharField(
                        choices=[("service", "service messages"), ("marketing", "marketing")],
                        max_length=10,
                    ),
                ),
                ("channel_kind", models.CharField(max_length=16)),
                ("granted", models.BooleanField()),
                (
                    "source",
                    models.CharField(
                        choices=[
                            ("web_form", "web form"),
                            ("agent", "agent"),
                            ("api", "API"),
                            ("unsubscribe_link", "unsubscribe link"),
                            ("import", "import"),
                        ],
                        max_length=20,
                    ),
                ),
                ("by_name", models.CharField(blank=True, max_length=200)),
                ("at", models.DateTimeField()),
                (
                    "customer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="consents",
                        to="customers.customer",
                    ),
                ),
                (
                    "workspace",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="core.workspace",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["customer", "purpose", "-at"], name="consent_latest")
                ],
            },
        ),
        migrations.CreateModel(
            name="LifecycleChange",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "previous",
                    models.CharField(
                        choices=[
                            ("lead", "lead"),
                            ("customer", "customer"),
                            ("former", "former customer"),
                        ],
                        max_length=10,
                    ),
                ),
                (
                    "stage",
                    models.CharField(
                        choices=[
                            ("lead", "lead"),
                            ("customer", "customer"),
                            ("former", "former customer"),
                        ],
                        max_length=10,
                    ),
                ),
                ("reason", models.CharField(blank=True, max_length=200)),
                ("by_name", models.CharField(blank=True, max_length=200)),
                ("at", models.DateTimeField()),
                (
                    "customer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="customers.customer",
                    ),
                ),
                (
                    "workspace",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="core.workspace",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["customer", "-at"], name="lifecycle_change_recent")
                ],
            },
        ),
        migrations.CreateModel(
            name="Order",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("number", models.CharField(max_length=64, verbose_name="order number")),
                (
                    "total",
                    models.DecimalField(decimal_places=2, max_digits=12, verbose_name="total"),
                ),
                ("currency", models.CharField(max_length=3, verbose_name="currency")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "pending"),
                            ("paid", "paid"),
                            ("fulfilled", "fulfilled"),
                            ("cancelled", "cancelled"),
                            ("refunded", "refunded"),
                        ],
                        max_length=10,
                        verbose_name="status",
                    ),
                ),
                ("placed_at", models.DateTimeField(verbose_name="placed at")),
                (
                    "customer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="orders",
                        to="customers.customer",
                    ),
                ),
                (
                    "workspace",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="core.workspace",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["customer", "-placed_at"], name="order_customer_recent")
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("workspace", "number"), name="order_number_unique"
                    )
                ],
            },
        ),
    ]
