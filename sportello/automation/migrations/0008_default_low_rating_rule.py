"""The default rule of issue 15 point 5 for the workspaces that exist: a review of two
stars or fewer raises the conversation's priority to high. Workspaces made later get it
on first need (``rules.actions.ensure_default_rules``, which the reviews channel calls
before it imports). Written as literals: history must not follow the code."""

from django.db import migrations
from django.utils import timezone

RULE = {
    "default_key": "low_rating",
    "name": "Recensione negativa: priorità alta",
    "event": "message_received",
    "conditions": {"all": [{"field": "rating", "operator": "at_most", "value": 2}], "any": []},
    "actions": [{"type": "set_priority", "priority": 2}],
}


def add_rule(apps, schema_editor):
    Workspace = apps.get_model("core", "Workspace")
    Rule = apps.get_model("automation", "Rule")
    now = timezone.now()
    rows = [
        Rule(workspace_id=workspace_id, position=1002, created_at=now, **RULE)
        for workspace_id in Workspace.objects.values_list("pk", flat=True)
    ]
    Rule.objects.bulk_create(rows, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("automation", "0007_default_repeat_contact_rule"), ("core", "0001_initial")]

    operations = [migrations.RunPython(add_rule, migrations.RunPython.noop)]
