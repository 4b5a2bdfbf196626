from django.contrib import admin

from sportello.channels.forms import ChannelForm
from sportello.channels.models import Channel


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    form = ChannelForm
    list_display = ("name", "kind", "slug", "workspace", "default_team", "is_active")
    list_filter = ("kind", "is_active", "workspace")
    prepopulated_fields = {"slug": ("name",)}
