from django.contrib import admin

from sportello.accounts.scoped_admin import WorkspaceScopedAdmin
from sportello.conversations.models import Conversation, Message, Tag


@admin.register(Conversation)
class ConversationAdmin(WorkspaceScopedAdmin):
    """Read-mostly: conversations change through the agent UI and the API (actions)."""

    list_display = (
        "number",
        "subject",
        "status",
        "customer",
        "channel",
        "assignee",
        "last_message_at",
    )
    list_filter = ("status", "channel", "workspace")
    search_fields = ("subject",)
    raw_id_fields = ("customer", "assignee", "team", "channel")
    readonly_fields = [f.name for f in Conversation._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


@admin.register(Tag)
class TagAdmin(WorkspaceScopedAdmin):
    list_display = ("name", "workspace")
    search_fields = ("name",)


@admin.register(Message)
class MessageAdmin(WorkspaceScopedAdmin):
    list_display = ("pk", "conversation", "kind", "direction", "sender_name", "created_at")
    list_filter = ("kind", "direction")
    raw_id_fields = ("conversation", "sender_agent", "sender_customer", "channel")
    readonly_fields = [f.name for f in Message._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
