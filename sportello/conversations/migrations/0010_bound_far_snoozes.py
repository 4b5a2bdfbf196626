"""Bring snoozes stored beyond the bound back within it.

Before ``actions.set_status`` bounded ``snoozed_until`` (``MAX_SNOOZE``, five years), the
API took any date, 9999-12-31 included: the admin cannot show a date that late in a
time zone ahead of UTC (a 500 on its pages). Such a snooze now wakes at the bound.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.db import migrations

_MAX_SNOOZE = timedelta(days=5 * 365 + 2)  # actions.manage.MAX_SNOOZE, as of this migration


def bound_far_snoozes(apps, schema_editor):  # type: ignore[no-untyped-def]
    Conversation = apps.get_model("conversations", "Conversation")
    bound = datetime.now(UTC) + _MAX_SNOOZE
    Conversation.objects.filter(snoozed_until__gt=bound).update(snoozed_until=bound)


class Migration(migrations.Migration):
    dependencies = [("conversations", "0009_message_idempotency_key")]

    operations = [migrations.RunPython(bound_far_snoozes, migrations.RunPython.noop)]
