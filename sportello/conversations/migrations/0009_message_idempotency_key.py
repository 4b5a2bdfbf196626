"""A reply remembers the idempotency key it was sent with, unique in its workspace where
set (a partial unique index), so a client's retry finds it instead of storing a copy."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
        ('conversations', '0008_conversation_fk_indexes'),
        ('core', '0001_initial'),
        ('customers', '0004_identity_kind_from_registry'),
        ('sportello_channels', '0002_channel_kind_from_registry'),
    ]

    operations = [
        migrations.AddField(
            model_name='message',
            name='idempotency_key',
            field=models.CharField(blank=True, max_length=255, null=True),
        ),
        migrations.AddConstraint(
            model_name='message',
            constraint=models.UniqueConstraint(condition=models.Q(('idempotency_key__isnull', False)), fields=('workspace', 'idempotency_key'), name='message_idempotency_key'),
        ),
    ]
