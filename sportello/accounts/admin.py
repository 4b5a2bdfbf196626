from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from sportello.accounts.models import Agent, ApiToken, Team, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "is_active", "is_staff", "last_login")
    search_fields = ("email",)
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = ("display_name", "user", "workspace", "role", "language", "is_active")
    list_filter = ("workspace", "role", "is_active")
    search_fields = ("display_name", "user__email")


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "workspace")
    filter_horizontal = ("members",)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "agent", "created_at", "last_used_at")
    readonly_fields = ("key_hash", "prefix", "created_at", "last_used_at")
