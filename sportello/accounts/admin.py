"""Logins, agents, teams, tokens and the workspaces themselves in the Django admin, scoped
to the workspaces the signed-in admin configures (``accounts.scoped_admin``, ADR 0014).

The Workspace admin lives here rather than in core: scoping it needs to know who is an
admin of which workspace, which core (the lowest floor) may not ask accounts.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from sportello.accounts.actions import create_agent
from sportello.accounts.models import Agent, ApiToken, Role, Team, User
from sportello.accounts.scoped_admin import (
    ScopedToWorkspaces,
    WorkspaceScopedAdmin,
    is_operator,
    manageable_users,
    workspace_ids,
)
from sportello.core.languages import language_name
from sportello.core.models import Workspace


@admin.display(description=_("language"), ordering="language")
def language(row: Workspace | Agent) -> str:
    """The language by its name ("Italiano"), not its code."""
    return language_name(row.language)


@admin.register(Workspace)
class WorkspaceAdmin(WorkspaceScopedAdmin):
    list_display = ("name", "slug", language, "time_zone", "created_at")
    readonly_fields = ("last_conversation_number",)
    workspace_lookup = "pk"

    # Workspaces are made and removed by the operator; an admin names and localises theirs.
    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return is_operator(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_operator(request)


@admin.register(User)
class UserAdmin(ScopedToWorkspaces, BaseUserAdmin):  # type: ignore[type-arg]
    """Logins. A workspace admin sees only the logins that are agents of their workspaces
    and of no other (``scoped_admin.manageable_users``), and never the superuser flags."""

    ordering = ("email",)
    list_display = ("email", "is_active", "is_staff", "last_login")
    search_fields = ("email",)
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    def scope(self, queryset: QuerySet[Any], ids: list[int]) -> QuerySet[Any]:
        return queryset.filter(pk__in=manageable_users(ids).values("pk"))

    def in_scope(self, request: HttpRequest, obj: Any) -> bool:
        return manageable_users(workspace_ids(request)).filter(pk=obj.pk).exists()

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None or is_operator(request):
            return super().get_fieldsets(request, obj)
        return ((None, {"fields": ("email", "password", "is_active")}),)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        ids = workspace_ids(request)
        if not change and not is_operator(request) and ids:
            # A login a workspace admin adds is an agent of their (first) workspace, so it
            # stays theirs to manage.
            create_agent(Workspace.objects.get(pk=ids[0]), email=obj.email, password=None)


@admin.register(Agent)
class AgentAdmin(WorkspaceScopedAdmin):
    list_display = ("display_name", "user", "workspace", "role", language, "is_active")
    list_filter = ("workspace", "role", "is_active")
    search_fields = ("display_name", "user__email")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # A membership's login never changes (an agency's login may be outside the choices).
        fields = tuple(super().get_readonly_fields(request, obj))
        return (*fields, "user") if obj is not None else fields

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if obj.role == Role.ADMIN and obj.is_active and not obj.user.is_staff:
            # An admin agent configures their workspace here: Django lets in staff only.
            User.objects.filter(pk=obj.user_id).update(is_staff=True)


@admin.register(Team)
class TeamAdmin(WorkspaceScopedAdmin):
    list_display = ("name", "workspace")
    filter_horizontal = ("members",)


@admin.register(ApiToken)
class ApiTokenAdmin(WorkspaceScopedAdmin):
    """Tokens are issued by the API and the agent UI (``issue_token``: the key is shown
    once); here they are listed, renamed and revoked. Only a hash is stored, and not shown."""

    list_display = ("name", "prefix", "agent", "created_at", "last_used_at", "expires_at")
    exclude = ("key_hash",)
    readonly_fields = ("prefix", "created_at", "last_used_at", "expires_at")

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False
