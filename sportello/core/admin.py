from django.contrib import admin

from sportello.core.models import Workspace


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "language", "time_zone", "created_at")
    readonly_fields = ("last_conversation_number",)
