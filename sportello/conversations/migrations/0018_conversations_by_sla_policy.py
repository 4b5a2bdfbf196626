"""The active conversations of an SLA policy, in id order: their clocks are recomputed
when the policy or its calendar changes (issue 17, ADR 0017)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0017_verbose_names"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="conversation",
            index=models.Index(
                condition=models.Q(("status__in", ("open", "pending", "snoozed"))),
                fields=["sla_policy_id", "id"],
                name="conv_sla_policy_active",
            ),
        ),
    ]
