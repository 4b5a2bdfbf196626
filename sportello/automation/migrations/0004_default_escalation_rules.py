"""The default escalation rules for the workspaces that exist: a warning before an SLA
breach notifies whoever holds the conversation, a breach the supervisors. Workspaces made
later get them on first need (``rules.actions.ensure_default_rules``). The rules are
written here as literals: history must not follow the code."""

from django.db import migrations
from django.utils import timezone

RULES = (
    (
        "sla_warning",
        "Avviso SLA: avvisa chi segue la conversazione",
        "sla_warning",
        [{"type": "notify", "to": "assignee_or_team", "email": False}],
    ),
    (
        "sla_breached",
        "SLA mancato: avvisa i supervisori",
        "sla_breached",
        [{"type": "notify", "to": "supervisors", "email": True}],
    ),
)


def add_default_rules(apps, schema_editor):
    Workspace = apps.get_model("core", "Workspace")
    Rule = apps.get_model("automation", "Rule")
    now = timezone.now()
    rows = []
    for workspace_id in Workspace.objects.values_list("pk", flat=True):
        for position, (key, name, event, actions) in enumerate(RULES):
            rows.append(
                Rule(
                    workspace_id=workspace_id,
                    default_key=key,
                    name=name,
                    event=event,
                    actions=actions,
                    conditions={"all": [], "any": []},
                    position=1000 + position,
                    created_at=now,
                )
            )
    Rule.objects.bulk_create(rows, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("automation", "0003_rules"), ("core", "0001_initial")]

    operations = [migrations.RunPython(add_default_rules, migrations.RunPython.noop)]
