"""The default repeat-contact rule for the workspaces that exist: a customer who writes
again about the same matter gets a higher priority (normal or low becomes high). Later
workspaces get it on first need (``rules.actions.ensure_default_rules``). Written as a
literal: history must not follow the code."""

from django.db import migrations
from django.utils import timezone

RULE = {
    "default_key": "repeat_contact",
    "name": "Contatto ripetuto: priorità alta",
    "event": "repeat_contact",
    "conditions": {
        "all": [
            {"field": "repeat_count", "operator": "at_least", "value": 2},
            {"field": "priority", "operator": "at_most", "value": 1},
        ],
        "any": [],
    },
    "actions": [{"type": "set_priority", "priority": 2}],
}


def add_default_rule(apps, schema_editor):
    Workspace = apps.get_model("core", "Workspace")
    Rule = apps.get_model("automation", "Rule")
    now = timezone.now()
    Rule.objects.bulk_create(
        [
            Rule(workspace_id=workspace_id, position=1002, created_at=now, **RULE)
            for workspace_id in Workspace.objects.values_list("pk", flat=True)
        ],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [("automation", "0006_repeat_contact_event"), ("core", "0001_initial")]

    operations = [migrations.RunPython(add_default_rule, migrations.RunPython.noop)]
