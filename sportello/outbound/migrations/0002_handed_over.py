"""A delivery notes when its attempt hands the message over (SMTP DATA), and whether a
send interrupted after that was repeated (the customer may have it twice)."""

from django.db import migrations, models
from django.db.models import F


def sends_in_flight_may_have_been_sent(apps, schema_editor):
    """A send under way when this runs started before hand-overs were noted: it counts as
    handed over, so it is repeated only after the longer wait, as before."""
    Delivery = apps.get_model("outbound", "Delivery")
    Delivery.objects.filter(status="sending").update(handed_over_at=F("updated_at"))


class Migration(migrations.Migration):

    dependencies = [
        ('outbound', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='delivery',
            name='handed_over_at',
            field=models.DateTimeField(blank=True, help_text='When the current attempt began handing the message over (SMTP DATA).', null=True),
        ),
        migrations.AddField(
            model_name='delivery',
            name='maybe_sent',
            field=models.BooleanField(default=False, help_text='An attempt was interrupted after handing the message over: the customer may receive it twice (with the same Message-ID).'),
        ),
        migrations.RunPython(sends_in_flight_may_have_been_sent, migrations.RunPython.noop),
    ]
