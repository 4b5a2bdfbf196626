from django.contrib import admin

from sportello.accounts.scoped_admin import WorkspaceScopedAdmin
from sportello.channels.forms import ChannelForm
from sportello.channels.models import Channel


@admin.register(Channel)
class ChannelAdmin(WorkspaceScopedAdmin):
    """Channels of the admin's workspaces; their passwords and tokens are write-only
    (``ChannelForm``)."""

    form = ChannelForm
    list_display = ("name", "kind", "slug", "workspace", "default_team", "is_active")
    list_filter = ("kind", "is_active", "workspace")
    prepopulated_fields = {"slug": ("name",)}
