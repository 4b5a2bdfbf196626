"""Admin agents stop being superusers (docs/adr/0014).

Until now every admin agent's login was a superuser, so the Django admin showed each of them
every workspace. Their logins become staff, which the admin scopes to the workspaces they
are admins of. A superuser with no admin agent (one made by Django's ``createsuperuser``)
is taken for the installation's operator and stays as it is.
"""

from __future__ import annotations

from django.db import migrations


def demote_admin_agents(apps, schema_editor):  # type: ignore[no-untyped-def]
    User = apps.get_model("accounts", "User")
    Agent = apps.get_model("accounts", "Agent")
    admins = Agent.objects.filter(role="admin").values("user_id")
    User.objects.filter(is_superuser=True, pk__in=admins).update(is_superuser=False, is_staff=True)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(demote_admin_agents, migrations.RunPython.noop)]
