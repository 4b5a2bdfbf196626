from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from sportello.accounts.scoped_admin import WorkspaceScopedAdmin
from sportello.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(WorkspaceScopedAdmin):
    """Read only: an audit log nobody can edit is one worth reading."""

    list_display = ("at", "actor_name", "action", "target_type", "target_id", "ip", "workspace")
    list_filter = ("action", "actor_kind", "workspace")

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
