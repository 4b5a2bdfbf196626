"""Every workspace that exists gets the default calendar (Mon-Fri 09:00-18:00 Europe/Rome,
Italian public holidays) and the default policy (first reply within one business hour).
Workspaces created later get them on first need (``sla.actions.ensure_defaults``)."""

from django.db import migrations

# Written out, not imported: a migration must not follow later changes of the code.
HOURS = {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


def create_defaults(apps, schema_editor):
    Workspace = apps.get_model("core", "Workspace")
    Calendar = apps.get_model("sla", "Calendar")
    SlaPolicy = apps.get_model("sla", "SlaPolicy")
    for workspace in Workspace.objects.all():
        if SlaPolicy.objects.filter(workspace=workspace, is_default=True).exists():
            continue
        calendar = Calendar.objects.filter(workspace=workspace, is_default=True).first()
        if calendar is None:
            calendar = Calendar.objects.create(
                workspace=workspace,
                name="Orario d'ufficio",
                time_zone="Europe/Rome",
                hours=HOURS,
                holiday_country="IT",
                is_default=True,
            )
        SlaPolicy.objects.create(
            workspace=workspace,
            name="Predefinita",
            is_default=True,
            calendar=calendar,
            first_reply_minutes=60,
        )


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_calendars_and_policies"), ("core", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
