from __future__ import annotations

from functools import cache
from typing import Any

from django.apps import apps
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from sportello.accounts.scoped_admin import WorkspaceScopedAdmin
from sportello.audit.models import AuditEntry


@cache
def _models_by_name() -> dict[str | None, Any]:
    return {m._meta.model_name: m for m in apps.get_models()}


@admin.register(AuditEntry)
class AuditEntryAdmin(WorkspaceScopedAdmin):
    """Read only: an audit log nobody can edit is one worth reading."""

    list_display = ("at", "actor_name", "action", "target", "target_id", "ip", "workspace")
    list_filter = ("action", "actor_kind", "workspace")

    @admin.display(description=_("target type"), ordering="target_type")
    def target(self, entry: AuditEntry) -> str:
        """What was changed, by its model's name in the reader's language ("canale")."""
        model = _models_by_name().get(entry.target_type)
        return str(model._meta.verbose_name) if model else entry.target_type

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
