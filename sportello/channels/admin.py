from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from sportello.accounts.scoped_admin import WorkspaceScopedAdmin
from sportello.channels.forms import ChannelForm
from sportello.channels.models import Channel
from sportello.channels.queries import webhook_url


@admin.register(Channel)
class ChannelAdmin(WorkspaceScopedAdmin):
    """Channels of the admin's workspaces; their passwords and tokens are write-only
    (``ChannelForm``). A saved channel whose provider takes webhooks shows the URL to
    paste in the provider's dashboard."""

    form = ChannelForm
    list_display = ("name", "kind", "slug", "workspace", "default_team", "is_active")
    list_filter = ("kind", "is_active", "workspace")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("webhook",)

    @admin.display(description=_("Webhook URL"))
    def webhook(self, channel: Channel) -> str:
        return (webhook_url(channel) if channel.pk else None) or "—"
