from django.contrib import admin

from sportello.accounts.scoped_admin import ScopedToWorkspaces, WorkspaceScopedAdmin
from sportello.customers.models import Customer, Identity, Organization


class IdentityInline(ScopedToWorkspaces, admin.TabularInline):  # type: ignore[type-arg]
    model = Identity
    extra = 0
    fields = ("kind", "value", "created_at")
    readonly_fields = ("created_at",)


@admin.register(Customer)
class CustomerAdmin(WorkspaceScopedAdmin):
    list_display = ("__str__", "workspace", "organization", "conversation_count", "last_contact_at")
    list_filter = ("workspace",)
    search_fields = ("name", "identities__value")
    inlines = [IdentityInline]
    readonly_fields = ("conversation_count", "last_contact_at")


@admin.register(Organization)
class OrganizationAdmin(WorkspaceScopedAdmin):
    list_display = ("name", "domain", "workspace")
    search_fields = ("name", "domain")
